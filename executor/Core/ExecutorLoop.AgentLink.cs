using Drover.Logging;
using Drover.Executor.Updates;
using Drover.Mesos;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;

namespace Drover.Executor.Core;

/// <summary>The agent link (<see cref="AgentLink"/>): subscribe, resubscribe with backoff, recovery timeout, the agent's events.</summary>
public sealed partial class ExecutorLoop
{
    private void Subscribe()
    {
        var (attempt, recovery) = _link is AgentLink.Waiting waiting ? (waiting.Attempt, waiting.Recovery) : (1, null);
        var connection = ++_connections;
        var subscribe = new Call.Types.Subscribe();
        var carried = new HashSet<Guid>();
        foreach (var update in _ledger.Pending)
        {
            subscribe.UnacknowledgedUpdates.Add(update);
            carried.Add(StatusFactory.UuidOf(update.Status));
        }

        foreach (var task in _tasks.Values)
        {
            if (!task.Acknowledged)
            {
                subscribe.UnacknowledgedTasks.Add(task.Info);
            }
        }

        _link = new AgentLink.Subscribing(connection, attempt, carried, recovery);

        // The agent insists on `subscribe` being present even when empty.
        var call = NewCall(Call.Types.Type.Subscribe);
        call.Subscribe = subscribe;
        Log.Info($"subscribing to agent {_settings.AgentEndpoint} (attempt {attempt}, {subscribe.UnacknowledgedUpdates.Count} unacknowledged updates, {subscribe.UnacknowledgedTasks.Count} unacknowledged tasks)");
        _agent.Subscribe(call, connection);
    }

    private Call NewCall(Call.Types.Type type) => new()
    {
        Type = type,
        ExecutorId = _executorId,
        FrameworkId = _frameworkId,
    };

    private bool IsCurrent(long connection) => _link.Current == connection;

    private void OnSubscriptionOpened(SubscriptionOpened opened)
    {
        if (IsCurrent(opened.ConnectionId))
        {
            Log.Debug("subscription stream open");
        }
    }

    private void OnAgentEvent(AgentEventReceived received)
    {
        if (!IsCurrent(received.ConnectionId))
        {
            return;
        }

        var e = received.Event;
        switch (e.Type)
        {
            case Event.Types.Type.Subscribed:
                OnSubscribed(e.Subscribed, received.ConnectionId);
                break;
            case Event.Types.Type.Launch:
                OnLaunch(e.Launch.Task);
                break;
            case Event.Types.Type.LaunchGroup:
                OnLaunchGroup(e.LaunchGroup.TaskGroup);
                break;
            case Event.Types.Type.Kill:
                OnKill(e.Kill);
                break;
            case Event.Types.Type.Acknowledged:
                OnAcknowledged(e.Acknowledged);
                break;
            case Event.Types.Type.Message:
                OnFrameworkMessage(e.Message.Data);
                break;
            case Event.Types.Type.Shutdown:
                Shutdown("the agent asked the executor to shut down");
                break;
            case Event.Types.Type.Error:
                // Mesos' executor HTTP API: "It is recommended that the executor abort when it receives an error
                // event and retry subscription."
                Log.Error($"agent sent ERROR: {e.Error?.Message}");
                Disconnect($"agent sent ERROR: {e.Error?.Message}");
                break;
            case Event.Types.Type.Heartbeat:
                Log.Debug("heartbeat from the agent");
                break;
            default:
                // proto2 keeps unknown enum values: a newer agent's event type lands here.
                Log.Warning($"ignoring event of unknown type {(int)e.Type}");
                break;
        }
    }

    private void OnSubscribed(Event.Types.Subscribed subscribed, long connection)
    {
        var carried = (_link as AgentLink.Subscribing)?.Carried ?? new HashSet<Guid>();
        _link = new AgentLink.Subscribed(connection);
        _metrics.Subscriptions.Inc();
        _frameworkInfo = subscribed.FrameworkInfo;
        _agentInfo = subscribed.AgentInfo;
        if (subscribed.AgentInfo?.Id is { } agentId)
        {
            _statuses.AgentId = agentId;
        }

        Log.Info($"subscribed to agent {subscribed.AgentInfo?.Hostname} ({subscribed.AgentInfo?.Id?.Value}), framework {subscribed.FrameworkInfo?.Name} checkpoint={(_settings.Checkpoint ? "on" : "off")}");

        // Updates made while the SUBSCRIBE was in flight were not in it: send them now.
        foreach (var update in _ledger.Pending)
        {
            if (!carried.Contains(StatusFactory.UuidOf(update.Status)))
            {
                SendUpdate(update);
            }
        }
    }

    private void OnSubscriptionClosed(SubscriptionClosed closed)
    {
        if (IsCurrent(closed.ConnectionId))
        {
            Disconnect(closed.Reason);
        }
    }

    /// <summary>
    /// The subscription is gone. Before the first SUBSCRIBED: keep trying until the agent's registration
    /// timeout. After it ("Disconnections"): without checkpointing, stop the services and exit; with it,
    /// resubscribe with backoff bounded by MESOS_SUBSCRIPTION_BACKOFF_MAX until MESOS_RECOVERY_TIMEOUT,
    /// then stop and exit.
    /// </summary>
    private void Disconnect(string reason)
    {
        var lost = _link;
        _agent.Disconnect();
        if (lost is AgentLink.Subscribed)
        {
            _metrics.Disconnections.Inc();
        }

        if (_phase is ExecutorPhase.Exited or ExecutorPhase.AgentLost || lost is AgentLink.Abandoned)
        {
            _link = new AgentLink.Abandoned();
            return;
        }

        switch (lost)
        {
            case AgentLink.Subscribing { Recovery: null } registering:
                if (Now > _settings.RegistrationTimeout)
                {
                    Log.Error($"could not subscribe within {MesosDuration.Format(_settings.RegistrationTimeout)}: {reason}");
                    StopAfterAgentLoss("never subscribed to the agent");
                    return;
                }

                Log.Warning($"subscription failed: {reason}; retrying");
                RetryLater(registering.Attempt + 1, recovery: null);
                return;

            case AgentLink.Subscribing resubscribing:
                Log.Warning($"resubscription failed: {reason}");
                RetryLater(resubscribing.Attempt + 1, resubscribing.Recovery);
                return;

            default:
                Log.Warning($"disconnected from the agent: {reason}");
                if (!_settings.Checkpoint)
                {
                    StopAfterAgentLoss("disconnected from the agent and the framework does not checkpoint");
                    return;
                }

                var recovery = new Recovery(Now + _settings.RecoveryTimeout);
                Log.Info($"framework checkpoints: resubscribing for up to {MesosDuration.Format(_settings.RecoveryTimeout)} (backoff up to {MesosDuration.Format(_settings.SubscriptionBackoffMax)})");
                Schedule(_settings.RecoveryTimeout, new RecoveryDeadline(recovery.Deadline));
                RetryLater(1, recovery);
                return;
        }
    }

    private void RetryLater(int attempt, Recovery? recovery)
    {
        _link = new AgentLink.Waiting(attempt, recovery);
        Schedule(SubscribeBackoff(attempt), new SubscribeDue(attempt));
    }

    private void OnSubscribeDue(SubscribeDue due)
    {
        if (_link is AgentLink.Waiting waiting && waiting.Attempt == due.Attempt && _phase is not (ExecutorPhase.Exited or ExecutorPhase.AgentLost))
        {
            Subscribe();
        }
    }

    private void OnRecoveryDeadline(RecoveryDeadline deadline)
    {
        var recovery = _link switch
        {
            AgentLink.Waiting waiting => waiting.Recovery,
            AgentLink.Subscribing subscribing => subscribing.Recovery,
            _ => null,
        };
        if (recovery?.Deadline == deadline.Deadline)
        {
            Log.Error($"could not resubscribe within MESOS_RECOVERY_TIMEOUT ({MesosDuration.Format(_settings.RecoveryTimeout)})");
            _agent.Disconnect();
            StopAfterAgentLoss("recovery timeout");
        }
    }

    /// <summary>
    /// Exponential backoff from 100 ms with full jitter, each retry bounded by MESOS_SUBSCRIPTION_BACKOFF_MAX:
    /// the agent's recovery waits for every executor to retry within that interval ("Agent Recovery").
    /// </summary>
    private TimeSpan SubscribeBackoff(int attempt)
    {
        var exponent = Math.Min(attempt - 1, 20);
        var ceilingMs = Math.Min(_settings.SubscriptionBackoffMax.TotalMilliseconds, 100.0 * (1L << exponent));
        return TimeSpan.FromMilliseconds(_jitter() * ceilingMs);
    }

    private bool FrameworkHasCapability(FrameworkInfo.Types.Capability.Types.Type capability) =>
        _frameworkInfo?.Capabilities.Any(c => c.Type == capability) == true;
}
