using Drover.Executor.Logging;
using Drover.Executor.Updates;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;

namespace Drover.Executor.Core;

/// <summary>The agent connection: subscribe, resubscribe with backoff, recovery timeout.</summary>
public sealed partial class ExecutorLoop
{
    private enum AgentState
    {
        Disconnected,
        Subscribing,
        Subscribed,
    }

    private AgentState _agentState = AgentState.Disconnected;
    private long _connectionId;
    private CancellationTokenSource? _subscription;
    private bool _everSubscribed;
    private long _subscribeAttempts;
    private long _disconnectionId;
    private long? _disconnectedSinceMs;
    private readonly HashSet<Guid> _sentInSubscribe = [];

    /// <summary>What the agent told us in SUBSCRIBED.</summary>
    private FrameworkInfo? _frameworkInfo;
    private AgentInfo? _agentInfo;

    private void Subscribe()
    {
        _connectionId++;
        _agent.CurrentConnection = _connectionId;
        _subscribeAttempts++;
        _agentState = AgentState.Subscribing;
        _subscription?.Dispose();
        _subscription = new CancellationTokenSource();

        var subscribe = new Call.Types.Subscribe();
        _sentInSubscribe.Clear();
        foreach (var update in _ledger.Pending)
        {
            subscribe.UnacknowledgedUpdates.Add(update);
            _sentInSubscribe.Add(StatusFactory.UuidOf(update.Status));
        }

        foreach (var task in _tasks.Values)
        {
            if (!task.Acknowledged)
            {
                subscribe.UnacknowledgedTasks.Add(task.Info);
            }
        }

        // The agent insists on `subscribe` being present even when empty (mesos-facts.md).
        var call = NewCall(Call.Types.Type.Subscribe);
        call.Subscribe = subscribe;
        Log.Info($"subscribing to agent {_settings.AgentEndpoint} (attempt {_subscribeAttempts}, {subscribe.UnacknowledgedUpdates.Count} unacknowledged updates, {subscribe.UnacknowledgedTasks.Count} unacknowledged tasks)");
        _ = _agent.RunSubscriptionAsync(call, _connectionId, _subscription.Token);
    }

    private Call NewCall(Call.Types.Type type) => new()
    {
        Type = type,
        ExecutorId = _executorId,
        FrameworkId = _frameworkId,
    };

    private void OnSubscriptionOpened(SubscriptionOpened opened)
    {
        if (opened.ConnectionId == _connectionId)
        {
            Log.Debug("subscription stream open");
        }
    }

    private void OnAgentEvent(AgentEventReceived received)
    {
        if (received.ConnectionId != _connectionId)
        {
            return;
        }

        var e = received.Event;
        switch (e.Type)
        {
            case Event.Types.Type.Subscribed:
                OnSubscribed(e.Subscribed);
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
                // executor-http-api.md: "It is recommended that the executor abort when it
                // receives an error event and retry subscription."
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

    private void OnSubscribed(Event.Types.Subscribed subscribed)
    {
        _agentState = AgentState.Subscribed;
        _everSubscribed = true;
        _metrics.AgentConnected.Set(1);
        _metrics.Subscriptions.Inc();
        _disconnectedSinceMs = null;
        _subscribeAttempts = 0;
        _frameworkInfo = subscribed.FrameworkInfo;
        _agentInfo = subscribed.AgentInfo;
        if (subscribed.AgentInfo?.Id is { } agentId)
        {
            _statuses.AgentId = agentId;
        }

        Log.Info($"subscribed to agent {subscribed.AgentInfo?.Hostname} ({subscribed.AgentInfo?.Id?.Value}), framework {subscribed.FrameworkInfo?.Name} checkpoint={(_settings.Checkpoint ? "on" : "off")}");

        // Updates created while the SUBSCRIBE was in flight were not in it: send them now.
        foreach (var update in _ledger.Pending)
        {
            if (!_sentInSubscribe.Contains(StatusFactory.UuidOf(update.Status)))
            {
                SendUpdate(update);
            }
        }

        _sentInSubscribe.Clear();
    }

    private void OnSubscriptionClosed(SubscriptionClosed closed)
    {
        if (closed.ConnectionId != _connectionId)
        {
            return;
        }

        Disconnect(closed.Reason);
    }

    /// <summary>
    /// The subscription is gone. Before the first SUBSCRIBED: keep trying until the agent's
    /// registration timeout. After it, executor-http-api.md "Disconnections": without
    /// checkpointing, stop the services and exit; with it, resubscribe with backoff bounded by
    /// MESOS_SUBSCRIPTION_BACKOFF_MAX until MESOS_RECOVERY_TIMEOUT, then stop and exit.
    /// </summary>
    private void Disconnect(string reason)
    {
        _connectionId++; // anything still arriving from the old connection is stale
        _agent.CurrentConnection = _connectionId;
        _subscription?.Cancel();
        var wasSubscribed = _agentState == AgentState.Subscribed;
        _agentState = AgentState.Disconnected;
        _metrics.AgentConnected.Set(0);
        if (wasSubscribed)
        {
            _metrics.Disconnections.Inc();
        }

        if (_exitCode is not null)
        {
            return;
        }

        if (!_everSubscribed)
        {
            if (NowMs - _startedMs > (long)_settings.RegistrationTimeout.TotalMilliseconds)
            {
                Log.Error($"could not subscribe within {Drover.Mesos.MesosDuration.Format(_settings.RegistrationTimeout)}: {reason}");
                StopAfterAgentLoss("never subscribed to the agent");
                return;
            }

            Log.Warning($"subscription failed: {reason}; retrying");
            Schedule(SubscribeBackoff(), new SubscribeDue(_subscribeAttempts));
            return;
        }

        if (wasSubscribed)
        {
            Log.Warning($"disconnected from the agent: {reason}");
        }
        else
        {
            Log.Warning($"resubscription failed: {reason}");
        }

        if (!_settings.Checkpoint)
        {
            StopAfterAgentLoss("disconnected from the agent and the framework does not checkpoint");
            return;
        }

        if (_disconnectedSinceMs is null)
        {
            _disconnectedSinceMs = NowMs;
            _disconnectionId++;
            Log.Info($"framework checkpoints: resubscribing for up to {Drover.Mesos.MesosDuration.Format(_settings.RecoveryTimeout)} (backoff up to {Drover.Mesos.MesosDuration.Format(_settings.SubscriptionBackoffMax)})");
            Schedule(_settings.RecoveryTimeout, new RecoveryDeadline(_disconnectionId));
        }

        Schedule(SubscribeBackoff(), new SubscribeDue(_subscribeAttempts));
    }

    private void OnSubscribeDue(SubscribeDue due)
    {
        if (_agentState == AgentState.Disconnected && _exitCode is null && due.Attempt == _subscribeAttempts)
        {
            Subscribe();
        }
    }

    private void OnRecoveryDeadline(RecoveryDeadline deadline)
    {
        if (_agentState != AgentState.Subscribed && deadline.DisconnectionId == _disconnectionId && _disconnectedSinceMs is not null)
        {
            Log.Error($"could not resubscribe within MESOS_RECOVERY_TIMEOUT ({Drover.Mesos.MesosDuration.Format(_settings.RecoveryTimeout)})");
            StopAfterAgentLoss("recovery timeout");
        }
    }

    /// <summary>
    /// Exponential backoff from 100 ms with full jitter, each retry bounded by
    /// MESOS_SUBSCRIPTION_BACKOFF_MAX: the agent's recovery waits for every executor to
    /// retry within that interval (executor-http-api.md, "Agent Recovery").
    /// </summary>
    private TimeSpan SubscribeBackoff()
    {
        var max = _settings.SubscriptionBackoffMax;
        var exponent = (int)Math.Min(_subscribeAttempts, 20);
        var ceilingMs = Math.Min(max.TotalMilliseconds, 100.0 * (1L << exponent));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceilingMs);
    }

    private bool FrameworkHasCapability(FrameworkInfo.Types.Capability.Types.Type capability)
    {
        if (_frameworkInfo is null)
        {
            return false;
        }

        foreach (var c in _frameworkInfo.Capabilities)
        {
            if (c.Type == capability)
            {
                return true;
            }
        }

        return false;
    }
}
