using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;
using Drover.ZooKeeper.Protocol;
using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>
/// The writing side. Whoever sends holds <see cref="_sendLock"/> while it stages (xid, pending queue) and
/// writes, so frames never interleave and the pending queue is in wire order. A caller whose request finds
/// nothing queued and no send in progress sends it itself, on its own thread, with one non-blocking send.
/// Everything else is written by the connection's thread: the first requests (auth, SetWatches), requests
/// queued (made while disconnected or while a send was in progress), and the rest of any send the socket
/// did not take whole. While it has such bytes to write (<see cref="_sending"/>), callers queue behind them.
/// </summary>
internal sealed partial class Connection
{
    private readonly Lock _sendLock = new();
    private readonly ArrayBufferWriter<byte> _direct = new(1024);
    // The serving thread's: queued requests staged for one send.
    private readonly ArrayBufferWriter<byte> _batch = new(InitialBufferSize);
    // Written under _sendLock: the connection's thread has bytes to write, and callers queue. True until the
    // first requests are out; read without the lock by the thread to know whether to wait for writability.
    private volatile bool _sending = true;
    // Under _sendLock: what the connection's thread writes next.
    private ReadOnlyMemory<byte> _leftover;

    /// <summary>
    /// Sends <paramref name="request"/> now, on the caller's thread, if nothing is queued before it and no
    /// send is in progress; false if it must go through the queue instead (it was then not staged).
    /// </summary>
    public bool TrySendNow(IConnectionOwner owner, Request request, ChannelReader<Request> queued)
    {
        lock (_sendLock)
        {
            if (_sending || queued.Count > 0)
            {
                return false;
            }
            if (!Stage(owner, request, _direct, leaveIfBroken: false))
            {
                return request.IsCompleted;
            }
            SendNowOrHandOver(_direct);
            return true;
        }
    }

    /// <summary>Sends a ping unless a send is in progress (then bytes are flowing anyway, and a ping cannot be put between them).</summary>
    public void SendPing()
    {
        lock (_sendLock)
        {
            if (_sending)
            {
                return;
            }
            // length 8, then RequestHeader (xid -2, type ping); the reply (xid -2) is just proof of life.
            var ping = _direct.GetSpan(FrameResult.PrefixLength + RequestHeader.Size);
            BinaryPrimitives.WriteInt32BigEndian(ping, RequestHeader.Size);
            BinaryPrimitives.WriteInt32BigEndian(ping[4..], Xid.Ping);
            BinaryPrimitives.WriteInt32BigEndian(ping[8..], (int)OpCode.Ping);
            _direct.Advance(FrameResult.PrefixLength + RequestHeader.Size);
            SendNowOrHandOver(_direct);
        }
    }

    /// <summary>Stages the first requests of the connection: its thread writes them before anything else.</summary>
    private void StageFirst(IConnectionOwner owner, IReadOnlyList<Request> first)
    {
        var frames = new ArrayBufferWriter<byte>();
        lock (_sendLock)
        {
            foreach (var request in first)
            {
                Stage(owner, request, frames, leaveIfBroken: true);
            }
            _leftover = frames.WrittenMemory;
        }
    }

    /// <summary>
    /// On the connection's thread: writes what is left over, then the queued requests (batched, in order),
    /// until the socket takes no more (the thread then waits for it to be writable) or nothing is left
    /// (callers may then send directly again).
    /// </summary>
    private void WriteLeftOver(IConnectionOwner owner, ChannelReader<Request> outgoing)
    {
        var batch = _batch;
        lock (_sendLock)
        {
            while (true)
            {
                _leftover = SendNow(_leftover);
                if (!_leftover.IsEmpty)
                {
                    _sending = true;
                    return;
                }
                batch.ResetWrittenCount();
                while (batch.WrittenCount < InitialBufferSize && outgoing.TryRead(out var request))
                {
                    Stage(owner, request, batch, leaveIfBroken: true);
                }
                if (batch.WrittenCount == 0)
                {
                    _sending = false;
                    return;
                }
                // Not copied: the batch is not touched again until all of it is out.
                _leftover = batch.WrittenMemory;
            }
        }
    }

    /// <summary>
    /// Gives the request its xid and queues it for its reply before its bytes leave, so the reader can
    /// never see a reply for a request it does not know. A request the caller gave up on before it was
    /// sent is dropped here (false). On a broken connection the writer loop still queues the request
    /// (<paramref name="leaveIfBroken"/>: the session fails what the connection holds once it has ended);
    /// a caller sending directly gets false and queues it for the next connection instead.
    /// </summary>
    private bool Stage(IConnectionOwner owner, Request request, IBufferWriter<byte> batch, bool leaveIfBroken)
    {
        if (request.IsCompleted)
        {
            return false;
        }
        lock (_lock)
        {
            if (_breakReason is not null)
            {
                if (leaveIfBroken)
                {
                    _pending.Enqueue(request);
                }
                return false;
            }
            request.Xid = request switch
            {
                AuthRequest => Xid.Auth,
                SetWatchesRequest => Xid.SetWatches,
                _ => owner.NextXid(),
            };
            request.SentAt = Stopwatch.GetTimestamp();
            if (request is AuthRequest auth)
            {
                _pendingAuth.Enqueue(auth);
            }
            else
            {
                _pending.Enqueue(request);
            }
        }
        var span = batch.GetSpan(FrameResult.PrefixLength + request.PacketSize);
        batch.Advance(request.WriteFrame(span));
        return true;
    }

    /// <summary>
    /// Under <see cref="_sendLock"/>: sends what <paramref name="buffer"/> holds; what the socket does not
    /// take goes to the connection's thread, woken to write it when the socket has room.
    /// </summary>
    private void SendNowOrHandOver(ArrayBufferWriter<byte> buffer)
    {
        var unsent = SendNow(buffer.WrittenMemory);
        if (!unsent.IsEmpty)
        {
            _leftover = unsent.ToArray();
            _sending = true;
            _waker.Wake();
        }
        buffer.ResetWrittenCount();
    }

    /// <summary>
    /// Under <see cref="_sendLock"/>: one non-blocking send; returns what the socket did not take. A socket
    /// error breaks the connection (what was staged is then failed by the session).
    /// </summary>
    private ReadOnlyMemory<byte> SendNow(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return bytes;
        }
        int sent;
        SocketError error;
        try
        {
            sent = _socket!.Send(bytes.Span, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException e)
        {
            Break(e);
            return default;
        }
        if (error is SocketError.Success or SocketError.WouldBlock)
        {
            if (sent > 0)
            {
                Volatile.Write(ref _lastSent, Stopwatch.GetTimestamp());
            }
            return bytes[Math.Max(sent, 0)..];
        }
        Break(new SocketException((int)error));
        return default;
    }
}
