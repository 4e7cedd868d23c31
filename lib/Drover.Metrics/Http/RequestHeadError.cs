namespace Drover.Metrics.Http;

/// <summary>Why <see cref="HttpRequestParser"/> refused a request head; each kind is answered with its own status.</summary>
public enum RequestHeadError
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>A line ends in LF without CR (400).</summary>
    BareLineFeed,

    /// <summary>The method is empty, too long, or not a token (400).</summary>
    MalformedMethod,

    /// <summary>The request line lacks its target or version, or has extra spaces (400).</summary>
    MalformedRequestLine,

    /// <summary>The target holds spaces, control characters or non-ASCII bytes (400).</summary>
    MalformedTarget,

    /// <summary>The version is not of the form HTTP/d.d (400).</summary>
    MalformedVersion,

    /// <summary>A well-formed version other than HTTP/1.0 and HTTP/1.1 (505).</summary>
    UnsupportedVersion,

    /// <summary>The head is longer than the server's limit (431).</summary>
    HeadTooLarge,

    /// <summary>More than <see cref="HttpRequestParser.MaxHeaderCount"/> header fields (400).</summary>
    TooManyHeaders,

    /// <summary>A header line without a colon, or whose name is not a token (obsolete folding included) (400).</summary>
    MalformedHeaderName,

    /// <summary>A control character in a header value (400).</summary>
    ControlCharacterInHeader,

    /// <summary>Content-Length is not a non-negative whole number (400).</summary>
    MalformedContentLength,

    /// <summary>An HTTP/1.1 request without exactly one Host header (400, RFC 9112 §3.2).</summary>
    HostMissingOrRepeated,
}

internal static class RequestHeadErrors
{
    /// <summary>The status a refused request is answered with.</summary>
    public static int StatusOf(RequestHeadError error) => error switch
    {
        RequestHeadError.None => 200,
        RequestHeadError.UnsupportedVersion => 505,
        RequestHeadError.HeadTooLarge => 431,
        _ => 400,
    };

    /// <summary>The line of the error response's body.</summary>
    public static string Describe(RequestHeadError error, int maxHeadBytes) => error switch
    {
        RequestHeadError.None => "no error",
        RequestHeadError.BareLineFeed => "a line ends in a bare LF",
        RequestHeadError.MalformedMethod => "malformed method",
        RequestHeadError.MalformedRequestLine => "malformed request line",
        RequestHeadError.MalformedTarget => "malformed request target",
        RequestHeadError.MalformedVersion => "malformed HTTP version",
        RequestHeadError.UnsupportedVersion => "only HTTP/1.0 and HTTP/1.1 are supported",
        RequestHeadError.HeadTooLarge => $"request head exceeds {maxHeadBytes} bytes",
        RequestHeadError.TooManyHeaders => $"more than {HttpRequestParser.MaxHeaderCount} header fields",
        RequestHeadError.MalformedHeaderName => "malformed header field name",
        RequestHeadError.ControlCharacterInHeader => "control character in a header value",
        RequestHeadError.MalformedContentLength => "malformed Content-Length",
        RequestHeadError.HostMissingOrRepeated => "an HTTP/1.1 request needs exactly one Host header",
        _ => error.ToString(),
    };
}
