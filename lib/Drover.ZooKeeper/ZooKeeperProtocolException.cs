namespace Drover.ZooKeeper;

/// <summary>What was wrong with the bytes the server sent; tests and callers match on this, not on the message.</summary>
public enum ProtocolErrorKind
{
    /// <summary>A frame's declared length is above <see cref="ZooKeeperClientOptions.MaxPacketSize"/> (jute.maxbuffer).</summary>
    FrameTooLarge,

    /// <summary>A frame's declared length is negative: the stream is not ZooKeeper's protocol.</summary>
    NegativeFrameLength,

    /// <summary>The server closed the connection between two frames.</summary>
    ServerClosed,

    /// <summary>The server closed the connection inside a frame (its length prefix or its body).</summary>
    ServerClosedMidFrame,

    /// <summary>A jute record ends before one of its fields (<see cref="ZooKeeperProtocolException.Field"/>).</summary>
    RecordCutShort,

    /// <summary>A string, buffer or vector declares a negative length or count other than -1 (null).</summary>
    NegativeLength,

    /// <summary>A string, buffer or vector declares more bytes or elements than the frame has left.</summary>
    LengthBeyondFrame,

    /// <summary>A reply's body is not the reply to its request; the inner exception says why.</summary>
    MalformedReply,

    /// <summary>A reply's xid is not the xid of the oldest request pending: the stream lost sync.</summary>
    XidOutOfOrder,

    /// <summary>A reply (or auth reply) arrived while no request of its kind was pending.</summary>
    UnexpectedReply,

    /// <summary>A field holds a value the protocol does not allow (a null path, an unknown multi result type, more multi results than operations).</summary>
    InvalidValue,

    /// <summary>The server returned a path outside the client's chroot.</summary>
    PathOutsideChroot,

    /// <summary>The connection ended and recorded no reason (a bug of the client, never expected).</summary>
    NoReason,
}

/// <summary>
/// The peer sent bytes that do not follow the ZooKeeper wire protocol: a frame longer than the
/// packet limit, a record cut short, a reply for a request that was never sent. <see cref="Kind"/> says
/// which. The connection that carried them is dropped; callers see it as the inner exception of a
/// <see cref="ConnectionLossException"/>.
/// </summary>
public sealed class ZooKeeperProtocolException : Exception
{
    public ZooKeeperProtocolException()
    {
    }

    public ZooKeeperProtocolException(string message)
        : base(message)
    {
    }

    public ZooKeeperProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ZooKeeperProtocolException(ProtocolErrorKind kind, string message, Exception? innerException = null, string? field = null)
        : base(message, innerException)
    {
        Kind = kind;
        Field = field;
    }

    public ProtocolErrorKind Kind { get; } = ProtocolErrorKind.NoReason;

    /// <summary>The jute field being read (e.g. "getDataResponse.data") for record errors; null otherwise.</summary>
    public string? Field { get; }
}
