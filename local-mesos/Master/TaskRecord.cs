using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.LocalMesos.Master;

/// <summary>A task the master knows: where it runs, what it holds, its latest status.</summary>
internal sealed class TaskRecord(string frameworkId, TaskInfo info, string executorId, ResourceSet resources)
{
    public string FrameworkId { get; } = frameworkId;

    public TaskInfo Info { get; } = info;

    public string Id => Info.TaskId.Value;

    public string AgentId => Info.AgentId.Value;

    public string ExecutorId { get; } = executorId;

    /// <summary>Task resources (no allocation info), freed when the task is terminal.</summary>
    public ResourceSet Resources { get; } = resources;

    public TaskState State { get; set; } = TaskState.TaskStaging;

    public TaskStatus? Latest { get; set; }

    /// <summary>Uuids of updates the scheduler has not acknowledged.</summary>
    public HashSet<Google.Protobuf.ByteString> Pending { get; } = [];

    /// <summary>The state before the agent went unreachable, restored when it comes back.</summary>
    public TaskState? BeforeUnreachable { get; set; }

    /// <summary>Whether its resources went back to the agent.</summary>
    public bool Freed { get; set; }

    public bool IsTerminal => TaskStates.IsTerminal(State);
}

internal static class TaskStates
{
    public static bool IsTerminal(TaskState state) => state is TaskState.TaskFinished or TaskState.TaskFailed or TaskState.TaskKilled
        or TaskState.TaskError or TaskState.TaskDropped or TaskState.TaskGone or TaskState.TaskGoneByOperator or TaskState.TaskLost;
}
