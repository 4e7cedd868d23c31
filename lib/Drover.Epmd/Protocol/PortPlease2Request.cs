using System.Buffers.Binary;
using System.Text;

namespace Drover.Epmd.Protocol;

/// <summary>
/// <c>PORT_PLEASE2_REQ</c>: where does node <c>Name</c> listen?
/// <code>
///  1     N
/// +---+------+
/// |122| Name |   (one trailing NUL tolerated, as old nodes sent one)
/// +---+------+
/// </code>
/// </summary>
public static class PortPlease2Request
{
    /// <summary>
    /// Parses the name with epmd's rules. Quirk kept on purpose: epmd counts the terminating NUL among the
    /// 255 characters allowed, so a name of 255 characters can register but not be looked up.
    /// </summary>
    public static EpmdParseStatus TryParse(ReadOnlySpan<byte> body, out string? name)
    {
        name = null;
        if (body.IsEmpty || body[0] != EpmdTags.PortPlease2Request)
        {
            return EpmdParseStatus.Malformed;
        }
        if (body[^1] == 0)
        {
            body = body[..^1];
        }
        if (body.Length <= 1)
        {
            return EpmdParseStatus.Malformed;
        }
        var bytes = body[1..];
        if (bytes.Contains((byte)0))
        {
            return EpmdParseStatus.Malformed;
        }
        var characters = EpmdUtf8.CountCharacters(bytes);
        if (characters < 0 || characters + 1 > EpmdLimits.MaxNameCharacters)
        {
            return EpmdParseStatus.Malformed;
        }
        name = Encoding.UTF8.GetString(bytes);
        return EpmdParseStatus.Ok;
    }

    /// <summary>Encodes a request for <paramref name="name"/> with its length header, as <c>erl_epmd</c> sends it.</summary>
    public static byte[] ToFrame(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var nameLength = Encoding.UTF8.GetByteCount(name);
        var frame = new byte[2 + 1 + nameLength];
        BinaryPrimitives.WriteUInt16BigEndian(frame, checked((ushort)(1 + nameLength)));
        frame[2] = EpmdTags.PortPlease2Request;
        Encoding.UTF8.GetBytes(name, frame.AsSpan(3));
        return frame;
    }
}
