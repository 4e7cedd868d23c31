namespace Drover.Registry;

/// <summary>
/// The bytes of a registry node (written by someone else, or damaged) are not a valid record. The
/// message names the node when it is known, the field, and what was wrong; it never echoes the bytes.
/// </summary>
public sealed class RecordFormatException : Exception
{
    public RecordFormatException()
    {
    }

    public RecordFormatException(string message)
        : base(message)
    {
    }

    public RecordFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The znode path of the bad record, when the reader knew it.</summary>
    public string? Path { get; init; }

    /// <summary>The field that is missing, of the wrong type or out of range (dotted for nested ones); null when the record as a whole is bad.</summary>
    public string? Field { get; init; }
}
