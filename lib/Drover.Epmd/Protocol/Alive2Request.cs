using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;

namespace Drover.Epmd.Protocol;

/// <summary>
/// <c>ALIVE2_REQ</c>: a node registers its distribution port. Layout of the body (after the 2-byte length):
/// <code>
///  1    2      1          1         2         2        2      Nlen   2      Elen
/// +---+------+----------+----------+---------+--------+------+------+------+-------+
/// |120| Port | NodeType | Protocol | Highest | Lowest | Nlen | Name | Elen | Extra |
/// +---+------+----------+----------+---------+--------+------+------+------+-------+
/// </code>
/// Bytes after Extra are ignored, as epmd ignores them.
/// </summary>
public sealed record Alive2Request(
    ushort Port,
    EpmdNodeType NodeType,
    byte Protocol,
    ushort HighestVersion,
    ushort LowestVersion,
    string Name,
    ImmutableArray<byte> Extra)
{
    private const int FixedSize = 13; // tag 1 + port 2 + type 1 + protocol 1 + highest 2 + lowest 2 + nlen 2 + elen 2

    /// <summary>
    /// Parses <paramref name="body"/> (tag included) with epmd's checks in epmd's order. On
    /// <see cref="EpmdParseStatus.Refused"/>, <paramref name="highestVersion"/> still tells which answer
    /// format the refusal must use.
    /// </summary>
    public static EpmdParseStatus TryParse(ReadOnlySpan<byte> body, out Alive2Request? request, out ushort highestVersion)
    {
        request = null;
        highestVersion = 0;
        // epmd wants at least one byte of name: "bsize <= 13" is too small.
        if (body.Length <= FixedSize || body[0] != EpmdTags.Alive2Request)
        {
            return EpmdParseStatus.Malformed;
        }
        highestVersion = BinaryPrimitives.ReadUInt16BigEndian(body[5..]);
        int nameLength = BinaryPrimitives.ReadUInt16BigEndian(body[9..]);
        if (nameLength + FixedSize > body.Length)
        {
            return EpmdParseStatus.Malformed;
        }
        int extraLength = BinaryPrimitives.ReadUInt16BigEndian(body[(11 + nameLength)..]);
        if (extraLength + nameLength + FixedSize > body.Length)
        {
            return EpmdParseStatus.Malformed;
        }
        var name = body.Slice(11, nameLength);
        if (name.Contains((byte)0))
        {
            return EpmdParseStatus.Malformed;
        }
        var extra = body.Slice(13 + nameLength, extraLength);
        if (!IsAcceptable(name, extra))
        {
            return EpmdParseStatus.Refused;
        }
        request = new Alive2Request(
            Port: BinaryPrimitives.ReadUInt16BigEndian(body[1..]),
            NodeType: (EpmdNodeType)body[3],
            Protocol: body[4],
            HighestVersion: highestVersion,
            LowestVersion: BinaryPrimitives.ReadUInt16BigEndian(body[7..]),
            Name: Encoding.UTF8.GetString(name),
            Extra: ImmutableArray.Create(extra));
        return EpmdParseStatus.Ok;
    }

    // node_reg2's checks. An empty name passes them (epmd registers it), so it passes here too.
    private static bool IsAcceptable(ReadOnlySpan<byte> name, ReadOnlySpan<byte> extra)
    {
        if (name.Length > EpmdLimits.MaxSymbolBytes || extra.Length > EpmdLimits.MaxSymbolBytes)
        {
            return false;
        }
        var characters = EpmdUtf8.CountCharacters(name);
        return characters >= 0 && characters <= EpmdLimits.MaxNameCharacters;
    }

    /// <summary>Encodes this request with its 2-byte length header, as an Erlang node sends it.</summary>
    public byte[] ToFrame()
    {
        var name = Encoding.UTF8.GetBytes(Name);
        // tag, port, type, protocol, highest, lowest, name length, name, extra length, extra
        var bodyLength = 1 + 2 + 1 + 1 + 2 + 2 + 2 + name.Length + 2 + Extra.Length;
        var frame = new byte[2 + bodyLength];
        Span<byte> s = frame;
        BinaryPrimitives.WriteUInt16BigEndian(s, checked((ushort)bodyLength));
        s[2] = EpmdTags.Alive2Request;
        BinaryPrimitives.WriteUInt16BigEndian(s[3..], Port);
        s[5] = (byte)NodeType;
        s[6] = Protocol;
        BinaryPrimitives.WriteUInt16BigEndian(s[7..], HighestVersion);
        BinaryPrimitives.WriteUInt16BigEndian(s[9..], LowestVersion);
        BinaryPrimitives.WriteUInt16BigEndian(s[11..], checked((ushort)name.Length));
        name.CopyTo(s[13..]);
        BinaryPrimitives.WriteUInt16BigEndian(s[(13 + name.Length)..], checked((ushort)Extra.Length));
        Extra.AsSpan().CopyTo(s[(15 + name.Length)..]);
        return frame;
    }
}
