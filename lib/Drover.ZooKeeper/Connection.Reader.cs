using System.Diagnostics;
using System.Net.Sockets;
using Drover.ZooKeeper.Jute;
using Drover.ZooKeeper.Protocol;
using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>The reading side, on the connection's thread: frames in, replies matched to requests in order, notifications out.</summary>
internal sealed partial class Connection
{
    /// <summary>
    /// Takes in what the socket has (the thread was told it is readable) and handles every whole frame.
    /// One receive usually suffices; another follows only when the last one filled the free space.
    /// </summary>
    private void ReadAvailable(IConnectionOwner owner)
    {
        var drained = false;
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
                    if (drained)
                    {
                        return;
                    }
                    drained = !ReceiveOnce(result);
                    continue;
                default:
                    throw Break(FrameReader.Refused(result, _maxPacketSize));
            }
        }
    }

    /// <summary>
    /// One non-blocking receive into the buffer, first making room for the frame being read (its declared
    /// length was already checked against the limit); true when it filled the free space, so that more may
    /// be waiting. End of stream is an error: a clean one between frames, a distinct one in the middle of a
    /// frame.
    /// </summary>
    private bool ReceiveOnce(FrameResult partial)
    {
        PrepareReceive(partial);
        var free = _receive.Length - _end;
        var read = _socket!.Receive(_receive.AsSpan(_end), SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock)
        {
            return false;
        }
        if (error != SocketError.Success)
        {
            throw Break(new SocketException((int)error));
        }
        Received(partial, read);
        return read == free;
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
            if (owner.OnReply(request, header, ref reader))
            {
                Answered(owner, request);
            }
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
