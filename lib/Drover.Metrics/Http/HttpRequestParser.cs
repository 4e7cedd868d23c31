using System.Buffers.Text;

namespace Drover.Metrics.Http;

/// <summary>
/// Parses an HTTP/1.x request head (RFC 9112 §2–5) as a pure function over the bytes received so far:
/// short input is <see cref="HttpParseStatus.Incomplete"/>, never an exception; anything malformed,
/// oversized or unsupported is <see cref="HttpParseStatus.Invalid"/> with its <see cref="RequestHeadError"/> kind,
/// which decides the status to answer.
/// Only what a metrics endpoint needs is extracted: method, target, keep-alive, whether a body follows.
/// </summary>
/// <remarks>
/// Lines must end in CRLF; a bare LF, obsolete line folding, whitespace before a header's colon and
/// control characters are rejected, as RFC 9112 allows a server to do.
/// </remarks>
internal static class HttpRequestParser
{
    /// <summary>At most this many header fields.</summary>
    public const int MaxHeaderCount = 100;

    private const int MaxMethodLength = 32;

    public static HttpParseResult Parse(ReadOnlySpan<byte> input, int maxHeadBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHeadBytes, 16);
        var window = input.Length > maxHeadBytes ? input[..maxHeadBytes] : input;
        var end = window.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return IncompleteOrEarlyError(window, input.Length >= maxHeadBytes);
        }
        var headLength = end + 4;
        var head = window[..(end + 2)]; // every line with its CRLF, without the blank line
        var lineEnd = head.IndexOf("\r\n"u8);
        var line = ParseRequestLine(head[..lineEnd]);
        if (line.Error != RequestHeadError.None)
        {
            return HttpParseResult.Invalid(line.Error);
        }
        var headers = ParseHeaders(head[(lineEnd + 2)..], line.Http11);
        if (headers.Error != RequestHeadError.None)
        {
            return HttpParseResult.Invalid(headers.Error);
        }
        return new HttpParseResult(
            HttpParseStatus.Complete, headLength, line.Method, line.Target, headers.KeepAlive, headers.HasBody, RequestHeadError.None);
    }

    /// <summary>
    /// The path of a request target without its query: <c>/metrics?x=1</c> and the absolute form
    /// <c>http://host:9100/metrics</c> (which RFC 9112 §3.2.2 says a server must accept) both give <c>/metrics</c>.
    /// </summary>
    public static ReadOnlySpan<byte> PathOf(ReadOnlySpan<byte> target)
    {
        var scheme = target.IndexOf("://"u8);
        if (scheme > 0 && target[0] != (byte)'/')
        {
            var afterScheme = target[(scheme + 3)..];
            var pathStart = afterScheme.IndexOfAny((byte)'/', (byte)'?');
            target = pathStart >= 0 && afterScheme[pathStart] == (byte)'/' ? afterScheme[pathStart..] : "/"u8;
        }
        var query = target.IndexOf((byte)'?');
        return query < 0 ? target : target[..query];
    }

    /// <summary>
    /// Without a complete head we can still refuse early: a bare LF, a full buffer, or a broken
    /// request line once its CRLF has arrived. This keeps garbage from holding a connection until the timeout.
    /// </summary>
    private static HttpParseResult IncompleteOrEarlyError(ReadOnlySpan<byte> window, bool full)
    {
        var lf = window.IndexOf((byte)'\n');
        while (lf >= 0)
        {
            if (lf == 0 || window[lf - 1] != (byte)'\r')
            {
                return HttpParseResult.Invalid(RequestHeadError.BareLineFeed);
            }
            var next = window[(lf + 1)..].IndexOf((byte)'\n');
            lf = next < 0 ? -1 : lf + 1 + next;
        }
        var firstLine = window.IndexOf("\r\n"u8);
        if (firstLine >= 0)
        {
            var line = ParseRequestLine(window[..firstLine]);
            if (line.Error != RequestHeadError.None)
            {
                return HttpParseResult.Invalid(line.Error);
            }
        }
        else if (window.Length > 0 && !IsPlausibleRequestLinePrefix(window))
        {
            return HttpParseResult.Invalid(RequestHeadError.MalformedRequestLine);
        }
        if (full)
        {
            return HttpParseResult.Invalid(RequestHeadError.HeadTooLarge);
        }
        return HttpParseResult.Incomplete;
    }

    private static bool IsPlausibleRequestLinePrefix(ReadOnlySpan<byte> partial)
    {
        // Only the bytes a request line may hold; a lone CR at the very end is the start of its CRLF.
        for (var i = 0; i < partial.Length; i++)
        {
            var b = partial[i];
            if (b == (byte)'\r' && i == partial.Length - 1)
            {
                continue;
            }
            if (b < 0x20 || b == 0x7F || b >= 0x80)
            {
                return false;
            }
        }
        var space = partial.IndexOf((byte)' ');
        var method = space < 0 ? partial : partial[..space];
        return (space != 0 || partial.Length == 0) && method.Length <= MaxMethodLength && IsToken(method, allowEmpty: true);
    }

    private readonly record struct RequestLine(HttpMethodKind Method, Range Target, bool Http11, RequestHeadError Error)
    {
        public static RequestLine Fail(RequestHeadError error) => new(HttpMethodKind.Other, default, false, error);
    }

    /// <summary>method SP request-target SP HTTP-version (RFC 9112 §3).</summary>
    private static RequestLine ParseRequestLine(ReadOnlySpan<byte> line)
    {
        var firstSpace = line.IndexOf((byte)' ');
        if (firstSpace <= 0 || firstSpace > MaxMethodLength || !IsToken(line[..firstSpace], allowEmpty: false))
        {
            return RequestLine.Fail(RequestHeadError.MalformedMethod);
        }
        var targetStart = firstSpace + 1;
        var secondSpace = line[targetStart..].IndexOf((byte)' ');
        if (secondSpace <= 0)
        {
            return RequestLine.Fail(RequestHeadError.MalformedRequestLine);
        }
        var targetEnd = targetStart + secondSpace;
        var target = line[targetStart..targetEnd];
        foreach (var b in target)
        {
            if (b <= 0x20 || b >= 0x7F)
            {
                return RequestLine.Fail(RequestHeadError.MalformedTarget);
            }
        }
        var version = line[(targetEnd + 1)..];
        var http11 = version.SequenceEqual("HTTP/1.1"u8);
        if (!http11 && !version.SequenceEqual("HTTP/1.0"u8))
        {
            return IsVersionShape(version)
                ? RequestLine.Fail(RequestHeadError.UnsupportedVersion)
                : RequestLine.Fail(RequestHeadError.MalformedVersion);
        }
        var method = line[..firstSpace];
        var kind = method.SequenceEqual("GET"u8) ? HttpMethodKind.Get
            : method.SequenceEqual("HEAD"u8) ? HttpMethodKind.Head
            : HttpMethodKind.Other;
        return new RequestLine(kind, new Range(targetStart, targetEnd), http11, RequestHeadError.None);
    }

    private readonly record struct Headers(bool KeepAlive, bool HasBody, RequestHeadError Error)
    {
        public static Headers Fail(RequestHeadError error) => new(false, false, error);
    }

    /// <summary>field-name ":" OWS field-value OWS, each line ending in CRLF (RFC 9112 §5).</summary>
    private static Headers ParseHeaders(ReadOnlySpan<byte> block, bool http11)
    {
        var close = false;
        var keepAlive = false;
        var hasBody = false;
        var hosts = 0;
        var count = 0;
        while (!block.IsEmpty)
        {
            var lineEnd = block.IndexOf("\r\n"u8);
            var line = block[..lineEnd];
            block = block[(lineEnd + 2)..];
            if (++count > MaxHeaderCount)
            {
                return Headers.Fail(RequestHeadError.TooManyHeaders);
            }
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(line[..colon], allowEmpty: false))
            {
                return Headers.Fail(RequestHeadError.MalformedHeaderName);
            }
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            foreach (var b in value)
            {
                if (b == (byte)'\n')
                {
                    return Headers.Fail(RequestHeadError.BareLineFeed); // lines are cut at CRLF: an LF left inside is bare
                }
                if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
                {
                    return Headers.Fail(RequestHeadError.ControlCharacterInHeader);
                }
            }
            if (name.EqualsIgnoreCaseAscii("Host"u8))
            {
                hosts++;
            }
            else if (name.EqualsIgnoreCaseAscii("Connection"u8))
            {
                close |= HasToken(value, "close"u8);
                keepAlive |= HasToken(value, "keep-alive"u8);
            }
            else if (name.EqualsIgnoreCaseAscii("Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long length, out var consumed) || consumed != value.Length || length < 0)
                {
                    return Headers.Fail(RequestHeadError.MalformedContentLength);
                }
                hasBody |= length > 0;
            }
            else if (name.EqualsIgnoreCaseAscii("Transfer-Encoding"u8))
            {
                hasBody = true;
            }
        }
        if (http11 && hosts != 1)
        {
            // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without exactly one Host.
            return Headers.Fail(RequestHeadError.HostMissingOrRepeated);
        }
        // HTTP/1.1 stays open unless "close"; HTTP/1.0 closes unless "keep-alive" (RFC 9112 §9.3).
        return new Headers(http11 ? !close : keepAlive && !close, hasBody, RequestHeadError.None);
    }

    private static bool HasToken(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        foreach (var range in list.Split((byte)','))
        {
            if (list[range].Trim(" \t"u8).EqualsIgnoreCaseAscii(token))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsVersionShape(ReadOnlySpan<byte> version) =>
        version.Length == 8 && version.StartsWith("HTTP/"u8) && char.IsAsciiDigit((char)version[5])
        && version[6] == (byte)'.' && char.IsAsciiDigit((char)version[7]);

    /// <summary>tchar (RFC 9110 §5.6.2).</summary>
    private static bool IsToken(ReadOnlySpan<byte> text, bool allowEmpty)
    {
        if (text.IsEmpty)
        {
            return allowEmpty;
        }
        foreach (var b in text)
        {
            var ok = char.IsAsciiLetterOrDigit((char)b) || b is (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&'
                or (byte)'\'' or (byte)'*' or (byte)'+' or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static bool EqualsIgnoreCaseAscii(this ReadOnlySpan<byte> text, ReadOnlySpan<byte> expected) =>
        System.Text.Ascii.EqualsIgnoreCase(text, expected);
}
