namespace Drover.Mesos.RecordIO;

/// <summary>
/// The RecordIO framing of a stream is broken: a bad length header, a record above the size limit,
/// or a stream that ended in the middle of a record. The stream cannot be resynchronised after this,
/// so it derives from <see cref="IOException"/>: callers treat it like a lost connection.
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
    }
}
