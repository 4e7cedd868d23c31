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
    private readonly Dictionary<NodeKey, Entry> _active = [];
    private readonly EpmdCreationCounters _counters;
    private long _sequence;

    public InMemoryEpmdRegistry()
        : this(TimeProvider.System)
    {
    }

    /// <param name="clock">Source of the Unix time that seeds the creation counter of a new name.</param>
    public InMemoryEpmdRegistry(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _counters = new EpmdCreationCounters(clock);
    }

    /// <summary>Names are unique per host, as per epmd daemon.</summary>
    public EpmdNameScope NameScope => EpmdNameScope.Host;

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
            if (_active.TryGetValue(key, out var held))
            {
                return new(new RegistrationResult.Duplicate(held.Registration));
            }
            var counter = _counters.Take(key.Host, key.Name);
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
            if (!_active.TryGetValue(key, out var held) || held.Token != token)
            {
                return new(false);
            }
            _active.Remove(key);
            _counters.Retire(key.Host, key.Name, held.Counter);
            return new(true);
        }
    }

    public ValueTask<NodeRegistration?> LookupAsync(string? host, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return new(_active.TryGetValue(new NodeKey(host, name), out var held) ? held.Registration : null);
        }
    }

    public ValueTask<IReadOnlyList<NodeRegistration>> ListAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var newestFirst = _active.Values
                .OrderByDescending(entry => entry.Sequence)
                .Select(entry => entry.Registration)
                .ToArray();
            return new(newestFirst);
        }
    }

    private sealed record Entry(NodeRegistration Registration, RegistrationToken Token, uint Counter, long Sequence);
}
