using Drover.Executor.Core;
using Drover.Executor.Registration;
using Drover.Executor.Supervision;
using Drover.Mesos.V1;

namespace Drover.Executor.Tasks;

/// <summary>Where a task is in its life. One value, not a pile of booleans.</summary>
public enum TaskPhase
{
    /// <summary>TASK_STARTING sent; the process is being spawned.</summary>
    Starting,

    /// <summary>The service process is alive.</summary>
    Running,

    /// <summary>The service failed and waits out its restart backoff; no process exists.</summary>
    BackingOff,

    /// <summary>SIGTERM sent; SIGKILL follows at the deadline.</summary>
    Killing,

    /// <summary>The process exited and its outcome is decided; the terminal update waits for its output to drain.</summary>
    Ending,

    /// <summary>The terminal update is created (it may still await acknowledgement).</summary>
    Terminated,
}

/// <summary>One task this executor runs, owned by the executor loop.</summary>
public sealed class ServiceTask(TaskInfo info, LaunchPlan plan, TaskGroup? group)
{
    public TaskInfo Info { get; } = info;

    public string Id => Info.TaskId.Value;

    public LaunchPlan Plan { get; } = plan;

    public TaskGroup? Group { get; } = group;

    public TaskPhase Phase { get; set; } = TaskPhase.Starting;

    public IServiceProcess? Process { get; set; }

    /// <summary>Bumped at each spawn, so a timer for an earlier incarnation is recognised as stale.</summary>
    public long Incarnation { get; set; }

    public RestartHistory Restarts { get; } = new();

    /// <summary>At least one of this task's updates was acknowledged (Mesos' executor HTTP API, "Unacknowledged Tasks").</summary>
    public bool Acknowledged { get; set; }

    public KillAttempt? Kill { get; set; }

    /// <summary>The terminal update waiting for the output to drain (<see cref="TaskPhase.Ending"/>).</summary>
    public PendingEnd? Ending { get; set; }

    /// <summary>Set when a health check asked for the kill: the terminal update says healthy = false.</summary>
    public bool KilledUnhealthy { get; set; }

    /// <summary>The last exit, for the message of a later terminal update.</summary>
    public string? LastExit { get; set; }

    /// <summary>Health of the current incarnation; null when the task has no checks.</summary>
    public Health.TaskHealth? Health { get; set; }

    /// <summary>Per check: the id of the probe in flight, so a late result of an earlier one is dropped.</summary>
    public long[] CheckAttempts { get; set; } = [];

    /// <summary>Where the node registers (NodeSpec.zookeeper); null: it runs without a registry.</summary>
    public Drover.Registry.RegistryOptions? RegistryOptions { get; set; }

    /// <summary>The node's registry entry, from its first start to its terminal update.</summary>
    public RegistryEntry? Registration { get; set; }

    /// <summary>The task's cEPMD (a port named `epmd`), from before its first start to its terminal update.</summary>
    public Cepmd.TaskEpmd? Epmd { get; set; }

    public bool IsActive => Phase != TaskPhase.Terminated;
}

/// <summary>A kill in progress: its id (for stale escalation timers) and SIGKILL deadline (on the loop's clock).</summary>
public sealed record KillAttempt(long Id, TimeSpan Deadline, string Reason);

/// <summary>The terminal state and message a task ends with once its output is drained.</summary>
public sealed record PendingEnd(TaskState State, string Message);

/// <summary>Tasks launched together by LAUNCH_GROUP: one failing or killed kills the rest (Mesos' default executor).</summary>
public sealed class TaskGroup(IReadOnlyList<string> taskIds)
{
    public IReadOnlyList<string> TaskIds { get; } = taskIds;

    public bool Killing { get; set; }
}
