using Drover.Executor.Configuration;
using Drover.Executor.Logging;
using Drover.Executor.Tasks;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;

namespace Drover.Executor.Core;

/// <summary>
/// Kills and shutdown (style.md #14): optional TASK_KILLING, SIGTERM to the process group,
/// then a timer that sends SIGKILL if the task still exists; a repeated kill only shortens
/// the grace. Grace comes from the KILL event's policy, else TaskInfo.kill_policy, else 3 s.
/// </summary>
public sealed partial class ExecutorLoop
{
    private sealed record ShutdownCause(string Why, bool AgentLost);

    private ShutdownCause? _shutdown;
    private long _killIds;

    private void OnKill(Event.Types.Kill kill)
    {
        var id = kill.TaskId?.Value ?? "";
        if (!_tasks.TryGetValue(id, out var task) || !task.IsActive)
        {
            Log.Warning("ignoring KILL: the task is not active here", id);
            return;
        }

        Kill(task, kill.KillPolicy, "KILL from the scheduler");
    }

    private void Kill(ServiceTask task, KillPolicy? policy, string reason)
    {
        var grace = GracePeriod(task, policy);
        var deadline = NowMs + (long)grace.TotalMilliseconds;
        switch (task.Phase)
        {
            case TaskPhase.Terminated:
                return;

            case TaskPhase.BackingOff:
                Terminate(task, TaskState.TaskKilled, $"killed ({reason}) while waiting to restart after: {task.LastExit}");
                return;

            case TaskPhase.Killing when task.Kill is { } current:
                if (deadline < current.DeadlineMs)
                {
                    Log.Info($"kill again ({reason}): grace shortened to {Drover.Mesos.MesosDuration.Format(grace)}", task.Id);
                    task.Kill = current with { Id = ++_killIds, DeadlineMs = deadline };
                    ScheduleEscalation(task, grace);
                }

                return;

            default:
                task.Phase = TaskPhase.Killing;
                task.Kill = new KillAttempt(++_killIds, deadline, reason);
                task.Registration?.Update(Drover.Registry.NodeState.Killing, task.Health?.Healthy);
                if (FrameworkHasCapability(FrameworkInfo.Types.Capability.Types.Type.TaskKillingState))
                {
                    Forward(task, _statuses.Create(task.Info.TaskId, TaskState.TaskKilling, reason));
                }

                Log.Info($"killing ({reason}): grace period {Drover.Mesos.MesosDuration.Format(grace)}", task.Id);
                ScheduleEscalation(task, grace);
                BeginStop(task, grace);
                return;
        }
    }

    private void ScheduleEscalation(ServiceTask task, TimeSpan grace) =>
        Schedule(grace, new KillEscalationDue(task.Id, task.Kill!.Id));

    private void OnKillEscalation(KillEscalationDue due)
    {
        if (!_tasks.TryGetValue(due.TaskId, out var task) || task.Phase != TaskPhase.Killing || task.Kill?.Id != due.KillId)
        {
            return; // it ended in time, or a later kill owns the clock
        }

        Log.Warning("did not terminate within its grace period: SIGKILL to its session", task.Id);
        task.Process?.KillSession();
    }

    private TimeSpan GracePeriod(ServiceTask task, KillPolicy? policy)
    {
        var grace = policy?.GracePeriod is { } fromEvent ? FromDuration(fromEvent)
            : task.Plan.KillGracePeriod ?? ExecutorSettings.DefaultKillGracePeriod;
        if (_shutdown is not null)
        {
            var cap = ShutdownKillBudget();
            grace = grace < cap ? grace : cap;
        }

        return grace < TimeSpan.Zero ? TimeSpan.Zero : grace;
    }

    private static TimeSpan FromDuration(DurationInfo duration) => TimeSpan.FromTicks(duration.Nanoseconds / 100);

    /// <summary>
    /// Under SHUTDOWN the agent destroys the container after MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD:
    /// escalate early enough (a fifth of the period, at most a second) to reap and report first.
    /// </summary>
    private TimeSpan ShutdownKillBudget()
    {
        var period = _settings.ShutdownGracePeriod;
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, period.Ticks / 5));
        return period - margin;
    }

    /// <summary>SHUTDOWN, or SIGTERM/SIGINT to the executor: kill every task, report, exit.</summary>
    private void Shutdown(string why)
    {
        if (_shutdown is not null)
        {
            Log.Info($"already shutting down ({_shutdown.Why}); ignoring: {why}");
            return;
        }

        Log.Info($"shutting down: {why}");
        _shutdown = new ShutdownCause(why, AgentLost: false);
        KillAll(why);
    }

    /// <summary>The agent is gone for good: stop the services (their updates cannot be delivered) and exit.</summary>
    private void StopAfterAgentLoss(string why)
    {
        Log.Warning($"stopping all services: {why}");
        _shutdown = new ShutdownCause(why, AgentLost: true);
        KillAll(why);
    }

    private void KillAll(string why)
    {
        foreach (var task in _tasks.Values.ToList())
        {
            if (task.IsActive)
            {
                Kill(task, policy: null, why);
            }
        }

        MaybeExit();
    }
}
