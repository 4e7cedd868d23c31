namespace Drover.Mesos.Http;

/// <summary>How the body after a response head ends (RFC 9112 section 6.3).</summary>
public enum HttpBodyFraming
{
    /// <summary>No body: a 1xx, 204 or 304 answer.</summary>
    None,

    /// <summary>Exactly <see cref="HttpResponseHead.ContentLength"/> bytes.</summary>
    ContentLength,

    /// <summary>Chunked transfer coding, ended by a zero-size chunk (how Mesos streams events).</summary>
    Chunked,

    /// <summary>Everything until the server closes the connection.</summary>
    UntilClose,
}

/// <summary>A parsed response head: status, headers, and what they say about the body and the connection.</summary>
public sealed class HttpResponseHead
{
    /// <summary>0 for HTTP/1.0, 1 for HTTP/1.1 (a higher minor version is read as 1.1).</summary>
    public required int MinorVersion { get; init; }

    public required int StatusCode { get; init; }

    public required string ReasonPhrase { get; init; }

    /// <summary>Every header line in order, names as sent.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    public required HttpBodyFraming Framing { get; init; }

    /// <summary>The declared body length when <see cref="Framing"/> is <see cref="HttpBodyFraming.ContentLength"/>, else -1.</summary>
    public required long ContentLength { get; init; }

    /// <summary>Whether the connection may carry another request once this body has been read.</summary>
    public required bool KeepAlive { get; init; }

    /// <summary>The value of the first header named <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? Header(string name)
    {
        foreach (var (key, value) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }
}
