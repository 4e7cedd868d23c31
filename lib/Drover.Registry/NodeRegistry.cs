using System.Diagnostics;
using System.Threading.Channels;
using Drover.ZooKeeper;

namespace Drover.Registry;

/// <summary>
/// Registers one node: its endpoint record at nodes/&lt;node&gt; and its ServerSet member under
/// members/, both ephemeral, created, updated and deleted together in ZooKeeper transactions.
/// <para>
/// The caller states what should be in ZooKeeper (<see cref="RegisterAsync"/>,
/// <see cref="UpdateAsync(NodeState, bool?, CancellationToken)"/>, <see cref="DeregisterAsync"/>); one
/// loop makes it so and keeps it so. Each call returns once its change (or a later one) is in
/// ZooKeeper. Cancelling that wait does not cancel the change: the registry keeps trying until the
/// desired state is written, through connection losses (retried; a write whose reply was lost is
/// recognised by the node's ephemeral owner, so no duplicate member is left) and session expiry
/// (a new session is opened and everything is written again, as <see cref="NodeRegistryEventKind.Reregistered"/>).
/// </para>
/// <para>
/// A call fails only for lasting reasons: <see cref="NodeConflictException"/> when the node name stays
/// held by another session past <see cref="RegistryOptions.ConflictTimeout"/>, or the ZooKeeper error
/// (e.g. <see cref="NoAuthException"/>) of a write that cannot succeed as things are.
/// </para>
/// </summary>
public sealed partial class NodeRegistry : IAsyncDisposable
{
    /// <summary>How long <see cref="DisposeAsync"/> tries to deregister from a shared session.</summary>
    public static readonly TimeSpan DisposeDeregisterTimeout = TimeSpan.FromSeconds(5);

    private readonly RegistrySession _session;
    private readonly bool _ownsSession;
    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiters = [];
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private readonly CancellationTokenSource _stop = new();
    private readonly Counters _counters = new();
    private readonly Task _loop;
    private Desired? _desired;
    private long _version;
    private bool _disposed;

    /// <summary>A registry on a session of its own; disposing it closes that session, so its nodes vanish at once.</summary>
    public NodeRegistry(RegistryOptions options)
        : this(new RegistrySession(options), ownsSession: true)
    {
    }

    /// <summary>A registry on a shared session; disposing it deregisters (best effort) and leaves the session open.</summary>
    public NodeRegistry(RegistrySession session)
        : this(session, ownsSession: false)
    {
    }

    private NodeRegistry(RegistrySession session, bool ownsSession)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _ownsSession = ownsSession;
        _session.Changed += OnSessionChanged;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Raised for every write, retry, conflict and failure; handlers run on the registry's loop and must be quick and must not throw.</summary>
    public event EventHandler<NodeRegistryEvent>? Changed;

    public RegistrySession Session => _session;

    /// <summary>The record the registry is keeping in ZooKeeper, or null when none should be there.</summary>
    public NodeRecord? Record
    {
        get
        {
            lock (_gate)
            {
                return _desired?.Record;
            }
        }
    }

    /// <summary>True when the desired record is written in the live session.</summary>
    public bool IsRegistered
    {
        get
        {
            Desired? desired;
            lock (_gate)
            {
                desired = _desired;
            }
            var written = _written;
            return desired is not null && written is not null && written.Client == _session.Current
                && written.NodeJson.AsSpan().SequenceEqual(desired.NodeJson);
        }
    }

    /// <summary>The path of the ServerSet member in the current session, if one is written.</summary>
    public string? MemberPath => _written?.MemberPath;

    public NodeRegistryStatistics Statistics => _counters.Snapshot();

    /// <summary>
    /// Registers <paramref name="record"/>: creates the persistent parents as needed, then the endpoint
    /// record and the ServerSet member in one transaction. The member's service endpoint is the port
    /// named <paramref name="primaryPort"/>, or the first port; <paramref name="shard"/> is its "shard".
    /// A record without ports gets no member. Registering again (same cluster and node) replaces the
    /// record; another node needs another registry.
    /// </summary>
    /// <exception cref="ArgumentException">The record is invalid or the primary port is not one of its ports.</exception>
    public Task RegisterAsync(NodeRecord record, string? primaryPort = null, int? shard = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var desired = Desired.Of(record, primaryPort, shard, _session.Paths);
        return Change(current =>
        {
            if (current is not null && (current.Record.Cluster != record.Cluster || current.Record.Node != record.Node))
            {
                throw new InvalidOperationException(
                    $"This registry holds node {current.Record.Cluster}/{current.Record.Node}; deregister it before registering {record.Cluster}/{record.Node}.");
            }
            return desired;
        }, cancellationToken);
    }

    /// <summary>Sets the record's state and health, in the endpoint record and the member's status together.</summary>
    /// <exception cref="InvalidOperationException">Nothing is registered.</exception>
    public Task UpdateAsync(NodeState state, bool? healthy, CancellationToken cancellationToken = default) =>
        Change(current =>
        {
            if (current is null)
            {
                throw new InvalidOperationException("Nothing is registered: call RegisterAsync first.");
            }
            return current.With(current.Record with { State = state, Healthy = healthy });
        }, cancellationToken);

    /// <summary>Deletes the endpoint record and the member (only nodes this session owns). Done at once if nothing is registered.</summary>
    public Task DeregisterAsync(CancellationToken cancellationToken = default) => Change(_ => null, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        bool registered;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            registered = _desired is not null;
        }
        if (registered && !_ownsSession)
        {
            try
            {
                await DeregisterAsync().WaitAsync(DisposeDeregisterTimeout).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Best effort (ZooKeeper unreachable, session already disposed...): the nodes go with the session anyway.
            }
        }
        lock (_gate)
        {
            _disposed = true;
        }
        _session.Changed -= OnSessionChanged;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        FailWaiters(long.MaxValue, new ObjectDisposedException(nameof(NodeRegistry)));
        if (_ownsSession)
        {
            // closeSession: ZooKeeper deletes the ephemeral nodes at once.
            await _session.DisposeAsync().ConfigureAwait(false);
        }
        _stop.Dispose();
    }

    private Task Change(Func<Desired?, Desired?> change, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _desired = change(_desired);
            waiter = new Waiter(++_version);
            _waiters.Add(waiter);
        }
        _wake.Writer.TryWrite(true);
        return waiter.Completion.Task.WaitAsync(cancellationToken);
    }

    private (Desired? Desired, long Version) Wanted()
    {
        lock (_gate)
        {
            return (_desired, _version);
        }
    }

    private void CompleteWaiters(long version) => Settle(version, null);

    private void FailWaiters(long version, Exception error) => Settle(version, error);

    private void Settle(long version, Exception? error)
    {
        List<Waiter> settled;
        lock (_gate)
        {
            settled = _waiters.FindAll(w => w.Version <= version);
            _waiters.RemoveAll(w => w.Version <= version);
        }
        foreach (var waiter in settled)
        {
            if (error is null)
            {
                waiter.Completion.TrySetResult();
            }
            else
            {
                waiter.Completion.TrySetException(error);
            }
        }
    }

    // Runs inline on the session's thread: only wakes the loop.
    private void OnSessionChanged(object? sender, RegistrySessionEvent sessionEvent)
    {
        if (sessionEvent.Kind is RegistrySessionEventKind.Started or RegistrySessionEventKind.Ended)
        {
            _wake.Writer.TryWrite(true);
        }
    }

    private void Raise(NodeRegistryEventKind kind, Desired? desired, long sessionId, string? path = null, Exception? error = null)
    {
        try
        {
            Changed?.Invoke(this, new NodeRegistryEvent(kind, desired?.Record.Cluster ?? "?", desired?.Record.Node ?? "?", sessionId, path, error));
        }
        catch (Exception)
        {
            // A faulty handler must not stop the registry; handlers are documented not to throw.
        }
    }

    private sealed class Waiter(long version)
    {
        public long Version { get; } = version;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>What should be in ZooKeeper: the record and member, already serialized.</summary>
    private sealed record Desired(NodeRecord Record, string? PrimaryPort, int? Shard, ClusterPaths Paths, string NodePath, byte[] NodeJson, ServerSetMember? Member, byte[]? MemberJson)
    {
        public static Desired Of(NodeRecord record, string? primaryPort, int? shard, RegistryPaths paths)
        {
            record.Validate();
            return Of(record, primaryPort, shard, paths.Cluster(record.Cluster));
        }

        public Desired With(NodeRecord record)
        {
            record.Validate();
            return Of(record, PrimaryPort, Shard, Paths);
        }

        private static Desired Of(NodeRecord record, string? primaryPort, int? shard, ClusterPaths cluster)
        {
            var member = ServerSetMember.For(record, primaryPort, shard);
            return new Desired(record, primaryPort, shard, cluster, cluster.Node(record.Node), NodeRecordJson.Write(record), member, member?.ToJson());
        }
    }

    /// <summary>What this registry wrote, in which session.</summary>
    private sealed record Written(ZooKeeperClient Client, string NodePath, string? MemberPath, byte[] NodeJson, byte[]? MemberJson);

    private sealed class Counters
    {
        public long Writes;
        public long Registrations;
        public long Reregistrations;
        public long Updates;
        public long Deregistrations;
        public long Retries;
        public long AdoptedWrites;
        public long DuplicatesRemoved;
        public long Conflicts;
        public long Failures;

        public NodeRegistryStatistics Snapshot() => new(
            Interlocked.Read(ref Writes),
            Interlocked.Read(ref Registrations),
            Interlocked.Read(ref Reregistrations),
            Interlocked.Read(ref Updates),
            Interlocked.Read(ref Deregistrations),
            Interlocked.Read(ref Retries),
            Interlocked.Read(ref AdoptedWrites),
            Interlocked.Read(ref DuplicatesRemoved),
            Interlocked.Read(ref Conflicts),
            Interlocked.Read(ref Failures));
    }

    private static bool Elapsed(long since, TimeSpan limit) => Stopwatch.GetElapsedTime(since) >= limit;
}
