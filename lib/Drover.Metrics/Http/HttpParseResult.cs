namespace Drover.Metrics.Http;

internal enum HttpMethodKind
{
    Get,
    Head,
    Other,
}

internal enum HttpParseStatus
{
    /// <summary>The head is not complete yet: read more and parse again from the start.</summary>
    Incomplete,

    /// <summary>A whole, valid request head.</summary>
    Complete,

    /// <summary>Not a request we accept (<see cref="HttpParseResult.Error"/> says why): answer <see cref="HttpParseResult.ErrorStatus"/> and close.</summary>
    Invalid,
}

/// <summary>
/// What <see cref="HttpRequestParser"/> found in the bytes received so far. For a complete head,
/// <see cref="HeadLength"/> bytes (through the blank line) belong to this request; the target is a
/// range of the parsed buffer, not a copy.
/// </summary>
internal readonly record struct HttpParseResult(
    HttpParseStatus Status,
    int HeadLength,
    HttpMethodKind Method,
    Range Target,
    bool KeepAlive,
    bool HasBody,
    RequestHeadError Error)
{
    public static HttpParseResult Incomplete => default;

    /// <summary>The status to answer a refused request with.</summary>
    public int ErrorStatus => RequestHeadErrors.StatusOf(Error);

    public static HttpParseResult Invalid(RequestHeadError error) =>
        new(HttpParseStatus.Invalid, 0, HttpMethodKind.Other, default, false, false, error);
}
