using System.Diagnostics;
using System.Net.Sockets;
using Drover.ZooKeeper.Jute;
using Drover.ZooKeeper.Protocol;
using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>The reading side: frames in, replies matched to requests in order, notifications out.</summary>
internal sealed partial class Connection
{
    private async Task ReadLoopAsync(IConnectionOwner owner)
    {
        while (true)
        {
            var result = FrameReader.TryRead(_receive.AsSpan(_start, _end - _start), _maxPacketSize);
            switch (result.Status)
            {
                case FrameStatus.Complete:
                    HandleFrame(owner, _receive.AsSpan(_start + FrameResult.PrefixLength, result.DeclaredLength));
                    _start += result.FrameLength;
                    continue;
                case FrameStatus.Incomplete:
                    // Awaited here, not in a helper: an async helper would allocate its state machine at
                    // every receive that waits, i.e. once per reply.
                    PrepareReceive(result);
                    Received(result, await _socket.ReceiveAsync(_receive.AsMemory(_end), SocketFlags.None, _broken.Token).ConfigureAwait(false));
                    continue;
                default:
                    throw Break(FrameReader.Refused(result, _maxPacketSize));
            }
        }
    }

    /// <summary>
    /// Reads more bytes into the buffer, first making room for the frame being read (its declared
    /// length was already checked against the limit). End of stream is an error: a clean one between
    /// frames, a distinct one in the middle of a frame.
    /// </summary>
    private async Task ReceiveMoreAsync(FrameResult partial, CancellationToken cancellationToken)
    {
        PrepareReceive(partial);
        Received(partial, await _socket.ReceiveAsync(_receive.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Makes room in the buffer for the rest of the frame being read.</summary>
    private void PrepareReceive(FrameResult partial) =>
        MakeRoom(partial.DeclaredLength < 0 ? FrameResult.PrefixLength : partial.FrameLength);

    /// <summary>Takes in <paramref name="read"/> bytes just received; 0 (end of stream) breaks the connection.</summary>
    private void Received(FrameResult partial, int read)
    {
        if (read == 0)
        {
            var buffered = _end - _start;
            throw Break(buffered == 0
                ? new ZooKeeperProtocolException(ProtocolErrorKind.ServerClosed, $"The server {Server} closed the connection.")
                : new ZooKeeperProtocolException(ProtocolErrorKind.ServerClosedMidFrame, partial.DeclaredLength < 0
                    ? $"The server {Server} closed the connection in the middle of a frame's length prefix ({buffered} of 4 bytes received)."
                    : $"The server {Server} closed the connection in the middle of a frame ({buffered - FrameResult.PrefixLength} of {partial.DeclaredLength} bytes received)."));
        }
        _end += read;
        Volatile.Write(ref _lastReceived, Stopwatch.GetTimestamp());
    }

    private void MakeRoom(int frameLength)
    {
        var buffered = _end - _start;
        if (_start + frameLength <= _receive.Length && _end < _receive.Length)
        {
            return;
        }
        // Move the partial frame to the front, into a larger buffer if the frame cannot fit at all.
        var target = frameLength > _receive.Length ? new byte[frameLength] : _receive;
        Buffer.BlockCopy(_receive, _start, target, 0, buffered);
        _receive = target;
        _start = 0;
        _end = buffered;
    }

    private void HandleFrame(IConnectionOwner owner, ReadOnlySpan<byte> payload)
    {
        var reader = new JuteReader(payload);
        var header = ReplyHeader.Read(ref reader);
        switch (header.Xid)
        {
            case Xid.Ping:
                return;
            case Xid.Notification:
                owner.OnNotification(WatcherEventRecord.Read(ref reader));
                return;
            case Xid.Auth:
                owner.OnAuthReply(TakeAuth(header), header);
                return;
        }
        var request = TakeInOrder(header);
        try
        {
            owner.OnReply(request, header, ref reader);
        }
#pragma warning disable CA1031 // Whatever goes wrong with a reply, its request is answered and the connection dropped.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var error = new ZooKeeperProtocolException(ProtocolErrorKind.MalformedReply, $"The reply to {request.OpCode} (xid {request.Xid}) is malformed: {e.Message}", e);
            request.Fail(new ConnectionLossException(request.ClientPath, error.Message, error));
            throw Break(error);
        }
    }

    private AuthRequest TakeAuth(ReplyHeader header)
    {
        lock (_lock)
        {
            if (_pendingAuth.TryDequeue(out var request))
            {
                return request;
            }
        }
        throw Break(new ZooKeeperProtocolException(ProtocolErrorKind.UnexpectedReply, $"The server answered an auth packet (err {header.Err}) that was never sent."));
    }

    /// <summary>Replies come in the order requests were sent: anything else means the stream lost sync.</summary>
    private Request TakeInOrder(ReplyHeader header)
    {
        Request? request;
        lock (_lock)
        {
            _pending.TryDequeue(out request);
        }
        if (request is null)
        {
            throw Break(new ZooKeeperProtocolException(ProtocolErrorKind.UnexpectedReply, $"The server sent a reply with xid {header.Xid} (err {header.Err}) but no request is pending."));
        }
        if (request.Xid != header.Xid)
        {
            var error = new ZooKeeperProtocolException(ProtocolErrorKind.XidOutOfOrder,
                $"Xid out of order: got a reply with xid {header.Xid} (err {header.Err}), expected xid {request.Xid} for {request.OpCode}.");
            request.Fail(new ConnectionLossException(request.ClientPath, error.Message, error));
            throw Break(error);
        }
        return request;
    }
}
