using Drover.ZooKeeper.Protocol;
using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>
/// The session's actor: one loop that connects, runs a connection until it breaks, fails what that
/// connection left unanswered, and reconnects to the next server with the same session id and password
/// — until the server declares the session expired, refuses the credentials, or the client is closed.
/// </summary>
public sealed partial class ZooKeeperClient
{
    private readonly HostProvider _hosts;
    private readonly Lock _gate = new();
    private readonly List<AuthInfo> _authInfo = [];
    private readonly List<StateWaiter> _stateWaiters = [];
    private readonly CancellationTokenSource _stop = new();
    private volatile ZooKeeperState _state = ZooKeeperState.Connecting;
    private volatile bool _closing;
    private long _sessionId;
    private byte[] _password;
    private int _negotiatedTimeoutMs;
    private long _lastZxid;
    private int _xid;
    private Connection? _connection;
    private Task _loop = Task.CompletedTask;

    /// <summary>Why the last connection attempt failed or the last connection was lost; null if none was.</summary>
    public Exception? LastConnectionError { get; private set; }

    /// <summary>
    /// Ends the session: sends closeSession (the server deletes the session's ephemeral nodes at once),
    /// then stops reconnecting. Requests still queued fail with <see cref="SessionExpiredException"/>.
    /// Closing an expired or closed client does nothing more.
    /// </summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        var first = false;
        lock (_gate)
        {
            if (!_closing)
            {
                _closing = true;
                first = true;
            }
        }
        if (first && _state.IsConnected())
        {
            var close = new CloseSessionRequest();
            if (_outgoing.Writer.TryWrite(close))
            {
                WakeConnection();
                await AwaitQuietly(close.Task.WaitAsync(CloseTimeout(), cancellationToken)).ConfigureAwait(false);
            }
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        Volatile.Read(ref _connection)?.Break(new ObjectDisposedException(nameof(ZooKeeperClient), "The client was closed."));
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        await StopEnsembleAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Same as <see cref="CloseAsync"/>; safe to call more than once.</summary>
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    private void Start()
    {
        StartEnsemble();
        _loop = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        try
        {
            // An Exhibitor connect string has no server until Exhibitor answers.
            await _serversKnown.Task.WaitAsync(_stop.Token).ConfigureAwait(false);
            for (var attempt = 0; !_closing && !_state.IsTerminal(); attempt++)
            {
                var (server, roundCompleted) = _hosts.Next();
                await BackOffAsync(attempt, roundCompleted).ConfigureAwait(false);
                await ConnectOnceAsync(server).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Closed while connecting or backing off.
        }
        finally
        {
            Finish();
        }
    }

    /// <summary>
    /// ClientCnxn waits up to a second before each reconnection so that clients do not storm a
    /// recovering ensemble; with short session timeouts that second would cost the session, so the wait
    /// is also capped at a tenth of the timeout. After a whole round of failed servers the wait doubles.
    /// </summary>
    private Task BackOffAsync(int attempt, bool roundCompleted)
    {
        if (attempt == 0)
        {
            return Task.CompletedTask;
        }
        var cap = (int)Math.Min(1000, SessionTimeoutMs() / 10);
        var delay = Random.Shared.Next(0, cap + 1) + (roundCompleted ? cap : 0);
        return Task.Delay(delay, _stop.Token);
    }

    private async Task ConnectOnceAsync(ServerAddress server)
    {
        Connection connection;
        ConnectResponse response;
        try
        {
            (connection, response) = await Connection.OpenAsync(
                server, NewConnectRequest(), _options.MaxPacketSize, ConnectTimeout(), _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
        {
            LastConnectionError = e;
            FailQueued(() => new ConnectionLossException(null, $"Could not connect to {server}: {e.Message}", e));
            return;
        }
        await using (connection.ConfigureAwait(false))
        {
            if (response.TimeOut <= 0)
            {
                Expire(server);
                return;
            }
            Established(connection, response);
            // A new list from Exhibitor may have dropped this server while the handshake ran.
            DropIfUnlisted(connection);
            // A close that raced with this connection's handshake (and saw no connection to break) stops it here.
            using var stopping = _stop.Token.Register(
                static state => ((Connection)state!).Break(new ObjectDisposedException(nameof(ZooKeeperClient), "The client was closed.")),
                connection);
            var reason = await connection.RunAsync(this, _outgoing.Reader, FirstRequests(), Timings()).ConfigureAwait(false);
            Volatile.Write(ref _connection, null);
            LastConnectionError = reason;
            ConnectionLost(connection, reason);
        }
    }

    private ConnectRequest NewConnectRequest()
    {
        lock (_gate)
        {
            return new ConnectRequest(0, LastZxid, (int)_options.SessionTimeout.TotalMilliseconds, _sessionId, _password, ReadOnly: false);
        }
    }

    private void Established(Connection connection, ConnectResponse response)
    {
        lock (_gate)
        {
            Interlocked.Exchange(ref _sessionId, response.SessionId);
            _password = response.Password;
            Volatile.Write(ref _negotiatedTimeoutMs, response.TimeOut);
        }
        _hosts.OnConnected();
        Volatile.Write(ref _connection, connection);
        if (response.ReadOnly)
        {
            SetState(ZooKeeperState.ConnectedReadOnly, KeeperState.ConnectedReadOnly);
        }
        else
        {
            SetState(ZooKeeperState.Connected, KeeperState.SyncConnected);
        }
    }

    /// <summary>Credentials first, then the session's watches (by server path), as ClientCnxn.primeConnection.</summary>
    private List<Request> FirstRequests()
    {
        var first = new List<Request>();
        lock (_gate)
        {
            first.AddRange(_authInfo.Select(a => new AuthRequest(a.Scheme, a.Data)));
        }
        var (data, exist, child) = _watches.Paths();
        if (data.Count + exist.Count + child.Count > 0)
        {
            first.AddRange(SetWatchesRequest.Batches(LastZxid, ToServer(data), ToServer(exist), ToServer(child)));
        }
        return first;
    }

    private List<string> ToServer(List<string> clientPaths) => clientPaths.ConvertAll(_chroot.ToServer);

    private void ConnectionLost(Connection connection, Exception reason)
    {
        var message = $"Connection to {connection.Server} lost: {reason.Message}";
        foreach (var request in connection.TakeUnanswered())
        {
            var error = new ConnectionLossException(request.ClientPath, message, reason);
            _dispatcher.Post(() => request.Fail(error));
        }
        FailQueued(() => new ConnectionLossException(null, message, reason));
        if (!_closing)
        {
            SetState(ZooKeeperState.Disconnected, KeeperState.Disconnected);
        }
    }

    private void Expire(ServerAddress server)
    {
        LastConnectionError = new SessionExpiredException(null, $"{server} says session 0x{SessionId:x} has expired.", null);
        SetState(ZooKeeperState.Expired, KeeperState.Expired);
    }

    /// <summary>The loop is over: settle the terminal state and fail whatever is still queued.</summary>
    private void Finish()
    {
        if (!_state.IsTerminal())
        {
            SetState(ZooKeeperState.Closed, KeeperState.Closed);
        }
        _outgoing.Writer.TryComplete();
        // Expired or refused: nothing will connect again, so stop asking Exhibitor (closing awaits the loop).
        _ensembleStop.Cancel();
        var state = _state;
        FailQueued(() => TerminalError(state, LastConnectionError));
        _dispatcher.Complete();
    }

    private void FailQueued(Func<Exception> error)
    {
        while (_outgoing.Reader.TryRead(out var request))
        {
            var exception = error();
            _dispatcher.Post(() => request.Fail(exception));
        }
    }

    private long SessionTimeoutMs()
    {
        var negotiated = Volatile.Read(ref _negotiatedTimeoutMs);
        return negotiated > 0 ? negotiated : (long)_options.SessionTimeout.TotalMilliseconds;
    }

    /// <summary>As ClientCnxn: the session timeout shared among the servers, so a round fits in one timeout.</summary>
    private TimeSpan ConnectTimeout() => TimeSpan.FromMilliseconds(Math.Max(1, SessionTimeoutMs() / _hosts.Count));

    private TimeSpan CloseTimeout() => TimeSpan.FromMilliseconds(Math.Max(1, SessionTimeoutMs()));

    private ConnectionTimings Timings() => ConnectionTimings.For(TimeSpan.FromMilliseconds(SessionTimeoutMs()), _options.RequestTimeout);

    private static async Task AwaitQuietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Closing goes on whatever became of the closeSession request.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
