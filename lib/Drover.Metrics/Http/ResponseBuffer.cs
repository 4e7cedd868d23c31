using System.Buffers;

namespace Drover.Metrics.Http;

/// <summary>
/// A growable buffer rented from the array pool. The body is written after a reserved gap, and the
/// head is written into the gap once the body's length is known, so one send carries both.
/// </summary>
internal sealed class ResponseBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array;
    private int _end;

    public ResponseBuffer(int initialSize)
    {
        _array = ArrayPool<byte>.Shared.Rent(initialSize + HttpResponses.HeaderReserve);
        _end = HttpResponses.HeaderReserve;
    }

    public int BodyLength => _end - HttpResponses.HeaderReserve;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _array.Length - _end)
        {
            throw new InvalidOperationException("Advanced past the end of the span handed out.");
        }
        _end += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_end);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_end);
    }

    /// <summary>Puts the head in front of the body; returns head + body (or only the head when <paramref name="headOnly"/>).</summary>
    public ReadOnlyMemory<byte> Complete(bool keepAlive, bool headOnly)
    {
        Span<byte> head = stackalloc byte[HttpResponses.HeaderReserve];
        var headLength = HttpResponses.WriteMetricsHead(head, BodyLength, keepAlive);
        var start = HttpResponses.HeaderReserve - headLength;
        head[..headLength].CopyTo(_array.AsSpan(start));
        return _array.AsMemory(start, headOnly ? headLength : _end - start);
    }

    public void Dispose()
    {
        var array = _array;
        _array = [];
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_array.Length - _end >= needed)
        {
            return;
        }
        var size = checked(Math.Max(_array.Length * 2, _end + needed));
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        _array.AsSpan(0, _end).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = bigger;
    }
}
