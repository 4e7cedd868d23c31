namespace Drover.Executor.Core;

/// <summary>
/// Where the executor is in its life: one value instead of flags to decode (launched-any, shutdown cause,
/// acknowledgement deadline armed, exit code). <see cref="Settle"/> is the exit rule, applied after every event.
/// </summary>
public abstract record ExecutorPhase
{
    private ExecutorPhase()
    {
    }

    /// <summary>Nothing launched yet and no reason to stop: it waits for work, however long.</summary>
    public sealed record AwaitingWork : ExecutorPhase;

    /// <summary>Tasks were launched; it serves while any is active.</summary>
    public sealed record Serving : ExecutorPhase;

    /// <summary>
    /// Every task ended but some update is unacknowledged: exit once none is, or at <paramref name="Deadline"/>
    /// (an agent that never acknowledges must not keep the executor forever). A launch makes it serve again.
    /// </summary>
    public sealed record Draining(TimeSpan Deadline) : ExecutorPhase;

    /// <summary>
    /// SHUTDOWN, SIGTERM or SIGINT: every task is killed and no new one starts; exit 0 once all is reported,
    /// with the same acknowledgement deadline as <see cref="Draining"/> once no task is left.
    /// </summary>
    public sealed record ShuttingDown(string Why, TimeSpan? DrainDeadline = null) : ExecutorPhase;

    /// <summary>The agent is gone for good: the tasks are killed, and the executor exits 1 once none is active (their updates cannot be delivered).</summary>
    public sealed record AgentLost(string Why) : ExecutorPhase;

    /// <summary>Done: the loop stops and the process exits with <paramref name="Code"/>.</summary>
    public sealed record Exited(int Code, string Why) : ExecutorPhase;

    /// <summary>New tasks are refused (each fails with the reason).</summary>
    public bool RefusesLaunches => this is ShuttingDown or AgentLost or Exited;

    /// <summary>
    /// The exit rule (Mesos' default executor: exit once no task is active and nothing is left to report),
    /// given whether any task is active and how many updates await acknowledgement; <paramref name="now"/>
    /// and <paramref name="acknowledgementTimeout"/> set a drain's deadline.
    /// </summary>
    public ExecutorPhase Settle(bool anyActive, int unacknowledged, TimeSpan now, TimeSpan acknowledgementTimeout) => this switch
    {
        Exited or AwaitingWork => this,
        AgentLost lost => anyActive ? this : new Exited(1, lost.Why),
        _ when anyActive => this is Draining ? new Serving() : this,
        ShuttingDown shutdown when unacknowledged == 0 => new Exited(0, shutdown.Why),
        _ when unacknowledged == 0 => new Exited(0, "every task ended and every update was acknowledged"),
        Serving => new Draining(now + acknowledgementTimeout),
        ShuttingDown { DrainDeadline: null } shutdown => shutdown with { DrainDeadline = now + acknowledgementTimeout },
        _ => this,
    };

    /// <summary>The deadline a drain is waiting for, if it is draining.</summary>
    public TimeSpan? DrainsUntil => this switch
    {
        Draining draining => draining.Deadline,
        ShuttingDown { DrainDeadline: { } deadline } => deadline,
        _ => null,
    };
}
