using System.Collections.Concurrent;
using System.Threading.Channels;
using Drover.Epmd;
using Drover.ZooKeeper;

namespace Drover.Registry.Epmd;

/// <summary>
/// The cEPMD store on ZooKeeper: one ephemeral znode per registered Erlang node under the cluster's
/// <c>epmd/</c> (architecture.md, "ZooKeeper layout"; data: <see cref="EpmdRecordJson"/>; name:
/// <see cref="EpmdZnodeName"/>). Names are unique per cluster (<see cref="EpmdNameScope.Cluster"/>): a name
/// held by any session is a <see cref="RegistrationResult.Duplicate"/>, and a lookup answers for any host.
/// <para>
/// Lookups are answered from a local copy of <c>epmd/</c> kept fresh by watches (synchronously: the server
/// answers inline). A name the copy lacks may have been registered elsewhere a moment ago, so a miss asks
/// ZooKeeper itself (sync, then getData) before answering "not found".
/// </para>
/// <para>
/// Creation numbers follow epmd (<see cref="EpmdCreationCounters"/>) per registry instance: the counters of
/// names unregistered here, or seen leaving the cluster while watched, are remembered in memory; a name never
/// seen starts from the clock. When ZooKeeper ends the session, every registration still held is written
/// again in the new one; one whose name another session took meanwhile is <see cref="RegistrationLost"/>.
/// Deletes touch only znodes the current session owns. With credentials every znode (parents included) is
/// world-readable and writable by the framework's digest only.
/// </para>
/// </summary>
public sealed partial class ZooKeeperEpmdRegistry : IEpmdRegistry, IAsyncDisposable
{
    /// <summary>Bound on one call's ZooKeeper work (waiting for a session included), after which it throws.</summary>
    public static readonly TimeSpan DefaultOperationTimeout = TimeSpan.FromSeconds(10);

    private readonly RegistrySession _session;
    private readonly bool _ownsSession;
    private readonly ClusterPaths _cluster;
    private readonly DirectoryWatcher<NodeRegistration> _watcher;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Held> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _cleanups = new(StringComparer.Ordinal);
    private readonly EpmdCreationCounters _counters;
    private readonly ConcurrentDictionary<string, Cached> _cache = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private readonly Task _cacheLoop;
    private readonly Task _repairLoop;
    private readonly TimeSpan _operationTimeout;
    private volatile ZooKeeperClient? _parentsReadyOn;
    private long _sequence;
    private bool _disposed;
    private long _cacheHits;
    private long _directReads;
    private long _directHits;
    private long _registrations;
    private long _duplicates;
    private long _reregistrations;
    private long _lost;
    private long _failures;

    /// <summary>A store on a session of its own; disposing it closes the session, so its znodes vanish at once.</summary>
    public ZooKeeperEpmdRegistry(RegistryOptions options, string cluster, TimeProvider? clock = null, TimeSpan? operationTimeout = null)
        : this(new RegistrySession(options), ownsSession: true, cluster, clock, operationTimeout)
    {
    }

    /// <summary>A store on a shared session.</summary>
    public ZooKeeperEpmdRegistry(RegistrySession session, string cluster, TimeProvider? clock = null, TimeSpan? operationTimeout = null)
        : this(session, ownsSession: false, cluster, clock, operationTimeout)
    {
    }

    private ZooKeeperEpmdRegistry(RegistrySession session, bool ownsSession, string cluster, TimeProvider? clock, TimeSpan? operationTimeout)
    {
        ArgumentNullException.ThrowIfNull(session);
        _operationTimeout = operationTimeout ?? DefaultOperationTimeout;
        if (_operationTimeout <= TimeSpan.Zero || _operationTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(operationTimeout), _operationTimeout, "The operation timeout must be more than zero and at most 10 minutes.");
        }
        _session = session;
        _ownsSession = ownsSession;
        _cluster = session.Paths.Cluster(cluster);
        _counters = new EpmdCreationCounters(clock ?? TimeProvider.System);
        _watcher = ClusterWatcher.Epmd(session, cluster, Decode);
        _session.Changed += OnSessionChanged;
        // Nothing here waits for ZooKeeper: the session and the first read of epmd/ happen in the background.
        _cacheLoop = Task.Run(KeepCacheAsync);
        _repairLoop = Task.Run(RepairLoopAsync);
    }

    /// <summary>Names are unique per cluster; a lookup answers for any host.</summary>
    public EpmdNameScope NameScope => EpmdNameScope.Cluster;

    /// <summary>Raised (on the store's background loop) when a registration could not be written again after a session ended.</summary>
    public event EventHandler<RegistrationLostEventArgs>? RegistrationLost;

    /// <summary>One event per registration, refusal, re-registration, loss or failure; handlers must be quick and must not throw.</summary>
    public event EventHandler<EpmdRegistryEvent>? Changed;

    public RegistrySession Session => _session;

    /// <summary>The cluster's epmd/ directory.</summary>
    public string Path => _cluster.Epmd;

    public string Cluster => _cluster.Cluster;

    public EpmdRegistryStatistics Statistics => new(
        Interlocked.Read(ref _cacheHits),
        Interlocked.Read(ref _directReads),
        Interlocked.Read(ref _directHits),
        Interlocked.Read(ref _registrations),
        Interlocked.Read(ref _duplicates),
        Interlocked.Read(ref _reregistrations),
        Interlocked.Read(ref _lost),
        Interlocked.Read(ref _failures));

    /// <summary>How many registrations this store holds now (written or being written).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>Completes once epmd/ has been read a first time (the lookup cache is filled).</summary>
    public Task WaitForCacheAsync(CancellationToken cancellationToken = default) => _watcher.StartAsync(cancellationToken);

    public async ValueTask<RegistrationResult> TryRegisterAsync(NodeRegistration registration, RegistrationToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var path = RegistryPaths.Join(_cluster.Epmd, EpmdZnodeName.Of(registration.Name));
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Held held;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_held.TryGetValue(registration.Name, out var holder))
            {
                Interlocked.Increment(ref _duplicates);
                Raise(EpmdRegistryEventKind.Duplicate, registration, 0);
                return new RegistrationResult.Duplicate(holder.Registration);
            }
            var counter = _counters.Take(null, registration.Name);
            var stored = registration with { Creation = EpmdCreation.ForVersion(counter, registration.HighestVersion) };
            held = new Held(stored, token, counter, path, EpmdRecordJson.Write(stored)) { Pending = written.Task };
            _held[registration.Name] = held;
        }
        try
        {
            using var bound = Bound(cancellationToken);
            var client = await _session.GetClientAsync(bound.Token).ConfigureAwait(false);
            var stat = await WriteAsync(client, held, bound.Token).ConfigureAwait(false);
            lock (_gate)
            {
                held.SessionId = client.SessionId;
                held.Sequence = Interlocked.Increment(ref _sequence);
            }
            Interlocked.Increment(ref _registrations);
            Raise(EpmdRegistryEventKind.Registered, held.Registration, client.SessionId);
            if (client != _session.Current)
            {
                // Its session ended while we wrote: the repair loop writes it again in the new one.
                _wake.Writer.TryWrite(true);
            }
            return new RegistrationResult.Registered(held.Registration);
        }
        catch (NameTakenException taken)
        {
            Forget(held);
            Interlocked.Increment(ref _duplicates);
            Raise(EpmdRegistryEventKind.Duplicate, held.Registration, taken.Owner);
            return new RegistrationResult.Duplicate(taken.Existing ?? registration);
        }
        catch (Exception e)
        {
            // The create may have reached ZooKeeper (a lost reply, a timeout): delete it later if it is ours.
            Forget(held);
            Cleanup(held);
            Interlocked.Increment(ref _failures);
            throw Translate(e, cancellationToken);
        }
        finally
        {
            written.TrySetResult();
        }
    }

    public async ValueTask<bool> UnregisterAsync(string? host, string name, RegistrationToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        Held? held;
        lock (_gate)
        {
            if (!_held.TryGetValue(name, out held) || held.Token != token)
            {
                return false;
            }
            _held.Remove(name);
            _counters.Retire(null, name, held.Counter);
        }
        // A write of it may be in flight (its registration timed out, or a re-registration): let it land first.
        await held.Pending.ConfigureAwait(false);
        try
        {
            using var bound = Bound(cancellationToken);
            var client = await _session.GetClientAsync(bound.Token).ConfigureAwait(false);
            await DeleteIfOursAsync(client, name, held.Path, bound.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!_stop.IsCancellationRequested)
        {
            Cleanup(held);
            Interlocked.Increment(ref _failures);
            throw Translate(e, cancellationToken);
        }
        Raise(EpmdRegistryEventKind.Unregistered, held.Registration, 0);
        return true;
    }

    public ValueTask<NodeRegistration?> LookupAsync(string? host, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_cache.TryGetValue(name, out var cached))
        {
            Interlocked.Increment(ref _cacheHits);
            return new(cached.Registration);
        }
        lock (_gate)
        {
            if (_held.TryGetValue(name, out var held) && held.SessionId != 0)
            {
                Interlocked.Increment(ref _cacheHits);
                return new(held.Registration);
            }
        }
        return new(ReadAsync(name, cancellationToken));
    }

    public ValueTask<IReadOnlyList<NodeRegistration>> ListAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var all = new Dictionary<string, Cached>(_cache, StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var held in _held.Values)
            {
                if (held.SessionId != 0)
                {
                    all[held.Registration.Name] = new Cached(held.Registration, held.Sequence);
                }
            }
        }
        NodeRegistration[] newestFirst = [.. all.Values.OrderByDescending(c => c.Sequence).Select(c => c.Registration)];
        return new(newestFirst);
    }

    /// <summary>
    /// Stops the store's loops. A store with a session of its own closes it, so ZooKeeper deletes its znodes at
    /// once; on a shared session, the registrations still held are deleted (best effort, bounded).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        List<Held> left;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            left = [.. _held.Values];
            _held.Clear();
        }
        _session.Changed -= OnSessionChanged;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _repairLoop.ConfigureAwait(false);
        await _cacheLoop.ConfigureAwait(false);
        await _watcher.DisposeAsync().ConfigureAwait(false);
        if (_ownsSession)
        {
            await _session.DisposeAsync().ConfigureAwait(false);
        }
        else if (left.Count > 0 && _session.Current is { } client)
        {
            using var bound = new CancellationTokenSource(_operationTimeout);
            foreach (var held in left)
            {
                try
                {
                    await DeleteIfOursAsync(client, held.Registration.Name, held.Path, bound.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is KeeperException or OperationCanceledException)
                {
                    // The session's end removes it anyway.
                }
            }
        }
        _stop.Dispose();
    }

    /// <summary>A miss of the copy: ZooKeeper itself, after a sync so a node registered a moment ago elsewhere is seen.</summary>
    private async Task<NodeRegistration?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _directReads);
        var path = RegistryPaths.Join(_cluster.Epmd, EpmdZnodeName.Of(name));
        try
        {
            using var bound = Bound(cancellationToken);
            var client = await _session.GetClientAsync(bound.Token).ConfigureAwait(false);
            try
            {
                await client.SyncAsync(_cluster.Epmd, bound.Token).ConfigureAwait(false);
                var data = await client.GetDataAsync(path, watcher: null, bound.Token).ConfigureAwait(false);
                var found = EpmdRecordJson.Parse(data.Data);
                if (found.Name != name)
                {
                    return null;
                }
                Interlocked.Increment(ref _directHits);
                return found;
            }
            catch (NoNodeException)
            {
                return null;
            }
            catch (RecordFormatException)
            {
                return null; // a damaged entry holds the name but cannot be dialled
            }
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _failures);
            throw Translate(e, cancellationToken);
        }
    }

    /// <summary>Drops a registration this store will not keep (refused, failed or lost); true if it was still held.</summary>
    private bool Forget(Held held)
    {
        lock (_gate)
        {
            if (!_held.TryGetValue(held.Registration.Name, out var current) || current != held)
            {
                return false;
            }
            _held.Remove(held.Registration.Name);
            _counters.Retire(null, held.Registration.Name, held.Counter);
            return true;
        }
    }

    /// <summary>Leaves the znode of a registration no longer held to the repair loop, which deletes it if the session owns it.</summary>
    private void Cleanup(Held held)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _cleanups[held.Registration.Name] = held.Path;
        }
        _wake.Writer.TryWrite(true);
    }

    /// <summary>A linked token that also fires at the operation timeout and on dispose.</summary>
    private CancellationTokenSource Bound(CancellationToken cancellationToken)
    {
        var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        bound.CancelAfter(_operationTimeout);
        return bound;
    }

    /// <summary>Our own timeout reads as a <see cref="TimeoutException"/>, not as the caller's cancellation.</summary>
    private Exception Translate(Exception e, CancellationToken cancellationToken) =>
        e is OperationCanceledException && !cancellationToken.IsCancellationRequested && !_stop.IsCancellationRequested
            ? new TimeoutException($"ZooKeeper did not answer within {_operationTimeout.TotalSeconds:0.#} s ({_session.Options.ConnectString}).", e)
            : e;

    private void Raise(EpmdRegistryEventKind kind, NodeRegistration? registration, long sessionId, Exception? error = null)
    {
        try
        {
            Changed?.Invoke(this, new EpmdRegistryEvent(kind, registration?.Name, registration?.Host, registration?.Port ?? 0, sessionId, error));
        }
        catch (Exception)
        {
            // A faulty handler must not break the store; handlers are documented not to throw.
        }
    }

    private void OnSessionChanged(object? sender, RegistrySessionEvent sessionEvent)
    {
        if (sessionEvent.Kind == RegistrySessionEventKind.Started && sessionEvent.Generation > 1)
        {
            _wake.Writer.TryWrite(true);
        }
    }

    /// <summary>One registration this store holds: what it wrote, where, and in which session.</summary>
    private sealed class Held(NodeRegistration registration, RegistrationToken token, uint counter, string path, byte[] data)
    {
        public NodeRegistration Registration { get; } = registration;

        public RegistrationToken Token { get; } = token;

        public uint Counter { get; } = counter;

        public string Path { get; } = path;

        public byte[] Data { get; } = data;

        /// <summary>The session its znode was last written in; 0 while the first write is in flight. Under the lock.</summary>
        public long SessionId { get; set; }

        /// <summary>When it was written, for newest-first lists. Under the lock.</summary>
        public long Sequence { get; set; }

        /// <summary>The write in flight, if any: an unregister waits for it before deleting.</summary>
        public Task Pending { get; set; } = Task.CompletedTask;
    }

    private readonly record struct Cached(NodeRegistration Registration, long Sequence);
}
