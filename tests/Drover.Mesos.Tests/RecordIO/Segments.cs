using System.Buffers;

namespace Drover.Mesos.Tests.RecordIO;

/// <summary>Builds multi-segment buffers and chunked streams, so readers meet every split a network can make.</summary>
internal static class Segments
{
    /// <summary>A sequence over <paramref name="bytes"/> cut at the given segment lengths (the rest in one last segment).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, IEnumerable<int> lengths)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        var offset = 0;
        foreach (var length in lengths)
        {
            if (offset >= bytes.Length)
            {
                break;
            }

            var take = Math.Clamp(length, 1, bytes.Length - offset);
            pieces.Add(bytes.AsMemory(offset, take));
            offset += take;
        }

        if (offset < bytes.Length)
        {
            pieces.Add(bytes.AsMemory(offset));
        }

        return Build(pieces);
    }

    public static ReadOnlySequence<byte> OneByteSegments(byte[] bytes) => Split(bytes, Enumerable.Repeat(1, bytes.Length));

    private static ReadOnlySequence<byte> Build(List<ReadOnlyMemory<byte>> pieces)
    {
        if (pieces.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(pieces[0], 0);
        var last = first;
        foreach (var piece in pieces.Skip(1))
        {
            last = last.Append(piece);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

/// <summary>A read-only stream that hands out its bytes in the given chunk sizes, one chunk per read at most.</summary>
internal sealed class ChunkedStream : Stream
{
    private readonly byte[] _bytes;
    private readonly int[] _chunks;
    private int _offset;
    private int _chunk;

    public ChunkedStream(byte[] bytes, int[] chunks)
    {
        _bytes = bytes;
        _chunks = chunks.Length == 0 ? [int.MaxValue] : chunks;
    }

    public long BytesRead => _offset;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var size = Math.Max(1, _chunks[_chunk++ % _chunks.Length]);
        var take = Math.Min(Math.Min(size, buffer.Length), _bytes.Length - _offset);
        _bytes.AsSpan(_offset, take).CopyTo(buffer);
        _offset += take;
        return take;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A stream that starts with a prefix and then yields 'x' forever, counting what was read.</summary>
internal sealed class EndlessStream : Stream
{
    private readonly byte[] _prefix;

    public EndlessStream(byte[] prefix) => _prefix = prefix;

    public long BytesRead { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = BytesRead + i < _prefix.Length ? _prefix[BytesRead + i] : (byte)'x';
        }

        BytesRead += buffer.Length;
        return buffer.Length;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
