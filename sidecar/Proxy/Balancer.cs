namespace Drover.Sidecar.Proxy;

public enum BalanceMode
{
    /// <summary>Each new connection goes to the next serving node.</summary>
    RoundRobin,

    /// <summary>Each new connection goes to the serving node with the fewest open connections (ties in turn).</summary>
    LeastConnections,
}

/// <summary>Picks the node for a new connection among the serving ones, skipping those that already failed it.</summary>
public sealed class Balancer(BalanceMode mode)
{
    private int _turn;

    public BalanceMode Mode { get; } = mode;

    /// <summary>The next backend, or null when every one was tried.</summary>
    public Backend? Pick(Backend[] serving, List<Backend>? tried)
    {
        ArgumentNullException.ThrowIfNull(serving);
        var count = serving.Length;
        if (count == 0)
        {
            return null;
        }
        var start = (int)((uint)Interlocked.Increment(ref _turn) % (uint)count);
        Backend? best = null;
        for (var i = 0; i < count; i++)
        {
            var candidate = serving[(start + i) % count];
            if (tried is not null && tried.Contains(candidate))
            {
                continue;
            }
            if (Mode == BalanceMode.RoundRobin)
            {
                return candidate;
            }
            if (best is null || candidate.Active < best.Active)
            {
                best = candidate;
            }
        }
        return best;
    }
}
