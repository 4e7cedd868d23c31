namespace Drover.Epmd.Protocol;

/// <summary>How a request body parsed, in epmd's two kinds of "no".</summary>
public enum EpmdParseStatus
{
    /// <summary>Well formed and acceptable.</summary>
    Ok,

    /// <summary>Sizes or bytes that do not add up: epmd closes the connection without an answer.</summary>
    Malformed,

    /// <summary>
    /// Well framed but not acceptable (name too long or not UTF-8, extra too long): epmd answers with a
    /// refusal (ALIVE2 result 1, creation 99).
    /// </summary>
    Refused,
}
