namespace Drover.Scheduler.Model;

/// <summary>
/// A CASSANDRA cluster's own settings (<c>cassandra</c> in the spec; every field optional). The ring is born
/// seeds first, each healthy before the next, then one bootstrap at a time with a gap; every node is repaired
/// on a schedule that fits inside <c>gc_grace_seconds</c> (scheduler/Plans/Cassandra).
/// </summary>
public sealed record CassandraSpec
{
    /// <summary>How many nodes are seeds: the first ones by index (default min(3, count)).</summary>
    public int? Seeds { get; set; }

    /// <summary>
    /// The pause between the end of one node's bootstrap and the start of the next (Mesos duration, default
    /// 2mins: Cassandra's advice for consistent range movements).
    /// </summary>
    public string? BootstrapGap { get; set; }

    /// <summary>JVM options of every node (JVM_EXTRA_OPTS, read by cassandra-env.sh); a change rolls through the ring.</summary>
    public IReadOnlyList<string> JvmOptions { get; set; } = [];

    public RepairSpec Repair { get; set; } = new();
}

/// <summary>The periodic <c>nodetool repair -pr</c> of every node, one node at a time across the ring.</summary>
public sealed record RepairSpec
{
    /// <summary>Off: no round starts by itself (an operator can still start one).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The tables' gc_grace_seconds (Cassandra's default 864000, ten days): every node is repaired within it.</summary>
    public int? GcGraceSeconds { get; set; }

    /// <summary>From the start of one round to the start of the next (Mesos duration; default half of gc_grace_seconds).</summary>
    public string? Interval { get; set; }

    /// <summary>Only this keyspace (default: every keyspace).</summary>
    public string? Keyspace { get; set; }
}
