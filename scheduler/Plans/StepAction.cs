using System.Text.Json.Serialization;

namespace Drover.Scheduler.Plans;

/// <summary>
/// What a step does. Data only (persisted with the plan); the loop carries each kind out
/// (<c>SchedulerLoop.Steps</c>). Every kind completes on a fact the scheduler observes (a task status with
/// health, an admin reply, the clock), never on a guess. Issue 12's service plans are made of these.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RunNode), "run_node")]
[JsonDerivedType(typeof(ReserveNode), "reserve_node")]
[JsonDerivedType(typeof(RestartNode), "restart_node")]
[JsonDerivedType(typeof(ReplaceNode), "replace_node")]
[JsonDerivedType(typeof(RemoveNode), "remove_node")]
[JsonDerivedType(typeof(AdminStep), "admin")]
[JsonDerivedType(typeof(WaitStep), "wait")]
[JsonDerivedType(typeof(ServiceStep), "service")]
public abstract record StepAction
{
    /// <summary>The node the step acts on, if any.</summary>
    [JsonIgnore]
    public virtual string? Node => null;
}

/// <summary>
/// The node runs the cluster's current configuration and is healthy: launched if it has no task, restarted in
/// place if it runs an older configuration (rolling update), left alone if it is already there. Deploy,
/// scale up and update plans are made of these.
/// </summary>
public sealed record RunNode(string NodeName) : StepAction
{
    public override string? Node => NodeName;
}

/// <summary>
/// The node holds a reservation (resources, volume, ports) on an agent, with no task yet: for a kind whose nodes
/// must know where the others will be before the first one starts (Cassandra's seeds, each launched with every
/// seed's address). Complete once the node is placed; a later <see cref="RunNode"/> launches it on that reservation.
/// </summary>
public sealed record ReserveNode(string NodeName) : StepAction
{
    public override string? Node => NodeName;
}

/// <summary>Kill the node's task and relaunch it in place; complete when it is healthy again.</summary>
public sealed record RestartNode(string NodeName) : StepAction
{
    public override string? Node => NodeName;
}

/// <summary>Abandon the node's reservation and agent and run it elsewhere; complete when healthy there.</summary>
public sealed record ReplaceNode(string NodeName) : StepAction
{
    public override string? Node => NodeName;
}

/// <summary>
/// Scale down: the node runs <paramref name="LeaveOperation"/> (if any) through its executor, then its task is
/// killed, its volume destroyed and its reservation released; complete when the ledger holds nothing of it.
/// </summary>
public sealed record RemoveNode(string NodeName, string? LeaveOperation) : StepAction
{
    public override string? Node => NodeName;
}

/// <summary>An admin operation on a running node (AdminRequest); complete when it answers SUCCEEDED.</summary>
public sealed record AdminStep(string NodeName, string Operation, IReadOnlyDictionary<string, string> Arguments) : StepAction
{
    public override string? Node => NodeName;
}

/// <summary>A pause (e.g. a gap between bootstraps), timed by the scheduler's TimeProvider.</summary>
public sealed record WaitStep(TimeSpan Duration) : StepAction;

/// <summary>
/// A step whose meaning belongs to the cluster's kind (<see cref="IServicePlanner"/>): when it starts, the planner
/// decides which node gets which admin operation with which arguments, or that the step waits, or that there is
/// nothing to do; when the executor answers, the planner decides whether it is done, tried again later, or failed,
/// and what the cluster learnt (ring members, repair results, host ids). <paramref name="Operation"/> names the
/// step's purpose to its planner (e.g. join, commit, repair, gap); <paramref name="NodeName"/> the node it is
/// about, if any (not necessarily the one the operation runs on). With <paramref name="Leaves"/> the node is
/// marked leaving before the operation is sent, so that its task ending afterwards is not taken for a failure.
/// </summary>
public sealed record ServiceStep(string? NodeName, string Operation, bool Leaves = false) : StepAction
{
    public override string? Node => NodeName;
}
