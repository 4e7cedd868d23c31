using System.Buffers;
using System.Globalization;

namespace Drover.Mesos.Http;

/// <summary>
/// A response body read off its connection: exactly Content-Length bytes, the data of a chunked body, or everything
/// until the server closes. Reading it to its end hands the connection back for the next request (when the answer
/// allows keep-alive); a failed or abandoned read leaves the connection closed.
/// </summary>
internal sealed class Http1BodyStream : Stream
{
    private readonly Http1Connection _connection;
    private readonly HttpResponseHead _head;
    private readonly ChunkedDecoder? _chunked;
    private long _remaining;
    private bool _complete;

    public Http1BodyStream(Http1Connection connection, HttpResponseHead head)
    {
        _connection = connection;
        _head = head;
        _remaining = head.ContentLength;
        _chunked = head.Framing == HttpBodyFraming.Chunked ? new ChunkedDecoder(connection.Limits) : null;
        _complete = head.Framing == HttpBodyFraming.None || (head.Framing == HttpBodyFraming.ContentLength && head.ContentLength == 0);
    }

    /// <summary>Whether the body has been read to its end.</summary>
    public bool IsComplete => _complete;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_complete || destination.IsEmpty)
        {
            return 0;
        }

        try
        {
            var read = _head.Framing switch
            {
                HttpBodyFraming.Chunked => await ReadChunkedAsync(destination, cancellationToken).ConfigureAwait(false),
                HttpBodyFraming.ContentLength => await ReadCountedAsync(destination, cancellationToken).ConfigureAwait(false),
                _ => await ReadUntilCloseAsync(destination, cancellationToken).ConfigureAwait(false),
            };
            if (_complete)
            {
                _connection.BodyEnded(_head.KeepAlive);
            }

            return read;
        }
        catch
        {
            _connection.Abandon();
            throw;
        }
    }

    private async ValueTask<int> ReadChunkedAsync(Memory<byte> destination, CancellationToken cancellation)
    {
        while (true)
        {
            var result = await _connection.Reader.ReadAsync(cancellation).ConfigureAwait(false);
            var buffer = result.Buffer;
            var outcome = _chunked!.Read(ref buffer, out var data, destination.Length);
            if (outcome == ChunkedReadResult.Data)
            {
                data.CopyTo(destination.Span);
                _connection.Reader.AdvanceTo(buffer.Start);
                return (int)data.Length;
            }

            if (outcome == ChunkedReadResult.End)
            {
                _complete = true;
                _connection.Reader.AdvanceTo(buffer.Start);
                return 0;
            }

            if (result.IsCompleted)
            {
                _connection.Reader.AdvanceTo(buffer.End);
                throw _chunked!.Truncated();
            }

            _connection.Reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private async ValueTask<int> ReadCountedAsync(Memory<byte> destination, CancellationToken cancellation)
    {
        var result = await _connection.Reader.ReadAsync(cancellation).ConfigureAwait(false);
        var buffer = result.Buffer;
        if (buffer.IsEmpty && result.IsCompleted)
        {
            _connection.Reader.AdvanceTo(buffer.End);
            throw new Http1Exception(Http1ErrorKind.TruncatedBody, string.Create(
                CultureInfo.InvariantCulture, $"the connection closed {_remaining} bytes before the end of a {_head.ContentLength}-byte body"));
        }

        var take = (int)Math.Min(Math.Min(_remaining, buffer.Length), destination.Length);
        buffer.Slice(0, take).CopyTo(destination.Span);
        _connection.Reader.AdvanceTo(buffer.GetPosition(take));
        _remaining -= take;
        _complete = _remaining == 0;
        return take;
    }

    private async ValueTask<int> ReadUntilCloseAsync(Memory<byte> destination, CancellationToken cancellation)
    {
        var result = await _connection.Reader.ReadAsync(cancellation).ConfigureAwait(false);
        var buffer = result.Buffer;
        var take = (int)Math.Min(buffer.Length, destination.Length);
        buffer.Slice(0, take).CopyTo(destination.Span);
        _connection.Reader.AdvanceTo(buffer.GetPosition(take));
        _complete = take == 0 && result.IsCompleted;
        return take;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_complete)
        {
            _connection.Abandon();
        }

        base.Dispose(disposing);
    }
}
