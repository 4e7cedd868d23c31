using System.Globalization;
using System.Text;

namespace Drover.Mesos.Http;

/// <summary>
/// One HTTP/1.1 request as it goes on the wire: a method, a target (path and query), the <c>Host</c> it is for,
/// header lines, and a body sent with its <c>Content-Length</c> (never chunked). Names and values are checked
/// when it is written: a line break in a value (say, from an environment variable) would split the request.
/// </summary>
public sealed class Http1Request
{
    public required string Method { get; init; }

    /// <summary>The request target in origin form: "/api/v1/executor", "/ping?x=1".</summary>
    public required string Target { get; init; }

    /// <summary>The <c>Host</c> header: the authority the request is for ("127.0.0.1:5051").</summary>
    public required string Host { get; init; }

    /// <summary>Header lines besides <c>Host</c> and <c>Content-Length</c>, which are written for you.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The request's bytes: head and body in one buffer, so it leaves in one write.</summary>
    /// <exception cref="ArgumentException">A method, target or header that cannot be written as given.</exception>
    public byte[] Encode()
    {
        Check(Method, "method", token: true);
        Check(Target, "target", token: false);
        if (Target.Length == 0 || Target[0] != '/' || Target.Contains(' ', StringComparison.Ordinal))
        {
            throw new ArgumentException($"the request target '{Target}' is not an absolute path");
        }

        var head = new StringBuilder();
        head.Append(Method).Append(' ').Append(Target).Append(" HTTP/1.1\r\n");
        AppendHeader(head, "Host", Host);
        foreach (var (name, value) in Headers)
        {
            AppendHeader(head, name, value);
        }

        // A body-less POST still says so: servers may otherwise wait for one, or refuse with 411.
        if (Body.Length > 0 || Method is "POST" or "PUT")
        {
            AppendHeader(head, "Content-Length", Body.Length.ToString(CultureInfo.InvariantCulture));
        }

        head.Append("\r\n");
        var bytes = new byte[Encoding.Latin1.GetByteCount(head.ToString()) + Body.Length];
        var written = Encoding.Latin1.GetBytes(head.ToString(), bytes);
        Body.Span.CopyTo(bytes.AsSpan(written));
        return bytes;
    }

    private static void AppendHeader(StringBuilder head, string name, string value)
    {
        Check(name, "header name", token: true);
        Check(value, $"value of header '{name}'", token: false);
        head.Append(name).Append(": ").Append(value).Append("\r\n");
    }

    // Tokens (methods, names) are visible ASCII without separators; values may hold spaces but no control characters.
    private static void Check(string text, string what, bool token)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (token && text.Length == 0)
        {
            throw new ArgumentException($"an empty {what}");
        }

        foreach (var c in text)
        {
            var bad = token
                ? !(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal))
                : c is < ' ' and not '\t' or '\x7F' or > '\xFF';
            if (bad)
            {
                throw new ArgumentException($"the {what} contains a character that cannot be sent: U+{(int)c:X4}");
            }
        }
    }
}
