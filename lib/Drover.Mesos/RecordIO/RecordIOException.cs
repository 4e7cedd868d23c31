namespace Drover.Mesos.RecordIO;

/// <summary>What is wrong with a RecordIO stream.</summary>
public enum RecordIOErrorKind
{
    /// <summary>Made without a kind (the parameterless constructors).</summary>
    Unspecified,

    /// <summary>A newline where the length should start.</summary>
    EmptyLength,

    /// <summary>A byte of the length header is not a decimal digit.</summary>
    NotADigit,

    /// <summary>More digits than any allowed length has, without a newline.</summary>
    TooManyDigits,

    /// <summary>The declared length is above the reader's limit (rejected before the body is awaited).</summary>
    RecordTooLarge,

    /// <summary>The stream ended in the middle of a length header.</summary>
    TruncatedHeader,

    /// <summary>The stream ended in the middle of a record.</summary>
    TruncatedRecord,
}

/// <summary>
/// The RecordIO framing of a stream is broken: a bad length header, a record above the size limit,
/// or a stream that ended in the middle of a record (<see cref="Kind"/> says which). The stream cannot
/// be resynchronised after this, so it derives from <see cref="IOException"/>: callers treat it like a
/// lost connection.
/// </summary>
public sealed class RecordIOException : IOException
{
    public RecordIOException()
    {
    }

    public RecordIOException(string message)
        : base(message)
    {
    }

    public RecordIOException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = (innerException as RecordIOException)?.Kind ?? RecordIOErrorKind.Unspecified;
    }

    public RecordIOException(RecordIOErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public RecordIOErrorKind Kind { get; }
}
