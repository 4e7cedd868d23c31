using System.Globalization;

namespace Drover.Registry.Epmd;

public enum EpmdRegistryEventKind
{
    /// <summary>A node registered: its znode is written.</summary>
    Registered,

    /// <summary>A registration was refused: the name is held in the cluster (here or by another session).</summary>
    Duplicate,

    /// <summary>A node's registration ended and its znode was deleted (if it was still ours).</summary>
    Unregistered,

    /// <summary>A registration was written again in a new session, after ZooKeeper ended the previous one.</summary>
    Reregistered,

    /// <summary>A registration could not be written again: another session took the name meanwhile.</summary>
    Lost,

    /// <summary>A ZooKeeper write or read failed; a background write is retried.</summary>
    Failed,
}

/// <summary>What the ZooKeeper cEPMD store did, for logs: one line each.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Name">The Erlang node name (short name), if about one.</param>
/// <param name="Host">Its host, if known.</param>
/// <param name="Port">Its distribution port, if about one.</param>
/// <param name="SessionId">The ZooKeeper session involved, 0 if none.</param>
/// <param name="Error">For <see cref="EpmdRegistryEventKind.Failed"/>: why.</param>
public sealed record EpmdRegistryEvent(EpmdRegistryEventKind Kind, string? Name, string? Host, int Port, long SessionId, Exception? Error = null)
{
    public override string ToString()
    {
        var node = Name is null ? "" : string.Create(CultureInfo.InvariantCulture, $" {Name}@{Host ?? "?"} port {Port}");
        var session = string.Create(CultureInfo.InvariantCulture, $"session 0x{SessionId:x}");
        return Kind switch
        {
            EpmdRegistryEventKind.Registered => $"epmd: registered{node} ({session})",
            EpmdRegistryEventKind.Duplicate => $"epmd: refused{node}: the name is taken in the cluster",
            EpmdRegistryEventKind.Unregistered => $"epmd: unregistered{node}",
            EpmdRegistryEventKind.Reregistered => $"epmd: registered again{node} in a new {session}",
            EpmdRegistryEventKind.Lost => $"epmd: lost{node}: another session took the name while ours was replaced; closing its connection",
            _ => $"epmd: ZooKeeper{(Name is null ? "" : " (" + Name + ")")}: {Error?.GetType().Name}: {Error?.Message}; retrying",
        };
    }
}

/// <summary>Counters of a <see cref="ZooKeeperEpmdRegistry"/> since it was made.</summary>
/// <param name="CacheHits">Lookups answered from the watched copy of epmd/.</param>
/// <param name="DirectReads">Lookups that missed the copy and asked ZooKeeper (sync + getData).</param>
/// <param name="DirectHits">Of those, lookups ZooKeeper found (registered a moment ago elsewhere).</param>
/// <param name="Registrations">Registrations written.</param>
/// <param name="Duplicates">Registrations refused for a name held in the cluster.</param>
/// <param name="Reregistrations">Registrations written again in a new session.</param>
/// <param name="Lost">Registrations lost to another session while ours was replaced.</param>
/// <param name="Failures">ZooKeeper calls that failed (the caller was told, or a background write retried).</param>
public readonly record struct EpmdRegistryStatistics(
    long CacheHits, long DirectReads, long DirectHits, long Registrations, long Duplicates, long Reregistrations, long Lost, long Failures);
