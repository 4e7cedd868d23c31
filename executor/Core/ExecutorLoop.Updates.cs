using Drover.Executor.Logging;
using Drover.Executor.Tasks;
using Drover.Executor.Updates;
using Drover.Mesos.V1.Executor;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.Executor.Core;

/// <summary>
/// Status updates (style.md #13): stored before they are sent, removed only by their
/// ACKNOWLEDGED, resent in every SUBSCRIBE; the executor exits only when no task is active
/// and nothing is unacknowledged, with a failsafe timer for an agent that never acknowledges.
/// </summary>
public sealed partial class ExecutorLoop
{
    private bool _ackDeadlineArmed;

    private void Forward(ServiceTask task, TaskStatus status)
    {
        var update = new Call.Types.Update { Status = status };
        _ledger.Add(update);
        _metrics.UpdatesSent.WithLabels(StatusFactory.Name(status.State)).Inc();
        Log.Debug($"{StatusFactory.Name(status.State)} {StatusFactory.UuidOf(status)}", task.Id);
        if (_agentState == AgentState.Subscribed)
        {
            SendUpdate(update);
        }
    }

    private void SendUpdate(Call.Types.Update update)
    {
        var call = NewCall(Call.Types.Type.Update);
        call.Update = update;
        _agent.Enqueue(call, _connectionId, StatusFactory.UuidOf(update.Status));
    }

    private void OnCallCompleted(CallCompleted completed)
    {
        if (completed.StatusCode == 202)
        {
            return;
        }

        var what = completed.UpdateUuid is { } uuid ? $"UPDATE {uuid}" : completed.Type.ToString();
        var answer = completed.StatusCode is { } code ? $"{code}: {completed.Error}" : completed.Error;
        if (completed.StatusCode is >= 400 and < 500)
        {
            // The agent refused it as invalid: a bug on our side, which no retry mends. The update
            // stays stored and goes out again with the next SUBSCRIBE.
            Log.Error($"agent rejected {what}: {answer}");
        }
        else
        {
            Log.Warning($"{what} failed: {answer}");
        }
    }

    private void OnAcknowledged(Event.Types.Acknowledged ack)
    {
        var uuid = StatusFactory.UuidOf(ack.Uuid);
        var taskId = ack.TaskId?.Value ?? "";
        if (!_ledger.Acknowledge(uuid))
        {
            Log.Warning($"acknowledgement for unknown update {uuid}", taskId);
            return;
        }

        _metrics.UpdatesAcknowledged.Inc();
        if (_tasks.TryGetValue(taskId, out var task))
        {
            task.Acknowledged = true;
            if (!task.IsActive && !_ledger.HasPendingFor(taskId))
            {
                _tasks.Remove(taskId);
            }
        }

        MaybeExit();
    }

    /// <summary>Exit once nothing is left to supervise or to report.</summary>
    private void MaybeExit()
    {
        if (_exitCode is not null || _tasks.Values.Any(t => t.IsActive))
        {
            return;
        }

        if (_shutdown is { AgentLost: true } lost)
        {
            Exit(1, lost.Why);
            return;
        }

        if (!_launchedAny && _shutdown is null)
        {
            return; // waiting for work
        }

        if (_ledger.Count == 0)
        {
            Exit(0, _shutdown is { } s ? s.Why : "every task ended and every update was acknowledged");
            return;
        }

        if (!_ackDeadlineArmed)
        {
            _ackDeadlineArmed = true;
            Schedule(_settings.TerminalAckTimeout, new TerminalAckDeadline());
        }
    }

    private void OnTerminalAckDeadline()
    {
        if (_exitCode is null && !_tasks.Values.Any(t => t.IsActive) && _ledger.Count > 0)
        {
            Exit(0, $"{_ledger.Count} update(s) still unacknowledged after {Drover.Mesos.MesosDuration.Format(_settings.TerminalAckTimeout)}; exiting anyway");
        }
        else
        {
            _ackDeadlineArmed = false;
        }
    }
}
