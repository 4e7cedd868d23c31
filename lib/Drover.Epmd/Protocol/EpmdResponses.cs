using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Drover.Epmd.Protocol;

/// <summary>
/// Writes epmd's answers byte for byte (<c>do_request</c> in <c>epmd_srv.c</c>). Each writer computes
/// its length first from the sum of the fields and checks that it wrote exactly that.
/// </summary>
public static class EpmdResponses
{
    /// <summary>
    /// ALIVE2 answer. Nodes whose highest version is 6 or more get <c>ALIVE2_X_RESP</c>
    /// (<c>[118, result, creation:32]</c>); older ones, such as OTP R16, <c>ALIVE2_RESP</c>
    /// (<c>[121, result, creation:16]</c>). epmd picks by the version in the request, refusals included.
    /// </summary>
    public static byte[] Alive2(bool registered, uint creation, ushort highestVersion)
    {
        var extended = highestVersion >= EpmdLimits.ExtendedCreationVersion;
        var response = new byte[extended ? 1 + 1 + 4 : 1 + 1 + 2];
        response[0] = extended ? EpmdTags.Alive2ExtendedResponse : EpmdTags.Alive2Response;
        response[1] = registered ? (byte)0 : (byte)1;
        if (extended)
        {
            BinaryPrimitives.WriteUInt32BigEndian(response.AsSpan(2), creation);
        }
        else
        {
            // put_int16: the low 16 bits, which for an old node is always 1..3 (or 99 on refusal).
            BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(2), unchecked((ushort)creation));
        }
        return response;
    }

    /// <summary>
    /// <c>PORT2_RESP</c> for a known node:
    /// <code>
    ///  1    1   2      1          1         2         2        2      Nlen   2      Elen
    /// +---+---+------+----------+----------+---------+--------+------+------+------+-------+
    /// |119| 0 | Port | NodeType | Protocol | Highest | Lowest | Nlen | Name | Elen | Extra |
    /// +---+---+------+----------+----------+---------+--------+------+------+------+-------+
    /// </code>
    /// </summary>
    public static byte[] Port2Found(NodeRegistration node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var nameLength = Encoding.UTF8.GetByteCount(node.Name);
        var length = 1 + 1 + 2 + 1 + 1 + 2 + 2 + 2 + nameLength + 2 + node.Extra.Length;
        var response = new byte[length];
        Span<byte> s = response;
        s[0] = EpmdTags.Port2Response;
        s[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(s[2..], node.Port);
        s[4] = (byte)node.NodeType;
        s[5] = node.Protocol;
        BinaryPrimitives.WriteUInt16BigEndian(s[6..], node.HighestVersion);
        BinaryPrimitives.WriteUInt16BigEndian(s[8..], node.LowestVersion);
        BinaryPrimitives.WriteUInt16BigEndian(s[10..], checked((ushort)nameLength));
        var written = 12 + Encoding.UTF8.GetBytes(node.Name, s[12..]);
        BinaryPrimitives.WriteUInt16BigEndian(s[written..], checked((ushort)node.Extra.Length));
        written += 2;
        node.Extra.AsSpan().CopyTo(s[written..]);
        written += node.Extra.Length;
        Debug.Assert(written == length, "PORT2_RESP length mismatch");
        return response;
    }

    /// <summary><c>PORT2_RESP</c> for an unknown node: <c>[119, 1]</c>.</summary>
    public static ReadOnlyMemory<byte> Port2NotFound { get; } = new byte[] { EpmdTags.Port2Response, 1 };

    /// <summary>The 4-byte header of NAMES and DUMP answers: the port epmd listens on, big-endian.</summary>
    public static void WritePortHeader(IBufferWriter<byte> output, int epmdPort)
    {
        ArgumentNullException.ThrowIfNull(output);
        BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), epmdPort);
        output.Advance(4);
    }

    /// <summary>One NAMES line, <c>"name &lt;N&gt; at port &lt;P&gt;\n"</c>, the text <c>net_adm:names/0</c> parses.</summary>
    public static void WriteNamesLine(IBufferWriter<byte> output, string name, ushort port)
    {
        WriteAscii(output, "name ");
        WriteUtf8(output, name);
        WriteAscii(output, string.Create(CultureInfo.InvariantCulture, $" at port {port}\n"));
    }

    /// <summary>
    /// One DUMP line for a registered node. epmd sends the C string's terminating NUL too
    /// (<c>len += r + 1</c>), so every DUMP line ends in <c>"\n\0"</c>.
    /// </summary>
    public static void WriteDumpActiveLine(IBufferWriter<byte> output, string name, ushort port, int fd)
    {
        WriteAscii(output, "active name     <");
        WriteUtf8(output, name);
        WriteAscii(output, string.Create(CultureInfo.InvariantCulture, $"> at port {port}, fd = {fd}\n\0"));
    }

    /// <summary>One DUMP line for a name that was registered and is no longer (note epmd's space before the newline).</summary>
    public static void WriteDumpRetiredLine(IBufferWriter<byte> output, string name, ushort port, int fd)
    {
        WriteAscii(output, "old/unused name <");
        WriteUtf8(output, name);
        WriteAscii(output, string.Create(CultureInfo.InvariantCulture, $">, port = {port}, fd = {fd} \n\0"));
    }

    /// <summary>KILL answer when allowed.</summary>
    public static ReadOnlyMemory<byte> KillOk { get; } = "OK"u8.ToArray();

    /// <summary>KILL answer when nodes are registered and the server is not relaxed.</summary>
    public static ReadOnlyMemory<byte> KillNo { get; } = "NO"u8.ToArray();

    /// <summary>STOP answer after the name was unregistered (and, epmd's quirk, also after NOEXIST).</summary>
    public static ReadOnlyMemory<byte> Stopped { get; } = "STOPPED"u8.ToArray();

    /// <summary>
    /// STOP answer for a name that is not registered. epmd sends "NOEXIST" and then, falling through,
    /// "STOPPED" as well; both are here, in one buffer.
    /// </summary>
    public static ReadOnlyMemory<byte> NoExistStopped { get; } = "NOEXISTSTOPPED"u8.ToArray();

    private static void WriteAscii(IBufferWriter<byte> output, string text)
    {
        var written = Encoding.ASCII.GetBytes(text, output.GetSpan(text.Length));
        output.Advance(written);
    }

    private static void WriteUtf8(IBufferWriter<byte> output, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var written = Encoding.UTF8.GetBytes(text, output.GetSpan(length));
        Debug.Assert(written == length, "UTF-8 length mismatch");
        output.Advance(written);
    }
}
