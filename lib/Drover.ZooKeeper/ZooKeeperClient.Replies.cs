using System.Threading.Channels;
using Drover.ZooKeeper.Jute;
using Drover.ZooKeeper.Protocol;
using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>Requests in (queued for the connection's writer), replies and notifications out (from its reader).</summary>
public sealed partial class ZooKeeperClient : IConnectionOwner
{
    int IConnectionOwner.NextXid()
    {
        // Ordinary xids count up from 1 and skip back to 1 at int.MaxValue: negative xids are special.
        while (true)
        {
            var current = Volatile.Read(ref _xid);
            var next = current == int.MaxValue ? 1 : current + 1;
            if (Interlocked.CompareExchange(ref _xid, next, current) == current)
            {
                return next;
            }
        }
    }

    void IConnectionOwner.OnNotification(WatcherEventRecord notification)
    {
        if (notification.Path is null)
        {
            throw new ZooKeeperProtocolException(ProtocolErrorKind.InvalidValue, $"A watch notification of type {notification.Type} has no path.");
        }
        var clientPath = _chroot.ToClient(notification.Path);
        if (clientPath is null)
        {
            // Outside the chroot: no watch of this client can be waiting for it.
            return;
        }
        var type = (EventType)notification.Type;
        var watchedEvent = new WatchedEvent(type, (KeeperState)notification.State, clientPath);
        foreach (var watcher in _watches.Materialize(type, clientPath))
        {
            _dispatcher.Post(() => watcher(watchedEvent));
        }
    }

    Dispatcher IConnectionOwner.Callbacks => _dispatcher;

    bool IConnectionOwner.OnReply(Request request, ReplyHeader header, ref JuteReader body)
    {
        if (header.Zxid > 0)
        {
            Interlocked.Exchange(ref _lastZxid, header.Zxid);
        }
        if (request.IsCompleted)
        {
            // The caller gave up (cancelled): the reply keeps the wire in sync and is dropped, watch included.
            return false;
        }
        request.Receive(header.Err, ref body);
        if (request.Watch is { } watch && request.WatchKindFor(header.Err) is { } kind)
        {
            _watches.Register(kind, watch.ClientPath, watch.Watcher);
        }
        return true;
    }

    void IConnectionOwner.OnAuthReply(AuthRequest request, ReplyHeader header)
    {
        if (header.Err == (int)KeeperErrorCode.AuthFailed)
        {
            var error = new AuthFailedException(null, $"The server refused the credentials of scheme '{request.Scheme}'.", null);
            _dispatcher.Post(() => request.Fail(error));
            LastConnectionError = error;
            SetState(ZooKeeperState.AuthFailed, KeeperState.AuthFailed);
            // The server closes the connection after a refusal; this ends it from our side too.
            throw error;
        }
        var empty = new JuteReader([]);
        request.Receive(header.Err, ref empty);
        _dispatcher.Post(request.PublishLater);
    }

    private Task<T> Submit<T>(Request<T> request, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        if (request.PacketSize > _options.MaxPacketSize)
        {
            return Task.FromException<T>(new MarshallingErrorException(request.ClientPath,
                $"The {request.OpCode} request is {request.PacketSize} bytes, above the max packet size of {_options.MaxPacketSize} bytes (jute.maxbuffer); the server would drop the connection.",
                null));
        }
        var state = _state;
        if (state.IsTerminal())
        {
            return Task.FromException<T>(TerminalError(state, LastConnectionError));
        }
        if (_closing)
        {
            return Task.FromException<T>(new SessionExpiredException(request.ClientPath, "The client is closing.", null));
        }
        request.CancelWith(cancellationToken);
        if (Volatile.Read(ref _connection) is { } connection && connection.TrySendNow(this, request, _outgoing.Reader))
        {
            return request.Task;
        }
        if (!_outgoing.Writer.TryWrite(request))
        {
            return EnqueueWhenRoomAsync(request, cancellationToken);
        }
        WakeConnection();
        return request.Task;
    }

    private async Task<T> EnqueueWhenRoomAsync<T>(Request<T> request, CancellationToken cancellationToken)
    {
        try
        {
            await _outgoing.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw TerminalError(_state, LastConnectionError);
        }
        WakeConnection();
        return await request.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// After a request was queued: the connection's thread takes queued requests when woken. Read after the
    /// write (with a fence between), so a connection established meanwhile is woken too; one established
    /// later takes the queue when it starts.
    /// </summary>
    private void WakeConnection()
    {
        Interlocked.MemoryBarrier();
        Volatile.Read(ref _connection)?.Wake();
    }
}
