using System.Buffers;
using System.Text;

namespace Drover.Metrics.Exposition;

/// <summary>
/// Appends exposition text to an <see cref="IBufferWriter{T}"/> through one span at a time, so that a
/// scrape is mostly memory copies of bytes encoded when the series were created. Call <see cref="Flush"/> at the end.
/// </summary>
internal ref struct ExpositionWriter
{
    private const int ChunkSize = 4096;

    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _position;

    public ExpositionWriter(IBufferWriter<byte> output)
    {
        _output = output;
        _span = default;
        _position = 0;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        _position += bytes.Length;
    }

    public void WriteByte(byte value)
    {
        Reserve(1)[0] = value;
        _position++;
    }

    public void WriteDouble(double value)
    {
        // Reserve first, in its own statement: it may flush and reset _position, which a compound
        // assignment would already have read.
        var destination = Reserve(GoFloat.MaxLength);
        _position += GoFloat.Format(value, destination);
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8, escaping the characters in <paramref name="specials"/>.</summary>
    public void WriteEscaped(string text, SearchValues<char> specials)
    {
        ReadOnlySpan<char> rest = text;
        while (true)
        {
            var special = rest.IndexOfAny(specials);
            WriteUtf8(special < 0 ? rest : rest[..special]);
            if (special < 0)
            {
                return;
            }
            var escape = Reserve(2);
            escape[0] = (byte)'\\';
            escape[1] = rest[special] == '\n' ? (byte)'n' : (byte)rest[special];
            _position += 2;
            rest = rest[(special + 1)..];
        }
    }

    /// <summary>Hands everything written so far to the output.</summary>
    public void Flush()
    {
        if (_position > 0)
        {
            _output.Advance(_position);
        }
        _position = 0;
        _span = default;
    }

    private void WriteUtf8(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }
        // Lone surrogates become U+FFFD, the encoder's replacement: the output stays valid UTF-8.
        var destination = Reserve(Encoding.UTF8.GetMaxByteCount(chars.Length));
        _position += Encoding.UTF8.GetBytes(chars, destination);
    }

    private Span<byte> Reserve(int size)
    {
        if (_span.Length - _position < size)
        {
            Flush();
            _span = _output.GetSpan(Math.Max(size, ChunkSize));
        }
        return _span[_position..];
    }
}
