using System.Buffers.Binary;
using System.Text;

namespace Drover.ZooKeeper.Jute;

/// <summary>
/// Reads jute's binary archive (big-endian ints and longs, one-byte booleans, int32-length-prefixed
/// UTF-8 strings and buffers with -1 for null, int32-count-prefixed vectors) from one frame's payload.
/// Every length the peer declares is checked against the bytes left in the frame before anything is
/// allocated, so a hostile length costs an exception, never memory.
/// </summary>
internal ref struct JuteReader
{
    private readonly ReadOnlySpan<byte> _source;
    private int _position;

    public JuteReader(ReadOnlySpan<byte> source)
    {
        _source = source;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _source.Length - _position;

    public int ReadInt(string field)
    {
        var value = BinaryPrimitives.ReadInt32BigEndian(Take(4, field));
        return value;
    }

    public long ReadLong(string field) => BinaryPrimitives.ReadInt64BigEndian(Take(8, field));

    public bool ReadBool(string field)
    {
        // Java's readBool treats any non-zero byte as true; so do we.
        return Take(1, field)[0] != 0;
    }

    public string? ReadString(string field)
    {
        var length = ReadLength(field);
        if (length < 0)
        {
            return null;
        }
        return Encoding.UTF8.GetString(Take(length, field));
    }

    public byte[]? ReadBuffer(string field)
    {
        var length = ReadLength(field);
        if (length < 0)
        {
            return null;
        }
        return Take(length, field).ToArray();
    }

    /// <summary>
    /// Reads a vector's element count. Each element takes at least <paramref name="minElementSize"/>
    /// bytes, so a count that cannot fit in what is left of the frame is refused before any list is
    /// sized from it. -1 (a null vector) reads as 0.
    /// </summary>
    public int ReadCount(string field, int minElementSize)
    {
        var count = ReadInt(field);
        if (count == -1)
        {
            return 0;
        }
        if (count < 0)
        {
            throw Malformed(ProtocolErrorKind.NegativeLength, field, $"vector '{field}' declares a negative count {count}");
        }
        if ((long)count * minElementSize > Remaining)
        {
            throw Malformed(ProtocolErrorKind.LengthBeyondFrame, field,
                $"vector '{field}' declares {count} elements of at least {minElementSize} bytes, but only {Remaining} bytes remain");
        }
        return count;
    }

    private int ReadLength(string field)
    {
        var length = ReadInt(field);
        if (length < -1)
        {
            throw Malformed(ProtocolErrorKind.NegativeLength, field, $"'{field}' declares a negative length {length}");
        }
        if (length > Remaining)
        {
            throw Malformed(ProtocolErrorKind.LengthBeyondFrame, field, $"'{field}' declares {length} bytes, but only {Remaining} bytes remain");
        }
        return length;
    }

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count > Remaining)
        {
            throw Malformed(ProtocolErrorKind.RecordCutShort, field, $"record cut short reading '{field}': needs {count} bytes, {Remaining} remain");
        }
        var slice = _source.Slice(_position, count);
        _position += count;
        return slice;
    }

    private readonly ZooKeeperProtocolException Malformed(ProtocolErrorKind kind, string field, string message) =>
        new(kind, $"Malformed jute record at offset {_position} of {_source.Length}: {message}.", field: field);
}
