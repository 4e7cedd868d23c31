using Drover.Epmd.Protocol;

namespace Drover.Epmd;

/// <summary>
/// epmd's creation counters for one store (<c>node_reg2</c> in <c>epmd_srv.c</c>): the counters of names
/// that were unregistered, oldest first, at most <see cref="EpmdLimits.MaxRetiredNames"/> kept, and the
/// clock for names never seen. Not thread-safe: the owner holds its lock.
/// </summary>
public sealed class EpmdCreationCounters
{
    private readonly TimeProvider _clock;
    private readonly RetiredCounters _retired = new();

    /// <param name="clock">Source of the Unix time that seeds the counter of a new name.</param>
    public EpmdCreationCounters(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
    }

    /// <summary>How many retired names are remembered.</summary>
    public int RetiredCount => _retired.Count;

    /// <summary>
    /// The counter for <paramref name="name"/> on <paramref name="host"/> registering now: its retired
    /// counter plus one; else, past the limit of retired names, the oldest retired counter taken over
    /// unbumped (as epmd reuses the oldest slot); else the clock plus one.
    /// </summary>
    public uint Take(string? host, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = new NodeKey(host, name);
        if (_retired.TryTake(key, out var previous))
        {
            return EpmdCreation.Bump(previous);
        }
        if (_retired.Count > EpmdLimits.MaxRetiredNames)
        {
            return _retired.TakeOldest();
        }
        return EpmdCreation.FirstCounter(_clock.GetUtcNow());
    }

    /// <summary>Remembers the counter of a name whose registration ended (replacing any counter kept for it).</summary>
    public void Retire(string? host, string name, uint counter)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = new NodeKey(host, name);
        _retired.TryTake(key, out _);
        _retired.Add(key, counter);
    }

    /// <summary>True when a counter is remembered for the name.</summary>
    public bool IsRetired(string? host, string name) => _retired.Contains(new NodeKey(host, name));
}
