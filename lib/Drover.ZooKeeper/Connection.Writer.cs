using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;
using Drover.ZooKeeper.Protocol;
using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>The writing side: the only writer of the socket; batches queued requests and sends pings.</summary>
internal sealed partial class Connection
{
    private async Task WriteLoopAsync(IConnectionOwner owner, ChannelReader<Request> outgoing, IReadOnlyList<Request> first, ConnectionTimings timings)
    {
        var batch = new ArrayBufferWriter<byte>(InitialBufferSize);
        foreach (var request in first)
        {
            Stage(owner, request, batch);
        }
        await FlushAsync(batch).ConfigureAwait(false);
        Task<bool>? moreRequests = null;
        while (true)
        {
            while (outgoing.TryRead(out var request))
            {
                Stage(owner, request, batch);
                if (batch.WrittenCount >= InitialBufferSize)
                {
                    await FlushAsync(batch).ConfigureAwait(false);
                }
            }
            await FlushAsync(batch).ConfigureAwait(false);

            var untilPing = timings.PingInterval - Stopwatch.GetElapsedTime(Volatile.Read(ref _lastSent));
            if (untilPing <= TimeSpan.Zero)
            {
                await SendPingAsync().ConfigureAwait(false);
                continue;
            }
            moreRequests ??= outgoing.WaitToReadAsync(_broken.Token).AsTask();
            if (!moreRequests.IsCompleted)
            {
                await Task.WhenAny(moreRequests, Task.Delay(untilPing, _broken.Token)).ConfigureAwait(false);
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
    /// sent is dropped here.
    /// </summary>
    private void Stage(IConnectionOwner owner, Request request, IBufferWriter<byte> batch)
    {
        if (request.IsCompleted)
        {
            return;
        }
        request.Xid = request switch
        {
            AuthRequest => Xid.Auth,
            SetWatchesRequest => Xid.SetWatches,
            _ => owner.NextXid(),
        };
        request.SentAt = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (_breakReason is not null)
            {
                // Broken while staging: leave it to the session, which fails what it still holds.
                _pending.Enqueue(request);
                return;
            }
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
    }

    private async Task FlushAsync(ArrayBufferWriter<byte> batch)
    {
        if (batch.WrittenCount == 0)
        {
            return;
        }
        var bytes = batch.WrittenMemory;
        while (bytes.Length > 0)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None, _broken.Token).ConfigureAwait(false);
            bytes = bytes[sent..];
        }
        batch.ResetWrittenCount();
        Volatile.Write(ref _lastSent, Stopwatch.GetTimestamp());
    }

    private async Task SendPingAsync()
    {
        // length 8, then RequestHeader (xid -2, type ping); the reply (xid -2) is just proof of life.
        var ping = new byte[FrameResult.PrefixLength + RequestHeader.Size];
        BinaryPrimitives.WriteInt32BigEndian(ping, RequestHeader.Size);
        BinaryPrimitives.WriteInt32BigEndian(ping.AsSpan(4), Xid.Ping);
        BinaryPrimitives.WriteInt32BigEndian(ping.AsSpan(8), (int)OpCode.Ping);
        await _socket.SendAsync(ping, SocketFlags.None, _broken.Token).ConfigureAwait(false);
        Volatile.Write(ref _lastSent, Stopwatch.GetTimestamp());
    }
}
