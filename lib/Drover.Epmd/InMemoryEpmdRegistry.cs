using Drover.Epmd.Protocol;

namespace Drover.Epmd;

/// <summary>
/// <see cref="IEpmdRegistry"/> in process memory: what one epmd daemon keeps, shareable by several
/// <see cref="EpmdServer"/>s of one process (which is how tests stand in for ZooKeeper). Remembers up to
/// <see cref="EpmdLimits.MaxRetiredNames"/> unregistered names so their next creation follows on, exactly
/// as epmd's list of old/unused slots does.
/// </summary>
public sealed class InMemoryEpmdRegistry : IEpmdRegistry
{
    private readonly object _gate = new();
    private readonly TimeProvider _clock;
    private readonly Dictionary<NodeKey, Entry> _active = [];
    private readonly RetiredCounters _retired = new();
    private long _sequence;

    public InMemoryEpmdRegistry()
        : this(TimeProvider.System)
    {
    }

    /// <param name="clock">Source of the Unix time that seeds the creation counter of a new name.</param>
    public InMemoryEpmdRegistry(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
    }

    /// <summary>How many registrations are held now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _active.Count;
            }
        }
    }

    public ValueTask<RegistrationResult> TryRegisterAsync(NodeRegistration registration, RegistrationToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var key = NodeKey.Of(registration);
            if (_active.TryGetValue(key, out Entry? held))
            {
                return new(new RegistrationResult.Duplicate(held.Registration));
            }
            uint counter = NextCounter(key);
            var stored = registration with { Creation = EpmdCreation.ForVersion(counter, registration.HighestVersion) };
            _active[key] = new Entry(stored, token, counter, ++_sequence);
            return new(new RegistrationResult.Registered(stored));
        }
    }

    public ValueTask<bool> UnregisterAsync(string? host, string name, RegistrationToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var key = new NodeKey(host, name);
            if (!_active.TryGetValue(key, out Entry? held) || held.Token != token)
            {
                return new(false);
            }
            _active.Remove(key);
            _retired.Add(key, held.Counter);
            return new(true);
        }
    }

    public ValueTask<NodeRegistration?> LookupAsync(string? host, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return new(_active.TryGetValue(new NodeKey(host, name), out Entry? held) ? held.Registration : null);
        }
    }

    public ValueTask<IReadOnlyList<NodeRegistration>> ListAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            NodeRegistration[] newestFirst = _active.Values
                .OrderByDescending(entry => entry.Sequence)
                .Select(entry => entry.Registration)
                .ToArray();
            return new(newestFirst);
        }
    }

    // node_reg2: reuse the slot of the same name (bumped), else steal the oldest slot once more than
    // MAX_UNREG_COUNT are kept (its counter taken over unbumped, as epmd does), else start from the clock.
    private uint NextCounter(NodeKey key)
    {
        if (_retired.TryTake(key, out uint previous))
        {
            return EpmdCreation.Bump(previous);
        }
        if (_retired.Count > EpmdLimits.MaxRetiredNames)
        {
            return _retired.TakeOldest();
        }
        return EpmdCreation.FirstCounter(_clock.GetUtcNow());
    }

    private sealed record Entry(NodeRegistration Registration, RegistrationToken Token, uint Counter, long Sequence);
}
