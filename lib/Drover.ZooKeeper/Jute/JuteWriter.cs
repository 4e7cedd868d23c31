using System.Buffers.Binary;
using System.Text;

namespace Drover.ZooKeeper.Jute;

/// <summary>
/// Writes jute's binary archive into a span sized beforehand from the records' <c>Size</c>
/// functions (see <see cref="JuteSize"/>); the caller checks that the final position equals that size.
/// </summary>
internal ref struct JuteWriter
{
    private readonly Span<byte> _destination;
    private int _position;

    public JuteWriter(Span<byte> destination)
    {
        _destination = destination;
        _position = 0;
    }

    public readonly int Position => _position;

    public void WriteInt(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_destination[_position..], value);
        _position += 4;
    }

    public void WriteLong(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_destination[_position..], value);
        _position += 8;
    }

    public void WriteBool(bool value)
    {
        _destination[_position] = value ? (byte)1 : (byte)0;
        _position += 1;
    }

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt(-1);
            return;
        }
        var length = Encoding.UTF8.GetByteCount(value);
        WriteInt(length);
        _position += Encoding.UTF8.GetBytes(value, _destination[_position..]);
    }

    public void WriteBuffer(ReadOnlySpan<byte> value)
    {
        WriteInt(value.Length);
        value.CopyTo(_destination[_position..]);
        _position += value.Length;
    }

    /// <summary>Writes -1, jute's null buffer (the server stores it as "no data").</summary>
    public void WriteNullBuffer() => WriteInt(-1);
}

/// <summary>Encoded sizes of jute's primitive types, for computing a record's length before writing it.</summary>
internal static class JuteSize
{
    public const int Int = 4;
    public const int Long = 8;
    public const int Bool = 1;

    public static int String(string? value) => Int + (value is null ? 0 : Encoding.UTF8.GetByteCount(value));

    public static int Buffer(int length) => Int + length;
}
