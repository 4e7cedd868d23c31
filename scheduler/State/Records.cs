using System.Text.Json.Serialization;
using Drover.Scheduler.Model;
using Drover.Scheduler.Plans;

namespace Drover.Scheduler.State;

/// <summary>
/// What the scheduler keeps in ZooKeeper: one versioned JSON record per znode (<see cref="StatePaths"/>). A reader
/// refuses a format newer than it knows instead of guessing. Records are immutable; the loop writes a new one.
/// </summary>
public static class RecordFormat
{
    public const int Current = 1;
}

/// <summary>The framework id Mesos gave at the first SUBSCRIBED: written before the first launch, never replaced silently.</summary>
public sealed record FrameworkRecord
{
    public int Format { get; init; } = RecordFormat.Current;

    public required string Id { get; init; }

    public DateTimeOffset Registered { get; init; }
}

/// <summary>A cluster: the operator's spec, and a generation that increments with every change of it.</summary>
public sealed record ClusterRecord
{
    public int Format { get; init; } = RecordFormat.Current;

    public required ClusterSpec Spec { get; init; }

    public long Generation { get; init; } = 1;

    /// <summary>The operator deleted the cluster: its nodes leave; the record goes with the last of them.</summary>
    public bool Deleting { get; init; }

    /// <summary>What the kind's planner has learnt and decided (repair history, ring members, dataset size, versions).</summary>
    public ServiceState Service { get; init; } = new();

    [JsonIgnore]
    public string Name => Spec.Name;
}

/// <summary>
/// One node of a cluster, as the scheduler knows it. The identity of its task (incarnation), its agent and its
/// reservation are written here before the ACCEPT that acts on them.
/// </summary>
public sealed record NodeRecord
{
    public int Format { get; init; } = RecordFormat.Current;

    public required string Cluster { get; init; }

    public required string Name { get; init; }

    public int Index { get; init; }

    public NodePhase Phase { get; init; }

    public NodeGoal Goal { get; init; }

    /// <summary>The cluster generation whose configuration the current (or next) task runs.</summary>
    public long Generation { get; init; }

    /// <summary>Counts launches; the task id is &lt;cluster&gt;.&lt;node&gt;.&lt;incarnation&gt;.</summary>
    public long Incarnation { get; init; }

    public string? TaskId { get; init; }

    public string? ExecutorId { get; init; }

    /// <summary>The last task state, e.g. TASK_RUNNING.</summary>
    public string? TaskState { get; init; }

    public bool? Healthy { get; init; }

    public string? Message { get; init; }

    public string? AgentId { get; init; }

    public string? Hostname { get; init; }

    /// <summary>The ledger entry of the reservation and volume the node lives on; null: none yet (or released).</summary>
    public string? Reservation { get; init; }

    /// <summary>The node's ports, reserved with its resources so they stay the same across restarts.</summary>
    public IReadOnlyDictionary<string, int> Ports { get; init; } = new Dictionary<string, int>();

    public DateTimeOffset? LostSince { get; init; }

    /// <summary>Consecutive failed launches or runs since the node was last healthy (relaunch backoff).</summary>
    public int Failures { get; init; }

    /// <summary>No relaunch before this (backoff after failures).</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>How many reservations were made for the node (first placement, replacements, retries): part of the next one's id.</summary>
    public int Placements { get; init; }

    /// <summary>The agent a replaced node left: its next placement goes elsewhere.</summary>
    public string? ReplacedFrom { get; init; }

    /// <summary>The service version the current (or next) task runs (the spec's version at its launch).</summary>
    public string? Version { get; init; }

    /// <summary>
    /// Where the node ran before it was placed afresh (replaced, or its agent gone), until it is healthy at its new
    /// place: what a kind needs to take over the old node's identity (Cassandra's replace_address_first_boot).
    /// </summary>
    public NodeAddress? Previous { get; init; }

    [JsonIgnore]
    public string Key => StatePaths.NodeKey(Cluster, Name);
}

/// <summary>A node's address on an agent: the agent's hostname and the node's named ports there.</summary>
public sealed record NodeAddress(string Host, IReadOnlyDictionary<string, int> Ports);

[JsonConverter(typeof(JsonStringEnumConverter<LedgerState>))]
public enum LedgerState
{
    /// <summary>Written before the ACCEPT that reserves; not seen yet in an offer or operation status.</summary>
    [JsonStringEnumMemberName("INTENDED")]
    Intended,

    /// <summary>The reservation (and volume) exist: an offer showed them or the master said OPERATION_FINISHED.</summary>
    [JsonStringEnumMemberName("CONFIRMED")]
    Confirmed,

    /// <summary>No node needs it any more: destroy the volume and unreserve when an offer holds them.</summary>
    [JsonStringEnumMemberName("RELEASING")]
    Releasing,

    /// <summary>
    /// Intended but never seen, and given up (its ACCEPT was dropped, or the scheduler died around it): released
    /// if an offer ever shows it, forgotten when an offer of its agent does not.
    /// </summary>
    [JsonStringEnumMemberName("ABANDONED")]
    Abandoned,
}

/// <summary>
/// A reservation and persistent volume the framework made: the only resources it ever unreserves or destroys.
/// Resources are kept as Mesos protobuf (base64), exactly as reserved (without allocation info).
/// </summary>
public sealed record LedgerEntry
{
    public int Format { get; init; } = RecordFormat.Current;

    /// <summary>Also the value of the reservation's <c>drover.reservation</c> label and the volume's persistence id.</summary>
    public required string Id { get; init; }

    public required string Cluster { get; init; }

    public required string Node { get; init; }

    public required string AgentId { get; init; }

    public string? Hostname { get; init; }

    public LedgerState State { get; init; }

    /// <summary>Every reserved resource (cpus, mem, disk, ports), base64 of mesos.v1.Resource each.</summary>
    public IReadOnlyList<string> Reserved { get; init; } = [];

    /// <summary>The persistent volume made on the reserved disk (base64 mesos.v1.Resource), if any.</summary>
    public string? Volume { get; init; }

    /// <summary>Operation ids sent for this entry (RESERVE, CREATE, DESTROY, UNRESERVE), for UPDATE_OPERATION_STATUS.</summary>
    public IReadOnlyList<string> Operations { get; init; } = [];

    public DateTimeOffset Created { get; init; }

    /// <summary>When a release was last sent (DESTROY + UNRESERVE); later offers verify it.</summary>
    public DateTimeOffset? ReleaseSent { get; init; }
}

/// <summary>A plan with its progress.</summary>
public sealed record PlanRecord
{
    public int Format { get; init; } = RecordFormat.Current;

    public required string Cluster { get; init; }

    public required string Name { get; init; }

    public Strategy Strategy { get; init; }

    public bool Interrupted { get; init; }

    public DateTimeOffset Created { get; init; }

    public required IReadOnlyList<PhaseRecord> Phases { get; init; }

    [JsonIgnore]
    public string Key => StatePaths.PlanKey(Cluster, Name);

    public static PlanRecord From(Plan plan) => new()
    {
        Cluster = plan.Cluster,
        Name = plan.Name,
        Strategy = plan.Strategy,
        Interrupted = plan.Interrupted,
        Created = plan.Created,
        Phases = [.. plan.Phases.Select(p => new PhaseRecord
        {
            Name = p.Name,
            Strategy = p.Strategy,
            Steps = [.. p.Steps.Select(s => s.Copy())],
        })],
    };

    public Plan ToPlan() => new()
    {
        Name = Name,
        Cluster = Cluster,
        Strategy = Strategy,
        Interrupted = Interrupted,
        Created = Created,
        Phases = [.. Phases.Select(p => new Phase
        {
            Name = p.Name,
            Strategy = p.Strategy,
            Steps = [.. p.Steps.Select(s => s.Copy())],
        })],
    };
}

public sealed record PhaseRecord
{
    public required string Name { get; init; }

    public Strategy Strategy { get; init; }

    /// <summary>Copies of the plan's steps, as they were when the record was made (the loop goes on changing its own).</summary>
    public required IReadOnlyList<Step> Steps { get; init; }
}

/// <summary>Everything loaded at start (or takeover).</summary>
public sealed record StoredState
{
    public FrameworkRecord? Framework { get; init; }

    public IReadOnlyList<ClusterRecord> Clusters { get; init; } = [];

    public IReadOnlyList<NodeRecord> Nodes { get; init; } = [];

    public IReadOnlyList<LedgerEntry> Ledger { get; init; } = [];

    public IReadOnlyList<PlanRecord> Plans { get; init; } = [];
}

/// <summary>One change of the stored state; a batch of them is applied atomically (<see cref="IStateStore.CommitAsync"/>).</summary>
public abstract record StoreWrite
{
    public sealed record PutFramework(FrameworkRecord Record) : StoreWrite;

    public sealed record PutCluster(ClusterRecord Record) : StoreWrite;

    public sealed record DeleteCluster(string Name) : StoreWrite;

    public sealed record PutNode(NodeRecord Record) : StoreWrite;

    public sealed record DeleteNode(string Cluster, string Name) : StoreWrite;

    public sealed record PutLedger(LedgerEntry Entry) : StoreWrite;

    public sealed record DeleteLedger(string Id) : StoreWrite;

    public sealed record PutPlan(PlanRecord Record) : StoreWrite;

    public sealed record DeletePlan(string Cluster, string Name) : StoreWrite;
}

/// <summary>Source-generated JSON of the stored records (AOT).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FrameworkRecord))]
[JsonSerializable(typeof(ClusterRecord))]
[JsonSerializable(typeof(NodeRecord))]
[JsonSerializable(typeof(LedgerEntry))]
[JsonSerializable(typeof(PlanRecord))]
[JsonSerializable(typeof(LeaderInfo))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
