using Drover.Logging;
using Drover.Executor.Tasks;
using Drover.Executor.Updates;
using Drover.Mesos.V1.Executor;

namespace Drover.Executor.Core;

/// <summary>
/// Status updates: stored before they are sent, removed only by their ACKNOWLEDGED, resent in every
/// SUBSCRIBE. The executor exits only once no task is active and nothing is unacknowledged
/// (<see cref="ExecutorPhase.Settle"/>), with a deadline for an agent that never acknowledges.
/// </summary>
public sealed partial class ExecutorLoop
{
    private void Forward(ServiceTask task, TaskStatus status)
    {
        var update = new Call.Types.Update { Status = status };
        _ledger.Add(update);
        _metrics.UpdatesSent.WithLabels(StatusFactory.Name(status.State)).Inc();
        Log.Debug($"{StatusFactory.Name(status.State)} {StatusFactory.UuidOf(status)}", task.Id);
        if (_link is AgentLink.Subscribed)
        {
            SendUpdate(update);
        }
    }

    private void SendUpdate(Call.Types.Update update)
    {
        var call = NewCall(Call.Types.Type.Update);
        call.Update = update;
        _agent.Send(call, _link.Current!.Value, StatusFactory.UuidOf(update.Status));
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
    }
}
