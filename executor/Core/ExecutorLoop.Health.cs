using Drover.Executor.Health;
using Drover.Executor.Logging;
using Drover.Executor.Supervision;
using Drover.Executor.Tasks;
using Drover.Posix;
using Drover.Mesos.V1;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.Executor.Core;

/// <summary>
/// Health checks by Mesos' rules: probes start Delay after the service (re)starts and repeat
/// every Interval while the task runs; results reach the scheduler as TASK_RUNNING updates
/// with `healthy` and REASON_TASK_HEALTH_CHECK_STATUS_UPDATED; too many consecutive failures
/// kill the task, whose terminal update then says healthy = false. Like Mesos' executors,
/// results are dropped while the agent is disconnected and once a kill has begun.
/// </summary>
public sealed partial class ExecutorLoop
{
    private sealed record CommandCheck(string TaskId, long Incarnation, int Check, long Attempt, int ProcessGroupId, long StartedMs);

    private readonly NetworkProbes _probes = new();
    private readonly Dictionary<int, CommandCheck> _checkProcesses = [];
    private long _checkAttempts;

    private void StartHealthChecks(ServiceTask task)
    {
        var checks = task.Plan.HealthChecks;
        if (checks.Count == 0)
        {
            return;
        }

        task.Health = new TaskHealth([.. checks.Select(c => new HealthTracker(c, NowMs))], task.Incarnation);
        task.CheckAttempts = new long[checks.Count];
        for (var i = 0; i < checks.Count; i++)
        {
            Schedule(checks[i].Delay, new HealthCheckDue(task.Id, task.Incarnation, i));
        }
    }

    private bool IsCurrent(string taskId, long incarnation, out ServiceTask task) =>
        _tasks.TryGetValue(taskId, out task!) && task.Phase == TaskPhase.Running && task.Incarnation == incarnation && task.Health is not null;

    private void OnHealthCheckDue(HealthCheckDue due)
    {
        if (!IsCurrent(due.TaskId, due.Incarnation, out var task))
        {
            return;
        }

        var check = task.Health!.Trackers[due.Check].Definition;
        var attempt = ++_checkAttempts;
        task.CheckAttempts[due.Check] = attempt;
        switch (check.Kind)
        {
            case not HealthCheckKind.Command when check.Probe is not null:
                _ = RunPersonalityProbeAsync(task.Id, task.Incarnation, due.Check, attempt, check);
                break;
            case HealthCheckKind.Command:
                StartCommandCheck(task, due.Check, check, attempt);
                break;
            default:
                _ = RunNetworkProbeAsync(task.Id, task.Incarnation, due.Check, attempt, check);
                break;
        }
    }

    private async Task RunNetworkProbeAsync(string taskId, long incarnation, int index, long attempt, HealthCheckDefinition check)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var timeout = check.Timeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
        ProbeResult result;
        try
        {
            result = check.Kind == HealthCheckKind.Http
                ? await _probes.HttpAsync(check, timeout.Token).ConfigureAwait(false)
                : await NetworkProbes.TcpAsync(check, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            result = new ProbeResult(false, $"{check.Kind} check has not returned after {Drover.Mesos.MesosDuration.Format(check.Timeout ?? TimeSpan.Zero)}; aborting");
        }

        Post(new HealthCheckCompleted(taskId, incarnation, index, attempt, result, System.Diagnostics.Stopwatch.GetElapsedTime(started)));
    }

    private void StartCommandCheck(ServiceTask task, int index, HealthCheckDefinition check, long attempt)
    {
        try
        {
            // Output goes to the executor's stderr, as Mesos' health checker does.
            var spawned = ProcessSpawner.Spawn(new SpawnRequest
            {
                Executable = check.Executable!,
                Arguments = check.Arguments,
                Environment = check.Environment,
                WorkingDirectory = task.Plan.WorkingDirectory,
                Stdin = StdioTarget.Null,
                Stdout = StdioTarget.Inherit,
                Stderr = StdioTarget.Inherit,
                NewSession = true,
            });
            _checkProcesses[spawned.Pid] = new CommandCheck(task.Id, task.Incarnation, index, attempt, spawned.ProcessGroupId, NowMs);
            _guard?.Add(spawned.ProcessGroupId);
            if (check.Timeout is { } timeout)
            {
                Schedule(timeout, new HealthCheckTimedOut(task.Id, task.Incarnation, index, attempt));
            }
        }
        catch (Exception e) when (e is PosixException or IOException)
        {
            ApplyHealthResult(task, index, new ProbeResult(false, $"Failed to create subprocess: {e.Message}"), TimeSpan.Zero);
        }
    }

    private void OnCommandCheckExited(CommandCheck check, ChildExit exit)
    {
        _guard?.Remove(check.ProcessGroupId);
        Signals.SendToGroup(check.ProcessGroupId, Signals.SIGKILL); // whatever the check left behind
        if (!IsCurrent(check.TaskId, check.Incarnation, out var task) || task.CheckAttempts[check.Check] != check.Attempt)
        {
            return;
        }

        var result = ExitDescription.Succeeded(exit)
            ? new ProbeResult(true, "Command exited with status 0")
            : new ProbeResult(false, "Command returned " + ExitDescription.Of(exit));
        ApplyHealthResult(task, check.Check, result, TimeSpan.FromMilliseconds(NowMs - check.StartedMs));
    }

    private void OnHealthCheckTimedOut(HealthCheckTimedOut timedOut)
    {
        foreach (var (pid, check) in _checkProcesses)
        {
            if (check.Attempt == timedOut.Attempt)
            {
                // The check's whole group dies; its reaping then finds the attempt already settled.
                Signals.SendToGroup(check.ProcessGroupId, Signals.SIGKILL);
                _checkProcesses.Remove(pid);
                _guard?.Remove(check.ProcessGroupId);
                if (IsCurrent(timedOut.TaskId, timedOut.Incarnation, out var task) && task.CheckAttempts[timedOut.Check] == timedOut.Attempt)
                {
                    var definition = task.Health!.Trackers[timedOut.Check].Definition;
                    ApplyHealthResult(task, timedOut.Check, new ProbeResult(false, $"Command has not returned after {Drover.Mesos.MesosDuration.Format(definition.Timeout ?? TimeSpan.Zero)}; aborting"), definition.Timeout ?? TimeSpan.Zero);
                }

                return;
            }
        }
    }

    private void OnHealthCheckCompleted(HealthCheckCompleted completed)
    {
        if (IsCurrent(completed.TaskId, completed.Incarnation, out var task) && task.CheckAttempts[completed.Check] == completed.Attempt)
        {
            ApplyHealthResult(task, completed.Check, completed.Result, completed.Elapsed);
        }
    }

    private void ApplyHealthResult(ServiceTask task, int index, ProbeResult result, TimeSpan elapsed)
    {
        var health = task.Health!;
        var check = health.Trackers[index].Definition;
        task.CheckAttempts[index] = 0;
        _metrics.HealthChecks.WithLabels(task.Id, check.Name, result.Healthy ? "healthy" : "unhealthy").Inc();
        _metrics.HealthCheckSeconds.WithLabels(check.Name).Observe(elapsed.TotalSeconds);

        if (_agentState != AgentState.Subscribed)
        {
            Log.Debug($"health check '{check.Name}' result dropped while disconnected from the agent", task.Id);
        }
        else
        {
            var report = health.Apply(index, result.Healthy, NowMs, out var verdict);
            if (!verdict.Counted && !result.Healthy)
            {
                Log.Info($"health check '{check.Name}' failed within its grace period (ignored): {result.Detail}", task.Id);
            }
            else if (!result.Healthy)
            {
                Log.Warning($"health check '{check.Name}' failed {verdict.ConsecutiveFailures} time(s) in a row: {result.Detail}", task.Id);
            }

            if (report is { } healthy)
            {
                ReportHealth(task, healthy, $"{check.Kind.ToString().ToUpperInvariant()} health check failed: {result.Detail}");
            }

            if (verdict.KillTask)
            {
                task.KilledUnhealthy = true;
                Kill(task, policy: null, $"health check '{check.Name}' failed {verdict.ConsecutiveFailures} times in a row");
                return;
            }
        }

        Schedule(check.Interval, new HealthCheckDue(task.Id, task.Incarnation, index));
    }

    /// <summary>TASK_RUNNING with `healthy` and Mesos' reason for it; an unhealthy one says why.</summary>
    private void ReportHealth(ServiceTask task, bool healthy, string detail)
    {
        var status = _statuses.Create(task.Info.TaskId, TaskState.TaskRunning, healthy ? null : detail, TaskStatus.Types.Reason.TaskHealthCheckStatusUpdated, healthy);
        Log.Info($"task is {(healthy ? "healthy" : "unhealthy")}", task.Id);
        task.Registration?.Update(Drover.Registry.NodeState.Running, healthy);
        Forward(task, status);
    }
}
