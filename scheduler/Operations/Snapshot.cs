using System.Text.Json.Serialization;
using Drover.Scheduler.Model;
using Drover.Scheduler.Plans;

namespace Drover.Scheduler.Operations;

/// <summary>
/// Everything an operator API shows, at one instant: immutable, published by the loop after each event it
/// handles, read without locks. JSON via <see cref="SnapshotJsonContext"/> (snake_case).
/// </summary>
public sealed record SchedulerSnapshot
{
    public required FrameworkView Framework { get; init; }

    public required SubscriptionView Subscription { get; init; }

    public required IReadOnlyList<ClusterView> Clusters { get; init; }

    /// <summary>Admin operations sent and not yet forgotten (the last ones, replies included).</summary>
    public required IReadOnlyList<AdminOperationView> AdminOperations { get; init; }

    public required OfferCounters Offers { get; init; }

    /// <summary>When this snapshot was taken (the scheduler's clock).</summary>
    public DateTimeOffset Time { get; init; }

    public static SchedulerSnapshot Empty(string framework, string role) => new()
    {
        Framework = new FrameworkView { Name = framework, Role = role },
        Subscription = new SubscriptionView { State = SubscriptionState.Standby },
        Clusters = [],
        AdminOperations = [],
        Offers = new OfferCounters(),
    };
}

public sealed record FrameworkView
{
    public required string Name { get; init; }

    /// <summary>Null until the first SUBSCRIBED; then fixed for good.</summary>
    public string? Id { get; init; }

    public required string Role { get; init; }

    public string? Principal { get; init; }

    /// <summary>Whether this scheduler is the elected leader of its framework name.</summary>
    public bool Leader { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<SubscriptionState>))]
public enum SubscriptionState
{
    /// <summary>Not the leader: waits in the election.</summary>
    [JsonStringEnumMemberName("STANDBY")]
    Standby,

    /// <summary>Leader; subscribing (or resubscribing with backoff).</summary>
    [JsonStringEnumMemberName("SUBSCRIBING")]
    Subscribing,

    /// <summary>Subscribed; explicit reconciliation of the known tasks is not finished: no launches yet.</summary>
    [JsonStringEnumMemberName("RECONCILING")]
    Reconciling,

    [JsonStringEnumMemberName("SUBSCRIBED")]
    Subscribed,

    /// <summary>The master refused the framework (id, credentials, version): the scheduler stops; the message says what to do.</summary>
    [JsonStringEnumMemberName("REFUSED")]
    Refused,
}

public sealed record SubscriptionView
{
    public required SubscriptionState State { get; init; }

    /// <summary>The master's id and address, once subscribed.</summary>
    public string? Master { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? LastHeartbeat { get; init; }

    /// <summary>Whether offers are suppressed (nothing pending).</summary>
    public bool Suppressed { get; init; }

    /// <summary>Tasks still waiting for their explicit reconciliation answer.</summary>
    public int Reconciling { get; init; }

    public string? Message { get; init; }
}

public sealed record OfferCounters
{
    public long Received { get; init; }

    public long Used { get; init; }

    public long Declined { get; init; }

    public long Rescinded { get; init; }
}

public sealed record ClusterView
{
    public required string Name { get; init; }

    public required ClusterKind Kind { get; init; }

    public required ClusterSpec Spec { get; init; }

    /// <summary>Increments with every change of the spec; a node runs the generation it was launched with.</summary>
    public long Generation { get; init; }

    /// <summary>The cluster is being deleted: its nodes leave, then it disappears.</summary>
    public bool Deleting { get; init; }

    public required IReadOnlyList<NodeView> Nodes { get; init; }

    public required IReadOnlyList<PlanView> Plans { get; init; }

    /// <summary>The kind's own view (repair schedule and history, ring members, dataset and drillbits, versions), if it has one.</summary>
    public ServiceView? Service { get; init; }
}

public sealed record NodeView
{
    public required string Cluster { get; init; }

    public required string Name { get; init; }

    public int Index { get; init; }

    public required NodePhase Phase { get; init; }

    public required NodeGoal Goal { get; init; }

    /// <summary>True or false once a check said so; null when unknown (no checks, or none has run yet).</summary>
    public bool? Healthy { get; init; }

    public string? TaskId { get; init; }

    /// <summary>The last Mesos task state, e.g. TASK_RUNNING.</summary>
    public string? TaskState { get; init; }

    public string? Message { get; init; }

    public string? AgentId { get; init; }

    public string? Hostname { get; init; }

    /// <summary>The node's named ports on its agent (reserved).</summary>
    public IReadOnlyDictionary<string, int> Ports { get; init; } = new Dictionary<string, int>();

    /// <summary>host:port per named port, from the registry record when the node registered, else from the reservation.</summary>
    public IReadOnlyDictionary<string, string> Endpoints { get; init; } = new Dictionary<string, string>();

    public string? PersistenceId { get; init; }

    /// <summary>The cluster generation (configuration) the task runs.</summary>
    public long Generation { get; init; }

    /// <summary>The service version the task runs.</summary>
    public string? Version { get; init; }

    public DateTimeOffset? LostSince { get; init; }

    public int Failures { get; init; }
}

public sealed record PlanView
{
    public required string Name { get; init; }

    public required PlanStatus Status { get; init; }

    public required Strategy Strategy { get; init; }

    public bool Interrupted { get; init; }

    public required IReadOnlyList<PhaseView> Phases { get; init; }

    public int StepsComplete { get; init; }

    public int StepsTotal { get; init; }
}

public sealed record PhaseView
{
    public required string Name { get; init; }

    public required PlanStatus Status { get; init; }

    public required Strategy Strategy { get; init; }

    public required IReadOnlyList<StepView> Steps { get; init; }
}

public sealed record StepView
{
    public required string Name { get; init; }

    public required StepStatus Status { get; init; }

    /// <summary>The kind of action: run_node, reserve_node, restart_node, replace_node, remove_node, admin, wait, service:&lt;operation&gt;.</summary>
    public required string Action { get; init; }

    public string? Node { get; init; }

    public string? Message { get; init; }

    public DateTimeOffset? Started { get; init; }

    public DateTimeOffset? Finished { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<AdminOperationState>))]
public enum AdminOperationState
{
    /// <summary>Waiting to be sent (the node's task is not running yet, or the master is not connected).</summary>
    [JsonStringEnumMemberName("PENDING")]
    Pending,

    /// <summary>Sent to the executor; no reply yet.</summary>
    [JsonStringEnumMemberName("SENT")]
    Sent,

    [JsonStringEnumMemberName("SUCCEEDED")]
    Succeeded,

    [JsonStringEnumMemberName("FAILED")]
    Failed,

    /// <summary>The executor did not run it (unknown operation or task, task not running, bad arguments).</summary>
    [JsonStringEnumMemberName("REJECTED")]
    Rejected,

    [JsonStringEnumMemberName("TIMED_OUT")]
    TimedOut,
}

public sealed record AdminOperationView
{
    public required string RequestId { get; init; }

    public required string Cluster { get; init; }

    public required string Node { get; init; }

    public required string Operation { get; init; }

    public IReadOnlyDictionary<string, string> Arguments { get; init; } = new Dictionary<string, string>();

    public required AdminOperationState State { get; init; }

    /// <summary>The operation's output (bounded by the executor) or why it was rejected.</summary>
    public string? Output { get; init; }

    public DateTimeOffset Requested { get; init; }

    public DateTimeOffset? Replied { get; init; }

    /// <summary>The plan step that sent it, if any ("plan/phase/step").</summary>
    public string? Step { get; init; }
}

/// <summary>Source-generated JSON for the operator's read side (AOT).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SchedulerSnapshot))]
[JsonSerializable(typeof(ClusterView))]
[JsonSerializable(typeof(IReadOnlyList<ClusterView>))]
[JsonSerializable(typeof(NodeView))]
[JsonSerializable(typeof(PlanView))]
[JsonSerializable(typeof(AdminOperationView))]
[JsonSerializable(typeof(OperationResult))]
public sealed partial class SnapshotJsonContext : JsonSerializerContext;
