using System.Buffers.Binary;

namespace Drover.Epmd.Protocol;

/// <summary>
/// Cuts one EPMD request out of the bytes received so far. Every request is framed the same way:
/// <code>
///   2 bytes     n bytes
/// +----------+-----------------+
/// | Length n | Request (tag..) |
/// +----------+-----------------+
/// </code>
/// One request per connection (ALIVE2 keeps its connection, but anything sent after it ends the
/// registration), so the reader never has to keep bytes for a next frame. Pure: no I/O, no allocation,
/// no exception for short input.
/// </summary>
public static class EpmdFrameReader
{
    private const int HeaderSize = 2;

    /// <summary>
    /// Looks at <paramref name="received"/> (everything received on the connection so far) and returns the
    /// request body (tag first, header stripped) when it is complete.
    /// </summary>
    public static EpmdFrameStatus TryRead(ReadOnlySpan<byte> received, out ReadOnlySpan<byte> request)
    {
        request = default;
        if (received.Length < HeaderSize)
        {
            return EpmdFrameStatus.Incomplete;
        }
        int length = BinaryPrimitives.ReadUInt16BigEndian(received);
        // Checked before the body is awaited: a peer cannot make us wait for, or hold, more than epmd would.
        if (length < EpmdLimits.MinRequestLength || length > EpmdLimits.MaxRequestLength)
        {
            return EpmdFrameStatus.InvalidLength;
        }
        var total = HeaderSize + length;
        if (received.Length > total)
        {
            return EpmdFrameStatus.Overrun;
        }
        if (received.Length < total)
        {
            return EpmdFrameStatus.Incomplete;
        }
        request = received.Slice(HeaderSize, length);
        return EpmdFrameStatus.Complete;
    }

    /// <summary>
    /// How many bytes to ask the socket for next, the way epmd does: up to <see cref="EpmdLimits.FirstReadSize"/>
    /// in all while the length is unknown, then exactly the rest of the frame. Reading no further than the
    /// frame is what makes <see cref="EpmdFrameStatus.Overrun"/> mean the same here as in epmd.
    /// Only meaningful while <see cref="TryRead"/> says <see cref="EpmdFrameStatus.Incomplete"/>.
    /// </summary>
    public static int NextReadSize(ReadOnlySpan<byte> received)
    {
        if (received.Length < HeaderSize)
        {
            return EpmdLimits.FirstReadSize - received.Length;
        }
        int length = BinaryPrimitives.ReadUInt16BigEndian(received);
        return Math.Max(0, HeaderSize + length - received.Length);
    }
}
