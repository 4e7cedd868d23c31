namespace Drover.ZooKeeper.Exhibitor;

/// <summary>
/// Whom to ask and what is known, as Curator's ExhibitorEnsembleProvider keeps it: the Exhibitor
/// instances of the connect string; after each answer, the hosts of the ensemble it listed, on the
/// answering instance's port (Exhibitor runs beside every ZooKeeper server, so the instances follow
/// the ensemble when Exhibitor replaces machines); and the last list of servers. A failed poll changes
/// nothing: the last known list stays. Owned by the poller's loop alone.
/// </summary>
internal sealed class ExhibitorTargets(IReadOnlyList<ServerAddress> seeds)
{
    private readonly ServerAddress[] _seeds = [.. seeds];
    private ServerAddress[] _followed = [];

    /// <summary>The last list of servers Exhibitor gave; empty before the first answer.</summary>
    public IReadOnlyList<ServerAddress> Servers { get; private set; } = [];

    /// <summary>
    /// Who to ask this round, in order, each once: the instances beside the ensemble's servers first,
    /// then those of the connect string (Curator asks only the former once it has them; we fall back to
    /// the latter, so a wholly replaced ensemble can still be found through the configured instances).
    /// </summary>
    public List<ServerAddress> Candidates(Random random)
    {
        var followed = _followed.ToArray();
        random.Shuffle(followed);
        var seeds = _seeds.ToArray();
        random.Shuffle(seeds);
        return [.. followed.Concat(seeds).Distinct()];
    }

    /// <summary>Records <paramref name="exhibitor"/>'s answer; true when the set of servers changed.</summary>
    public bool Answered(ServerAddress exhibitor, IReadOnlyList<ServerAddress> servers)
    {
        _followed = [.. servers.Select(s => new ServerAddress(s.Host, exhibitor.Port))];
        var changed = !Servers.ToHashSet().SetEquals(servers);
        if (changed)
        {
            Servers = [.. servers];
        }
        return changed;
    }
}
