namespace Drover.Scheduler.Plans.Riak;

/// <summary>
/// The Riak ring's membership as the scheduler staged and committed it, by Erlang node name (name@host). Riak's
/// own changes are staged (join, leave, replace), shown (plan) and committed in one batch.
/// </summary>
public sealed record RiakState
{
    /// <summary>Committed members.</summary>
    public IReadOnlyList<string> Members { get; init; } = [];

    /// <summary>Joins staged, not committed yet.</summary>
    public IReadOnlyList<string> Joining { get; init; } = [];

    /// <summary>Leaves staged (or force-removes of nodes that were down), not committed yet.</summary>
    public IReadOnlyList<string> Leaving { get; init; } = [];

    /// <summary>Replacements staged (old name → new name: a node placed afresh on another host), not committed yet.</summary>
    public IReadOnlyDictionary<string, string> Replacing { get; init; } = new Dictionary<string, string>();

    /// <summary>Leaves committed: the nodes hand their partitions off, then stop by themselves.</summary>
    public IReadOnlyList<string> Transferring { get; init; } = [];

    public bool Staged => Joining.Count > 0 || Leaving.Count > 0 || Replacing.Count > 0;
}

/// <summary>The operator's view of a Riak cluster (<c>service.riak</c>).</summary>
public sealed record RiakView
{
    public required IReadOnlyList<string> Members { get; init; }

    public required IReadOnlyList<string> Joining { get; init; }

    public required IReadOnlyList<string> Leaving { get; init; }

    public required IReadOnlyDictionary<string, string> Replacing { get; init; }

    public required IReadOnlyList<string> Transferring { get; init; }

    /// <summary>Whether the nodes resolve their peers through Drover's EPMD module (OTP 21 or later).</summary>
    public bool EpmdModule { get; init; }
}
