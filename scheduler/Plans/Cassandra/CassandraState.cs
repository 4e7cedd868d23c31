using System.Text.Json.Serialization;

namespace Drover.Scheduler.Plans.Cassandra;

/// <summary>What the scheduler knows of a Cassandra ring beyond its nodes' tasks (kept in the cluster's record).</summary>
public sealed record CassandraState
{
    /// <summary>Each node's Host ID as the node reported it, with the placement it ran at: what removenode needs once the node is gone.</summary>
    public IReadOnlyDictionary<string, HostIdRecord> HostIds { get; init; } = new Dictionary<string, HostIdRecord>();

    /// <summary>Nodes that owned ranges a later bootstrap took over: nodetool cleanup would drop that data (an operator decides when).</summary>
    public IReadOnlyList<string> CleanupNeeded { get; init; } = [];

    /// <summary>The keyspace the operator's cleanup plan works on (null: every keyspace).</summary>
    public string? CleanupKeyspace { get; init; }

    /// <summary>When the ring first had every node it was asked for (later bootstraps are scale-ups).</summary>
    public DateTimeOffset? RingComplete { get; init; }

    /// <summary>When a node last finished bootstrapping: the next one waits the bootstrap gap after it.</summary>
    public DateTimeOffset? LastBootstrap { get; init; }

    public RepairState Repair { get; init; } = new();
}

/// <summary>A node's Host ID, learnt at its <paramref name="Placement"/>-th placement.</summary>
public sealed record HostIdRecord(string HostId, int Placement, DateTimeOffset Learned);

/// <summary>The repair schedule: rounds of <c>nodetool repair -pr</c>, one node at a time, and what each node's last run did.</summary>
public sealed record RepairState
{
    /// <summary>When the next round starts (null: not scheduled, e.g. before the ring is complete).</summary>
    public DateTimeOffset? NextRound { get; init; }

    /// <summary>Rounds started so far.</summary>
    public int Rounds { get; init; }

    public DateTimeOffset? RoundStarted { get; init; }

    /// <summary>The last run per node.</summary>
    public IReadOnlyDictionary<string, RepairRun> Last { get; init; } = new Dictionary<string, RepairRun>();

    /// <summary>The last successful run per node (what gc_grace_seconds is measured from).</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> LastSuccess { get; init; } = new Dictionary<string, DateTimeOffset>();

    /// <summary>Runs, newest first (bounded).</summary>
    public IReadOnlyList<RepairRun> History { get; init; } = [];
}

[JsonConverter(typeof(JsonStringEnumConverter<RepairOutcome>))]
public enum RepairOutcome
{
    [JsonStringEnumMemberName("SUCCEEDED")]
    Succeeded,

    [JsonStringEnumMemberName("FAILED")]
    Failed,

    /// <summary>The node did not run when its turn came: repaired in the next round.</summary>
    [JsonStringEnumMemberName("SKIPPED")]
    Skipped,
}

/// <summary>One node's repair in one round.</summary>
public sealed record RepairRun(string Node, int Round, DateTimeOffset Started, DateTimeOffset Finished, RepairOutcome Outcome, string Output);

/// <summary>The operator's view of a Cassandra ring (<c>service.cassandra</c>).</summary>
public sealed record CassandraView
{
    public required IReadOnlyList<string> Seeds { get; init; }

    public required IReadOnlyList<string> CleanupNeeded { get; init; }

    public required IReadOnlyDictionary<string, string> HostIds { get; init; }

    public required RepairView Repair { get; init; }
}

public sealed record RepairView
{
    public bool Enabled { get; init; }

    public double GcGraceSeconds { get; init; }

    /// <summary>From one round's start to the next (seconds).</summary>
    public double IntervalSeconds { get; init; }

    public DateTimeOffset? NextRound { get; init; }

    public int Rounds { get; init; }

    public DateTimeOffset? RoundStarted { get; init; }

    /// <summary>Each node's last run and the time by which it must be repaired again (its last success plus gc_grace_seconds).</summary>
    public required IReadOnlyList<RepairNodeView> Nodes { get; init; }

    public required IReadOnlyList<RepairRun> History { get; init; }
}

public sealed record RepairNodeView
{
    public required string Node { get; init; }

    public RepairRun? Last { get; init; }

    public DateTimeOffset? LastSuccess { get; init; }

    public DateTimeOffset? DueBy { get; init; }
}
