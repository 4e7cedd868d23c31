using Drover.ZooKeeper;

namespace Drover.Registry;

/// <summary>
/// The registry's ZooKeeper session, replaced by itself when ZooKeeper ends it. Expiry is terminal for a
/// <see cref="ZooKeeperClient"/>; this class opens a fresh session at once (retrying with backoff until
/// one connects) and raises <see cref="Changed"/>, so that <see cref="NodeRegistry"/> writes its
/// ephemeral nodes again and <see cref="DirectoryWatcher{T}"/> re-reads what it watches. Several of
/// them may share one session (one connection per executor). Disposing closes the session: its
/// ephemeral nodes vanish at once.
/// </summary>
public sealed class RegistrySession : IAsyncDisposable
{
    private readonly Func<ZooKeeperClientOptions, CancellationToken, Task<ZooKeeperClient>> _connect;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private ZooKeeperClient? _current;
    private Task<ZooKeeperClient>? _connecting;
    private long _generation;
    private long _ended;
    private long _connectFailures;

    /// <param name="options">Where and how to connect.</param>
    /// <param name="connect">Opens one session; default <see cref="ZooKeeperClient.ConnectAsync"/>. Tests interpose here.</param>
    public RegistrySession(RegistryOptions options, Func<ZooKeeperClientOptions, CancellationToken, Task<ZooKeeperClient>>? connect = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Paths = options.Paths;
        _connect = connect ?? ((clientOptions, token) => ZooKeeperClient.ConnectAsync(clientOptions, token));
    }

    public RegistryOptions Options { get; }

    public RegistryPaths Paths { get; }

    /// <summary>Raised when a session starts, ends, or fails to open. Handlers run inline and must be quick and must not throw.</summary>
    public event EventHandler<RegistrySessionEvent>? Changed;

    /// <summary>The live client, or null before the first session and while a replacement is being opened.</summary>
    public ZooKeeperClient? Current
    {
        get
        {
            lock (_gate)
            {
                return _current is { } client && !IsTerminal(client.State) ? client : null;
            }
        }
    }

    /// <summary>How many sessions were started so far.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public RegistrySessionStatistics Statistics =>
        new(Interlocked.Read(ref _generation), Interlocked.Read(ref _ended), Interlocked.Read(ref _connectFailures));

    /// <summary>
    /// The live client, opening a session if there is none (one attempt at a time, shared by all callers).
    /// The client may be disconnected for a while; requests then fail with
    /// <see cref="ConnectionLossException"/> and may be retried.
    /// </summary>
    public Task<ZooKeeperClient> GetClientAsync(CancellationToken cancellationToken = default)
    {
        Task<ZooKeeperClient> connecting;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            if (_current is { } client && !IsTerminal(client.State))
            {
                return Task.FromResult(client);
            }
            // Task.Run: the connect delegate must not run under the lock.
            connecting = _connecting ??= Task.Run(() => ConnectUntilConnectedAsync(_disposed.Token));
        }
        return connecting.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        ZooKeeperClient? current;
        Task<ZooKeeperClient>? connecting;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }
            _disposed.Cancel();
            current = _current;
            connecting = _connecting;
            _current = null;
        }
        if (connecting is not null)
        {
            try
            {
                await connecting.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or KeeperException)
            {
                // Cancelled by the disposal: there is no session to close.
            }
        }
        if (current is not null)
        {
            await current.DisposeAsync().ConfigureAwait(false);
        }
        _disposed.Dispose();
    }

    internal static bool IsTerminal(ZooKeeperState state) =>
        state is ZooKeeperState.Expired or ZooKeeperState.AuthFailed or ZooKeeperState.Closed;

    private async Task<ZooKeeperClient> ConnectUntilConnectedAsync(CancellationToken stop)
    {
        var backoff = new Backoff(Options.InitialBackoff, Options.MaxBackoff);
        while (true)
        {
            stop.ThrowIfCancellationRequested();
            ZooKeeperClient client;
            try
            {
                client = await ConnectOnceAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _connectFailures);
                Raise(new RegistrySessionEvent(RegistrySessionEventKind.ConnectFailed, Generation, 0, Error: e));
                await Task.Delay(backoff.Next(), stop).ConfigureAwait(false);
                continue;
            }
            if (Adopt(client) is not { } generation)
            {
                await client.DisposeAsync().ConfigureAwait(false);
                throw new OperationCanceledException(stop);
            }
            client.StateChanged += (_, state) => OnStateChanged(client, generation, state);
            Raise(new RegistrySessionEvent(RegistrySessionEventKind.Started, generation, client.SessionId));
            // It may have ended between connecting and subscribing.
            if (IsTerminal(client.State))
            {
                OnStateChanged(client, generation, client.State);
            }
            return client;
        }
    }

    // One attempt is bounded so a ZooKeeper that cannot be reached shows up as ConnectFailed events.
    private async Task<ZooKeeperClient> ConnectOnceAsync(CancellationToken stop)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var limit = Options.SessionTimeout * 2;
        attempt.CancelAfter(limit);
        try
        {
            return await _connect(Options.ClientOptions(), attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!stop.IsCancellationRequested)
        {
            throw new TimeoutException($"No ZooKeeper session with {Options.ConnectString} within {limit.TotalSeconds:0.#} s.", e);
        }
    }

    private long? Adopt(ZooKeeperClient client)
    {
        ZooKeeperClient? previous;
        long generation;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return null;
            }
            previous = _current;
            _current = client;
            _connecting = null;
            generation = Interlocked.Increment(ref _generation);
        }
        if (previous is not null)
        {
            // Its session is over; release its connection loop in the background.
            _ = previous.DisposeAsync().AsTask();
        }
        return generation;
    }

    // Runs on the ended client's dispatcher: must not block.
    private void OnStateChanged(ZooKeeperClient client, long generation, ZooKeeperState state)
    {
        if (state is not (ZooKeeperState.Expired or ZooKeeperState.AuthFailed))
        {
            return;
        }
        lock (_gate)
        {
            if (_current != client || _disposed.IsCancellationRequested)
            {
                return;
            }
        }
        Interlocked.Increment(ref _ended);
        Raise(new RegistrySessionEvent(RegistrySessionEventKind.Ended, generation, client.SessionId, state));
        _ = RenewAsync();
    }

    // Opens the replacement at once, whether or not anyone asks for a client.
    private async Task RenewAsync()
    {
        try
        {
            await GetClientAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private void Raise(RegistrySessionEvent sessionEvent)
    {
        try
        {
            Changed?.Invoke(this, sessionEvent);
        }
        catch (Exception)
        {
            // A faulty handler must not stop the session from being kept; handlers are documented not to throw.
        }
    }
}
