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
/// nothing queued sends it itself, on its own thread, with one non-blocking send (no hand-off to the writer
/// loop: that hop cost a thread-pool work item and a wake-up per request). The writer loop sends what
/// was queued (requests made while disconnected or while a send was in progress), batched, and finishes
/// any send the socket could not take at once; while it does, callers queue behind it.
/// </summary>
internal sealed partial class Connection
{
    private readonly Lock _sendLock = new();
    // Under _sendLock: the first requests (auth, SetWatches) are out, so callers may send directly.
    private bool _sendReady;
    // Under _sendLock: bytes the socket did not take are being sent by the writer loop; everyone else queues.
    private bool _sending;
    // Under _sendLock: what a caller's direct send left unsent, for the writer loop.
    private ReadOnlyMemory<byte> _leftover;
    private readonly ArrayBufferWriter<byte> _direct = new(1024);
    private TaskCompletionSource _leftoverReady = NewSignal();

    /// <summary>
    /// Sends <paramref name="request"/> now, on the caller's thread, if nothing is queued before it and no
    /// send is in progress; false if it must go through the queue instead (it was then not staged).
    /// </summary>
    public bool TrySendNow(IConnectionOwner owner, Request request, ChannelReader<Request> queued)
    {
        lock (_sendLock)
        {
            if (!_sendReady || _sending || queued.Count > 0)
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
            if (!_sendReady || _sending)
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

    private async Task WriteLoopAsync(IConnectionOwner owner, ChannelReader<Request> outgoing, IReadOnlyList<Request> first)
    {
        var batch = new ArrayBufferWriter<byte>(InitialBufferSize);
        lock (_sendLock)
        {
            foreach (var request in first)
            {
                Stage(owner, request, batch, leaveIfBroken: true);
            }
            _sending = true;
        }
        await SendAllAsync(batch.WrittenMemory).ConfigureAwait(false);
        batch.ResetWrittenCount();
        lock (_sendLock)
        {
            _sending = false;
            _sendReady = true;
        }
        Task<bool>? moreRequests = null;
        while (true)
        {
            ReadOnlyMemory<byte> unsent;
            lock (_sendLock)
            {
                unsent = _leftover;
                _leftover = default;
                if (unsent.IsEmpty)
                {
                    while (batch.WrittenCount < InitialBufferSize && outgoing.TryRead(out var request))
                    {
                        Stage(owner, request, batch, leaveIfBroken: true);
                    }
                    unsent = SendNow(batch.WrittenMemory);
                    _sending = !unsent.IsEmpty;
                }
                if (_leftoverReady.Task.IsCompleted)
                {
                    _leftoverReady = NewSignal();
                }
            }
            if (!unsent.IsEmpty)
            {
                await SendAllAsync(unsent).ConfigureAwait(false);
                lock (_sendLock)
                {
                    _sending = false;
                }
            }
            batch.ResetWrittenCount();
            if (outgoing.TryPeek(out _))
            {
                continue;
            }
            moreRequests ??= outgoing.WaitToReadAsync(_broken.Token).AsTask();
            Task leftover;
            lock (_sendLock)
            {
                leftover = _leftoverReady.Task;
            }
            if (!moreRequests.IsCompleted && !leftover.IsCompleted)
            {
                await Task.WhenAny(moreRequests, leftover).ConfigureAwait(false);
            }
            if (moreRequests.IsCompleted)
            {
                if (!await moreRequests.ConfigureAwait(false))
                {
                    throw Break(new ObjectDisposedException(nameof(ZooKeeperClient), "The client stopped sending requests."));
                }
                moreRequests = null;
            }
            _broken.Token.ThrowIfCancellationRequested();
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

    /// <summary>Under <see cref="_sendLock"/>: sends what <paramref name="buffer"/> holds; what the socket does not take goes to the writer loop.</summary>
    private void SendNowOrHandOver(ArrayBufferWriter<byte> buffer)
    {
        var unsent = SendNow(buffer.WrittenMemory);
        if (!unsent.IsEmpty)
        {
            _leftover = unsent.ToArray();
            _sending = true;
            _leftoverReady.TrySetResult();
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
            sent = _socket.Send(bytes.Span, SocketFlags.None, out error);
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

    private async Task SendAllAsync(ReadOnlyMemory<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None, _broken.Token).ConfigureAwait(false);
            bytes = bytes[sent..];
            Volatile.Write(ref _lastSent, Stopwatch.GetTimestamp());
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
