using System.Buffers.Binary;

namespace Drover.ZooKeeper.Protocol;

internal enum FrameStatus
{
    /// <summary>Not enough bytes yet for the length prefix or the whole payload.</summary>
    Incomplete,

    /// <summary>A whole frame: its payload is <c>input[4..(4 + PayloadLength)]</c>.</summary>
    Complete,

    /// <summary>The declared length is negative: the stream is not jute frames.</summary>
    NegativeLength,

    /// <summary>The declared length is above the packet limit (jute.maxbuffer).</summary>
    TooLarge,
}

/// <summary>
/// What <see cref="FrameReader.TryRead"/> found. <see cref="DeclaredLength"/> is known as soon as the
/// 4-byte prefix is, so the caller can size its buffer (or refuse) before the body arrives.
/// </summary>
internal readonly record struct FrameResult(FrameStatus Status, int DeclaredLength)
{
    public const int PrefixLength = 4;

    public int FrameLength => PrefixLength + DeclaredLength;
}

/// <summary>
/// ZooKeeper's framing: every packet, in both directions, is a 4-byte big-endian length and then that
/// many bytes of jute records.
/// <code>
/// +----------------+---------------------------------+
/// | length (int32) | payload (length bytes)          |
/// +----------------+---------------------------------+
/// </code>
/// A pure function over the bytes received so far: "not enough yet" is a result, never an exception,
/// and the length is checked against the limit as soon as the prefix is in, before waiting for the body.
/// </summary>
internal static class FrameReader
{
    public static FrameResult TryRead(ReadOnlySpan<byte> input, int maxPacketSize)
    {
        if (input.Length < FrameResult.PrefixLength)
        {
            return new FrameResult(FrameStatus.Incomplete, -1);
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(input);
        if (length < 0)
        {
            return new FrameResult(FrameStatus.NegativeLength, length);
        }
        if (length > maxPacketSize)
        {
            return new FrameResult(FrameStatus.TooLarge, length);
        }
        var status = input.Length - FrameResult.PrefixLength >= length ? FrameStatus.Complete : FrameStatus.Incomplete;
        return new FrameResult(status, length);
    }

    /// <summary>The error a connection raises for a frame the limit refuses.</summary>
    public static ZooKeeperProtocolException Refused(FrameResult frame, int maxPacketSize) => frame.Status switch
    {
        FrameStatus.NegativeLength => new ZooKeeperProtocolException(ProtocolErrorKind.NegativeFrameLength,
            $"The server sent a frame with a negative length ({frame.DeclaredLength}): the stream is not ZooKeeper's protocol."),
        FrameStatus.TooLarge => new ZooKeeperProtocolException(ProtocolErrorKind.FrameTooLarge,
            $"The server sent a frame of {frame.DeclaredLength} bytes, above the max packet size of {maxPacketSize} bytes " +
            "(jute.maxbuffer); raise ZooKeeperClientOptions.MaxPacketSize if replies this large are expected."),
        _ => throw new ArgumentOutOfRangeException(nameof(frame), frame.Status, "Not a refused frame."),
    };
}
