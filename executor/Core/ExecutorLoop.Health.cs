using Drover.Executor.Health;
using Drover.Logging;
using Drover.Executor.Tasks;
using Drover.Mesos;
using Drover.Mesos.V1;
using Drover.Registry;

namespace Drover.Executor.Core;

/// <summary>
/// Health checks by Mesos' rules: probes start Delay after the service (re)starts and repeat every Interval
/// while the task runs; results reach the scheduler as TASK_RUNNING updates with `healthy` and
/// REASON_TASK_HEALTH_CHECK_STATUS_UPDATED; too many consecutive failures kill the task, whose terminal update
/// then says healthy = false. Like Mesos' executors, results are dropped while the agent is disconnected and
/// once a kill has begun. Every check, whatever its kind, is an <see cref="IHealthProbe"/> run the same way.
/// </summary>
public sealed partial class ExecutorLoop
{
    private void StartHealthChecks(ServiceTask task)
    {
        var checks = task.Plan.HealthChecks;
        if (checks.Count == 0)
        {
            return;
        }

        task.Health = new TaskHealth([.. checks.Select(c => new HealthTracker(c, Now))], task.Incarnation);
        task.CheckAttempts = new long[checks.Count];
        for (var i = 0; i < checks.Count; i++)
        {
            Schedule(checks[i].Delay, new HealthCheckDue(task.Id, task.Incarnation, i));
        }
    }

    /// <summary>The task, if these checks still concern it: running, same incarnation.</summary>
    private bool IsChecked(string taskId, long incarnation, out ServiceTask task) =>
        _tasks.TryGetValue(taskId, out task!) && task.Phase == TaskPhase.Running && task.Incarnation == incarnation && task.Health is not null;

    private void OnHealthCheckDue(HealthCheckDue due)
    {
        if (!IsChecked(due.TaskId, due.Incarnation, out var task))
        {
            return;
        }

        var attempt = ++_checkAttempts;
        task.CheckAttempts[due.Check] = attempt;
        _ = ProbeAsync(task.Id, task.Incarnation, due.Check, attempt, task.Health!.Trackers[due.Check].Definition);
    }

    /// <summary>
    /// One probe, off the loop. Past the check's timeout it counts as failed (its token fires, and a probe that
    /// ignores the token is not waited for); an exception is a failure with its message. Always posts its result.
    /// </summary>
    private async Task ProbeAsync(string taskId, long incarnation, int index, long attempt, HealthCheckDefinition check)
    {
        var started = _time.GetTimestamp();
        using var timeout = check.Timeout is { } limit ? new CancellationTokenSource(limit, _time) : new CancellationTokenSource();
        ProbeResult result;
        try
        {
            var probing = check.Probe.ProbeAsync(timeout.Token);
            result = check.Timeout is { } t
                ? await probing.WaitAsync(t, _time, CancellationToken.None).ConfigureAwait(false)
                : await probing.ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && timeout.IsCancellationRequested))
        {
            result = new ProbeResult(false, $"{check.Subject} has not returned after {MesosDuration.Format(check.Timeout ?? TimeSpan.Zero)}; aborting");
        }
        catch (Exception e)
        {
            result = new ProbeResult(false, $"{check.Subject} failed: {e.Message}");
        }

        Post(new HealthCheckCompleted(taskId, incarnation, index, attempt, result, _time.GetElapsedTime(started)));
    }

    private void OnHealthCheckCompleted(HealthCheckCompleted completed)
    {
        if (IsChecked(completed.TaskId, completed.Incarnation, out var task) && task.CheckAttempts[completed.Check] == completed.Attempt)
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

        if (_link is not AgentLink.Subscribed)
        {
            Log.Debug($"health check '{check.Name}' result dropped while disconnected from the agent", task.Id);
        }
        else
        {
            var report = health.Apply(index, result.Healthy, Now, out var verdict);
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
        task.Registration?.Update(NodeState.Running, healthy);
        Forward(task, status);
    }
}
