using System.Text.Json.Serialization;
using Drover.Mesos.V1;

namespace Drover.Scheduler.Model;

/// <summary>
/// Where a node is in its life, as the scheduler knows it. One value, never a set of flags: every task status
/// moves it through <see cref="NodeLifecycle.OnTaskState"/>, and the loop moves it on its own decisions
/// (launch, kill, leave, replace). Whether the node holds a reservation is a separate fact of its record.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<NodePhase>))]
public enum NodePhase
{
    /// <summary>No task: waits for an offer (on its own reservation when it has one, else anywhere that fits).</summary>
    [JsonStringEnumMemberName("PENDING")]
    Pending,

    /// <summary>An ACCEPT launching its task was sent; no status has come back yet.</summary>
    [JsonStringEnumMemberName("LAUNCHING")]
    Launching,

    /// <summary>TASK_STAGING or TASK_STARTING.</summary>
    [JsonStringEnumMemberName("STARTING")]
    Starting,

    /// <summary>TASK_RUNNING; health is the record's <c>healthy</c>.</summary>
    [JsonStringEnumMemberName("RUNNING")]
    Running,

    /// <summary>A KILL was sent, or TASK_KILLING came.</summary>
    [JsonStringEnumMemberName("KILLING")]
    Killing,

    /// <summary>The task ended (finished, failed, killed, error, dropped, unknown); the reservation stays for a relaunch in place.</summary>
    [JsonStringEnumMemberName("STOPPED")]
    Stopped,

    /// <summary>TASK_LOST or TASK_UNREACHABLE: the agent is out of reach; the task may come back. Replaced after replace_after.</summary>
    [JsonStringEnumMemberName("LOST")]
    Lost,

    /// <summary>Scale down: the node runs its personality's leave operation before its task is killed.</summary>
    [JsonStringEnumMemberName("LEAVING")]
    Leaving,

    /// <summary>Gone for good from the cluster; its reservation is released through the ledger, then the record is deleted.</summary>
    [JsonStringEnumMemberName("REMOVED")]
    Removed,
}

/// <summary>What the scheduler wants of a node (the plans set it; the loop drives the phase towards it).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NodeGoal>))]
public enum NodeGoal
{
    /// <summary>Keep it running at the cluster's current configuration, on its reservation.</summary>
    [JsonStringEnumMemberName("RUN")]
    Run,

    /// <summary>Kill the task, then run again in place (operator restart, rolling update).</summary>
    [JsonStringEnumMemberName("RESTART")]
    Restart,

    /// <summary>Give up its reservation and agent: run again elsewhere (replace_after passed, or the operator said so).</summary>
    [JsonStringEnumMemberName("REPLACE")]
    Replace,

    /// <summary>Scale down: leave the cluster, kill the task, release the reservation.</summary>
    [JsonStringEnumMemberName("REMOVE")]
    Remove,
}

/// <summary>The node state machine's reaction to Mesos task states.</summary>
public static class NodeLifecycle
{
    /// <summary>
    /// The phase a task status moves a node to. <paramref name="current"/> matters only for statuses that say
    /// nothing new about a node that has moved on (a late TASK_STARTING after TASK_RUNNING keeps Running).
    /// </summary>
    public static NodePhase OnTaskState(NodePhase current, TaskState state) => state switch
    {
        TaskState.TaskStaging or TaskState.TaskStarting => current is NodePhase.Running or NodePhase.Killing or NodePhase.Leaving ? current : NodePhase.Starting,
        TaskState.TaskRunning => current is NodePhase.Killing or NodePhase.Leaving ? current : NodePhase.Running,
        TaskState.TaskKilling => NodePhase.Killing,
        // The task is no more; its reservation (if any) is intact: relaunch in place, or finish removing.
        TaskState.TaskFinished or TaskState.TaskFailed or TaskState.TaskKilled or TaskState.TaskError
            or TaskState.TaskDropped or TaskState.TaskUnknown => NodePhase.Stopped,
        // The agent is partitioned: the task may come back (PARTITION_AWARE); wait, then replace.
        TaskState.TaskLost or TaskState.TaskUnreachable => NodePhase.Lost,
        // The agent is gone for good, and its reservations with it: the caller moves the node elsewhere.
        TaskState.TaskGone or TaskState.TaskGoneByOperator => NodePhase.Stopped,
        _ => current,
    };

    /// <summary>True when the task no longer runs and will not come back.</summary>
    public static bool IsTerminal(TaskState state) => state is TaskState.TaskFinished or TaskState.TaskFailed
        or TaskState.TaskKilled or TaskState.TaskError or TaskState.TaskDropped or TaskState.TaskGone
        or TaskState.TaskGoneByOperator or TaskState.TaskUnknown;

    /// <summary>True when the agent (and with it the node's reservation and volume) is gone for good.</summary>
    public static bool AgentGone(TaskState state) => state is TaskState.TaskGone or TaskState.TaskGoneByOperator;

    /// <summary>Whether a node in this phase has (or may have) a live task.</summary>
    public static bool HasTask(this NodePhase phase) =>
        phase is NodePhase.Launching or NodePhase.Starting or NodePhase.Running or NodePhase.Killing or NodePhase.Lost or NodePhase.Leaving;
}
