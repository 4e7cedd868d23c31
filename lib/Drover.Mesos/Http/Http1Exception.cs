namespace Drover.Mesos.Http;

/// <summary>What is wrong with an HTTP/1.1 response.</summary>
public enum Http1ErrorKind
{
    /// <summary>Made without a kind (the parameterless constructors).</summary>
    Unspecified,

    /// <summary>The status line is not <c>HTTP/1.x 3DIGIT reason</c>.</summary>
    MalformedStatusLine,

    /// <summary>A header line is not <c>name: value</c> (or is an obsolete folded continuation).</summary>
    MalformedHeader,

    /// <summary>No blank line ends the head within <see cref="HttpLimits.MaxHeadBytes"/>.</summary>
    HeadTooLarge,

    /// <summary>More header lines than <see cref="HttpLimits.MaxHeaders"/>.</summary>
    TooManyHeaders,

    /// <summary>A <c>Content-Length</c> that is not a number, or several that disagree.</summary>
    BadContentLength,

    /// <summary>A chunk-size line that is not hexadecimal digits (optionally followed by extensions).</summary>
    MalformedChunkSize,

    /// <summary>A chunk-size line, or a chunk size, beyond the limits.</summary>
    ChunkTooLarge,

    /// <summary>A chunk's data is not followed by its line ending.</summary>
    MissingChunkTerminator,

    /// <summary>The trailer section after the last chunk is longer than <see cref="HttpLimits.MaxTrailerBytes"/>.</summary>
    TrailersTooLarge,

    /// <summary>The connection ended in the middle of the head.</summary>
    TruncatedHead,

    /// <summary>The connection ended before the body its framing announced.</summary>
    TruncatedBody,
}

/// <summary>
/// The peer broke HTTP/1.1: a malformed head, bad chunked framing, a body cut short, or a limit exceeded
/// (<see cref="Kind"/> says which). The connection cannot be trusted after it, so it derives from
/// <see cref="IOException"/>: callers treat it like a lost connection.
/// </summary>
public sealed class Http1Exception : IOException
{
    public Http1Exception()
    {
    }

    public Http1Exception(string message)
        : base(message)
    {
    }

    public Http1Exception(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = (innerException as Http1Exception)?.Kind ?? Http1ErrorKind.Unspecified;
    }

    public Http1Exception(Http1ErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public Http1ErrorKind Kind { get; }
}
