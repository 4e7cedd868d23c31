using Drover.Executor.Configuration;
using Drover.Logging;
using Drover.Executor.Personalities;
using Drover.Executor.Tasks;
using Drover.Mesos;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;
using Drover.Posix;
using Drover.Registry;

namespace Drover.Executor.Core;

/// <summary>
/// Kills: optional TASK_KILLING, the personality's graceful-stop steps, SIGTERM to the process group, then a
/// timer that sends SIGKILL if the task still exists; a repeated kill only shortens the grace. Grace comes
/// from the KILL event's policy, else TaskInfo.kill_policy, else 3 s, and under shutdown is capped so the
/// agent's own shutdown grace is not overrun.
/// </summary>
public sealed partial class ExecutorLoop
{
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
        var deadline = Now + grace;
        switch (task.Phase)
        {
            case TaskPhase.Terminated or TaskPhase.Ending:
                return; // its terminal update is made, or about to be

            case TaskPhase.Starting:
                Terminate(task, TaskState.TaskKilled, $"killed ({reason}) before its process started");
                return;

            case TaskPhase.BackingOff:
                Terminate(task, TaskState.TaskKilled, $"killed ({reason}) while waiting to restart after: {task.LastExit}");
                return;

            case TaskPhase.Killing when task.Kill is { } current:
                if (deadline < current.Deadline)
                {
                    Log.Info($"kill again ({reason}): grace shortened to {MesosDuration.Format(grace)}", task.Id);
                    task.Kill = current with { Id = ++_killIds, Deadline = deadline };
                    ScheduleEscalation(task, grace);
                }

                return;

            default:
                task.Phase = TaskPhase.Killing;
                task.Kill = new KillAttempt(++_killIds, deadline, reason);
                task.Registration?.Update(NodeState.Killing, task.Health?.Healthy);
                if (FrameworkHasCapability(FrameworkInfo.Types.Capability.Types.Type.TaskKillingState))
                {
                    Forward(task, _statuses.Create(task.Info.TaskId, TaskState.TaskKilling, reason));
                }

                Log.Info($"killing ({reason}): grace period {MesosDuration.Format(grace)}", task.Id);
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

    /// <summary>The KILL event's policy, else the task's, else Mesos' default; capped while shutting down.</summary>
    private TimeSpan GracePeriod(ServiceTask task, KillPolicy? policy)
    {
        var grace = policy?.GracePeriod?.ToTimeSpan() ?? task.Plan.KillGracePeriod ?? ExecutorSettings.DefaultKillGracePeriod;
        if (_phase is ExecutorPhase.ShuttingDown or ExecutorPhase.AgentLost)
        {
            var cap = ShutdownKillBudget();
            grace = grace < cap ? grace : cap;
        }

        return grace < TimeSpan.Zero ? TimeSpan.Zero : grace;
    }

    /// <summary>
    /// Under SHUTDOWN the agent destroys the container after MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: escalate
    /// early enough (a fifth of the period, at most a second) to reap and report first.
    /// </summary>
    private TimeSpan ShutdownKillBudget()
    {
        var period = _settings.ShutdownGracePeriod;
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, period.Ticks / 5));
        return period - margin;
    }

    /// <summary>
    /// The graceful part of a kill (Cassandra's drain, Drill's graceful shutdown). The steps get the grace
    /// period minus a quarter kept for SIGTERM; whatever happens, SIGTERM follows, and SIGKILL still comes
    /// at the deadline.
    /// </summary>
    private void BeginStop(ServiceTask task, TimeSpan grace)
    {
        var steps = task.Plan.StopSteps;
        if (steps.Count == 0 || task.Process is null)
        {
            SendSigterm(task, grace);
            return;
        }

        var budget = grace - (grace / 4);
        Log.Info($"stopping gracefully first: {string.Join(", ", steps.Select(s => s.Name))} (within {MesosDuration.Format(budget)}), then SIGTERM", task.Id);
        _ = RunStopStepsAsync(task.Id, task.Kill!.Id, steps, budget);
    }

    /// <summary>Runs the steps in order, each bounded by its own timeout and all by the budget; always ends with <see cref="StopStepsFinished"/>.</summary>
    private async Task RunStopStepsAsync(string taskId, long killId, IReadOnlyList<StopStep> steps, TimeSpan budget)
    {
        using var overall = new CancellationTokenSource(budget, _time);
        foreach (var step in steps)
        {
            using var stepTimeout = new CancellationTokenSource(step.Timeout, _time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(overall.Token, stepTimeout.Token);
            var started = _time.GetTimestamp();
            try
            {
                await step.RunAsync(either.Token).ConfigureAwait(false);
                Log.Info($"stop step '{step.Name}' done in {_time.GetElapsedTime(started).TotalSeconds:0.###}s", taskId);
            }
            catch (OperationCanceledException) when (either.IsCancellationRequested)
            {
                Log.Warning($"stop step '{step.Name}' did not finish in time; going on", taskId);
            }
            catch (Exception e)
            {
                Log.Warning($"stop step '{step.Name}' failed: {e.Message}; going on", taskId);
            }

            if (overall.IsCancellationRequested)
            {
                break;
            }
        }

        Post(new StopStepsFinished(taskId, killId));
    }

    private void OnStopStepsFinished(StopStepsFinished finished)
    {
        if (_tasks.TryGetValue(finished.TaskId, out var task) && task.Phase == TaskPhase.Killing && task.Kill?.Id == finished.KillId)
        {
            var left = task.Kill.Deadline - Now;
            SendSigterm(task, left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
    }

    private static void SendSigterm(ServiceTask task, TimeSpan untilKill)
    {
        Log.Info($"SIGTERM to process group {task.Process?.ProcessGroupId}, SIGKILL in {MesosDuration.Format(untilKill)}", task.Id);
        task.Process?.SignalGroup(Signals.SIGTERM);
    }
}
