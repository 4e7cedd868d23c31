using System.Buffers;
using System.Globalization;
using System.Text;

namespace Drover.Mesos.Http;

/// <summary>
/// Reads an HTTP/1.x response head (status line, header lines, blank line; RFC 9112) from the bytes received so
/// far. Lines end in CRLF or a bare LF (RFC 9112 section 2.2 lets a recipient accept the latter). Obsolete line
/// folding, control characters in values, and names that are not tokens are refused: Mesos and Kestrel never send
/// them, and accepting them only hides a peer that lost the framing.
/// </summary>
public static class HttpResponseHeadReader
{
    private const byte Newline = (byte)'\n';
    private const byte Return = (byte)'\r';

    /// <summary>
    /// Reads the head at the front of <paramref name="buffer"/>. Returns false, leaving the buffer untouched, until
    /// the blank line has arrived; on true the buffer is advanced past the head. A malformed line is an error as soon
    /// as it is complete, and a head that has not ended within <see cref="HttpLimits.MaxHeadBytes"/> is one at once.
    /// </summary>
    /// <exception cref="Http1Exception">A malformed head, or one beyond the limits.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, HttpLimits limits, out HttpResponseHead head)
    {
        ArgumentNullException.ThrowIfNull(limits);
        head = null!;
        var reader = new SequenceReader<byte>(buffer.Length > limits.MaxHeadBytes ? buffer.Slice(0, limits.MaxHeadBytes) : buffer);
        (int Minor, int Status, string Reason)? status = null;
        var headers = new List<KeyValuePair<string, string>>();
        while (reader.TryReadTo(out ReadOnlySequence<byte> raw, Newline))
        {
            var line = TrimReturn(raw);
            if (status is null)
            {
                status = ParseStatusLine(line);
                continue;
            }

            if (line.IsEmpty)
            {
                head = Build(status.Value, headers);
                buffer = buffer.Slice(reader.Position);
                return true;
            }

            if (headers.Count == limits.MaxHeaders)
            {
                throw new Http1Exception(Http1ErrorKind.TooManyHeaders, $"more than {limits.MaxHeaders} header lines in a response head");
            }

            headers.Add(ParseHeaderLine(line));
        }

        if (buffer.Length >= limits.MaxHeadBytes)
        {
            throw new Http1Exception(Http1ErrorKind.HeadTooLarge, $"no end of the response head within {limits.MaxHeadBytes} bytes");
        }

        return false;
    }

    /// <summary>The error for a connection that ended with <paramref name="remaining"/> of a head unread.</summary>
    public static Http1Exception Truncated(in ReadOnlySequence<byte> remaining) =>
        new(Http1ErrorKind.TruncatedHead, remaining.IsEmpty
            ? "the connection closed before a response arrived"
            : string.Create(CultureInfo.InvariantCulture, $"the connection closed in the middle of the response head (after {remaining.Length} bytes)"));

    private static ReadOnlySequence<byte> TrimReturn(ReadOnlySequence<byte> line) =>
        !line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == Return ? line.Slice(0, line.Length - 1) : line;

    // "HTTP/1.1 200 OK": the version, a space, three digits, then a space and the reason (possibly empty) or nothing.
    private static (int Minor, int Status, string Reason) ParseStatusLine(ReadOnlySequence<byte> line)
    {
        // "HTTP/1.1 200" without a reason is the shortest status line.
        if (line.Length < 12)
        {
            throw MalformedStatus(line);
        }

        Span<byte> start = stackalloc byte[12];
        line.Slice(0, 12).CopyTo(start);
        if (!start[..7].SequenceEqual("HTTP/1."u8) || !char.IsAsciiDigit((char)start[7]) || start[8] != (byte)' '
            || !char.IsAsciiDigit((char)start[9]) || !char.IsAsciiDigit((char)start[10]) || !char.IsAsciiDigit((char)start[11]))
        {
            throw MalformedStatus(line);
        }

        var code = ((start[9] - '0') * 100) + ((start[10] - '0') * 10) + (start[11] - '0');
        if (code < 100)
        {
            throw MalformedStatus(line);
        }

        var rest = line.Slice(12);
        if (!rest.IsEmpty && rest.FirstSpan[0] != (byte)' ')
        {
            throw MalformedStatus(line);
        }

        var reason = rest.IsEmpty ? ReadOnlySequence<byte>.Empty : rest.Slice(1);
        foreach (var segment in reason)
        {
            if (segment.Span.IndexOfAnyInRange((byte)0, (byte)0x08) >= 0 || segment.Span.IndexOfAnyInRange((byte)0x0A, (byte)0x1F) >= 0 || segment.Span.Contains((byte)0x7F))
            {
                throw MalformedStatus(line);
            }
        }

        return (start[7] == (byte)'0' ? 0 : 1, code, Encoding.Latin1.GetString(reason));
    }

    private static Http1Exception MalformedStatus(in ReadOnlySequence<byte> line) =>
        new(Http1ErrorKind.MalformedStatusLine, $"not an HTTP/1.x status line: '{Printable(line)}'");

    // "Name: value": a token, a colon, optional whitespace, a value of visible characters, spaces and tabs.
    private static KeyValuePair<string, string> ParseHeaderLine(ReadOnlySequence<byte> line)
    {
        var bytes = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        var colon = bytes.IndexOf((byte)':');
        if (colon <= 0 || !IsToken(bytes[..colon]))
        {
            throw new Http1Exception(Http1ErrorKind.MalformedHeader, $"not a header line: '{Printable(line)}'");
        }

        var value = bytes[(colon + 1)..].Trim(" \t"u8);
        if (value.IndexOfAnyInRange((byte)0, (byte)0x08) >= 0 || value.IndexOfAnyInRange((byte)0x0A, (byte)0x1F) >= 0 || value.Contains((byte)0x7F))
        {
            throw new Http1Exception(Http1ErrorKind.MalformedHeader, $"a control character in the value of header '{Encoding.Latin1.GetString(bytes[..colon])}'");
        }

        return new(Encoding.Latin1.GetString(bytes[..colon]), Encoding.Latin1.GetString(value));
    }

    private static bool IsToken(ReadOnlySpan<byte> name)
    {
        foreach (var b in name)
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || "!#$%&'*+-.^_`|~"u8.Contains(b)))
            {
                return false;
            }
        }

        return true;
    }

    private static HttpResponseHead Build((int Minor, int Status, string Reason) status, List<KeyValuePair<string, string>> headers)
    {
        var transferEncoding = Joined(headers, "Transfer-Encoding");
        var contentLength = Joined(headers, "Content-Length");
        var connection = Joined(headers, "Connection");
        HttpBodyFraming framing;
        long length = -1;
        if (status.Status is < 200 or 204 or 304)
        {
            framing = HttpBodyFraming.None;
        }
        else if (transferEncoding is not null)
        {
            // Only a final "chunked" delimits the body; any other coding runs until the server closes.
            framing = string.Equals(LastToken(transferEncoding), "chunked", StringComparison.OrdinalIgnoreCase)
                ? HttpBodyFraming.Chunked
                : HttpBodyFraming.UntilClose;
        }
        else if (contentLength is not null)
        {
            framing = HttpBodyFraming.ContentLength;
            length = ParseContentLength(contentLength);
        }
        else
        {
            framing = HttpBodyFraming.UntilClose;
        }

        var keepAlive = framing != HttpBodyFraming.UntilClose
            && !(transferEncoding is not null && contentLength is not null) // a response that could be read two ways: do not trust what follows it
            && (status.Minor == 1 ? !HasToken(connection, "close") : HasToken(connection, "keep-alive"));
        return new HttpResponseHead
        {
            MinorVersion = status.Minor,
            StatusCode = status.Status,
            ReasonPhrase = status.Reason,
            Headers = headers,
            Framing = framing,
            ContentLength = length,
            KeepAlive = keepAlive,
        };
    }

    /// <summary>Every value of a header, comma-joined (RFC 9110 section 5.3); null when absent.</summary>
    private static string? Joined(List<KeyValuePair<string, string>> headers, string name)
    {
        string? joined = null;
        foreach (var (key, value) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                joined = joined is null ? value : $"{joined},{value}";
            }
        }

        return joined;
    }

    private static string LastToken(string list)
    {
        var comma = list.LastIndexOf(',');
        return (comma < 0 ? list : list[(comma + 1)..]).Trim();
    }

    private static bool HasToken(string? list, string token) =>
        list is not null && list.Split(',').Any(t => string.Equals(t.Trim(), token, StringComparison.OrdinalIgnoreCase));

    // Several Content-Length values (repeated headers or a list) are accepted only when they all agree (RFC 9110 8.6).
    private static long ParseContentLength(string values)
    {
        long? length = null;
        foreach (var part in values.Split(','))
        {
            var text = part.Trim();
            if (text.Length is 0 or > 18 || !text.All(char.IsAsciiDigit))
            {
                throw new Http1Exception(Http1ErrorKind.BadContentLength, $"invalid Content-Length '{values}'");
            }

            var value = long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
            if (length is { } previous && previous != value)
            {
                throw new Http1Exception(Http1ErrorKind.BadContentLength, $"conflicting Content-Length values '{values}'");
            }

            length = value;
        }

        return length!.Value;
    }

    /// <summary>Bytes for an error message: short, and unprintable bytes escaped.</summary>
    internal static string Printable(in ReadOnlySequence<byte> bytes) => PrintableBytes.Of(bytes, 64);
}
