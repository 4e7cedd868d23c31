using Drover.Mesos.V1;
using Drover.Logging;
using Drover.Scheduler.Master;
using Drover.Scheduler.Model;
using Drover.Scheduler.State;
using Call = Drover.Mesos.V1.Scheduler.Call;
using Event = Drover.Mesos.V1.Scheduler.Event;

namespace Drover.Scheduler.Core;

/// <summary>Subscription, framework id, explicit and implicit reconciliation, SUPPRESS and REVIVE.</summary>
public sealed partial class SchedulerLoop
{
    private Operations.SubscriptionState _subscription = Operations.SubscriptionState.Subscribing;
    private string? _masterName;
    private DateTimeOffset? _subscribedSince;
    private DateTimeOffset? _lastHeartbeat;
    private string? _subscriptionMessage;

    /// <summary>Tasks whose explicit reconciliation answer has not come yet (task id → agent id).</summary>
    private readonly Dictionary<string, string?> _reconciling = new(StringComparer.Ordinal);
    private DateTimeOffset? _reconcileDue;
    private TimeSpan _reconcileBackoff;
    private DateTimeOffset? _implicitReconcileDue;

    /// <summary>Null until the first SUPPRESS/REVIVE decision of a subscription.</summary>
    private bool? _suppressed;

    /// <summary>What wanted offers at the last decision: a new need revives (clearing decline filters).</summary>
    private HashSet<string> _offerNeeds = new(StringComparer.Ordinal);

    private Call SubscribeCall()
    {
        // Called by the connection's thread: read the snapshot-safe fields only.
        var info = new FrameworkInfo
        {
            User = _options.User,
            Name = _options.Framework,
            FailoverTimeout = _options.FailoverTimeout.TotalSeconds,
            Checkpoint = true,
        };
        info.Roles.Add(_options.Role);
        if (_options.Principal is { } principal)
        {
            info.Principal = principal;
        }

        if (_options.Hostname is { } hostname)
        {
            info.Hostname = hostname;
        }

        if (_options.WebUiUrl is { } webUi)
        {
            info.WebuiUrl = webUi;
        }

        foreach (var capability in new[]
        {
            FrameworkInfo.Types.Capability.Types.Type.MultiRole,
            FrameworkInfo.Types.Capability.Types.Type.ReservationRefinement,
            FrameworkInfo.Types.Capability.Types.Type.PartitionAware,
            FrameworkInfo.Types.Capability.Types.Type.TaskKillingState,
        })
        {
            info.Capabilities.Add(new FrameworkInfo.Types.Capability { Type = capability });
        }

        var frameworkId = Volatile.Read(ref _framework)?.Id;
        if (frameworkId is not null)
        {
            info.Id = new FrameworkID { Value = frameworkId };
        }

        var call = new Call { Type = Call.Types.Type.Subscribe, Subscribe = new Call.Types.Subscribe { FrameworkInfo = info } };
        if (frameworkId is not null)
        {
            call.FrameworkId = new FrameworkID { Value = frameworkId };
        }

        return call;
    }

    private async Task OnMasterSignalAsync(MasterSignal signal)
    {
        switch (signal)
        {
            case MasterSignal.Connected connected:
                _masterName = connected.Master;
                _subscription = Operations.SubscriptionState.Subscribing;
                break;
            case MasterSignal.Disconnected disconnected:
                Log.Warning($"disconnected from the master: {disconnected.Reason}; resubscribing");
                _subscription = Operations.SubscriptionState.Subscribing;
                _subscriptionMessage = disconnected.Reason;
                _suppressed = null;
                _reconcileDue = null;
                _implicitReconcileDue = null;
                break;
            case MasterSignal.Refused refused:
                RefusedByMaster($"{refused.StatusCode} {refused.Message}");
                break;
            case MasterSignal.Received { Event: var e }:
                await OnEventAsync(e).ConfigureAwait(false);
                break;
        }
    }

    private async Task OnEventAsync(Event e)
    {
        switch (e.Type)
        {
            case Event.Types.Type.Subscribed:
                await OnSubscribedAsync(e.Subscribed).ConfigureAwait(false);
                break;
            case Event.Types.Type.Heartbeat:
                _lastHeartbeat = Now;
                break;
            case Event.Types.Type.Offers:
                await OnOffersAsync(e.Offers.Offers_).ConfigureAwait(false);
                break;
            case Event.Types.Type.InverseOffers:
                await DeclineInverseOffersAsync(e.InverseOffers).ConfigureAwait(false);
                break;
            case Event.Types.Type.Rescind:
                // Offers are never held: nothing was waiting on it. An ACCEPT that raced it gets TASK_DROPPED.
                _offersRescinded++;
                Log.Debug($"offer {e.Rescind.OfferId.Value} rescinded");
                break;
            case Event.Types.Type.Update:
                await OnStatusUpdateAsync(e.Update.Status).ConfigureAwait(false);
                break;
            case Event.Types.Type.UpdateOperationStatus:
                await OnOperationStatusAsync(e.UpdateOperationStatus.Status).ConfigureAwait(false);
                break;
            case Event.Types.Type.Message:
                OnExecutorMessage(e.Message);
                break;
            case Event.Types.Type.Failure:
                OnFailure(e.Failure);
                break;
            case Event.Types.Type.Error:
                OnError(e.Error.Message);
                break;
        }
    }

    private async Task OnSubscribedAsync(Event.Types.Subscribed subscribed)
    {
        var id = subscribed.FrameworkId.Value;
        if (_framework is null)
        {
            // Before anything is launched under it: a restart must subscribe with the same id.
            var record = new FrameworkRecord { Id = id, Registered = Now };
            Stage(new StoreWrite.PutFramework(record));
            await CommitAsync().ConfigureAwait(false);
            Volatile.Write(ref _framework, record);
            Log.Info($"registered as framework {id}");
        }
        else if (_framework.Id != id)
        {
            Fail($"the master subscribed this scheduler as framework {id}, but the stored framework id is {_framework.Id}; refusing to continue under a new id. {ResetAdvice(_framework.Id)}");
            return;
        }
        else
        {
            Log.Info($"subscribed as framework {id}");
        }

        _subscribedSince = Now;
        _lastHeartbeat = Now;
        _subscriptionMessage = null;
        _masterName = subscribed.MasterInfo is { } master ? $"{master.Id} ({master.Hostname}:{master.Port}, Mesos {master.Version})" : _masterName;
        _suppressed = null;
        _offerNeeds.Clear();
        _lostAgents.Clear();
        _implicitReconcileDue = Now + _options.ImplicitReconcileInterval;
        await StartReconciliationAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Every task the state knows is asked about before its node gets a new launch: the scheduler may have died
    /// between an ACCEPT and its status, or the tasks may have changed while it was away.
    /// </summary>
    private async Task StartReconciliationAsync()
    {
        _reconciling.Clear();
        foreach (var node in _nodes.Values)
        {
            if (node.TaskId is { } task && node.Phase.HasTask())
            {
                _reconciling[task] = node.AgentId;
            }
        }

        if (_reconciling.Count == 0)
        {
            ReconciliationDone();
            return;
        }

        _subscription = Operations.SubscriptionState.Reconciling;
        _reconcileBackoff = _options.ReconcileInitialBackoff;
        Log.Info($"reconciling {_reconciling.Count} task(s) before launching anything");
        await SendReconcileAsync().ConfigureAwait(false);
    }

    private async Task SendReconcileAsync()
    {
        var call = new Call { Type = Call.Types.Type.Reconcile, Reconcile = new Call.Types.Reconcile() };
        foreach (var (task, agent) in _reconciling)
        {
            var item = new Call.Types.Reconcile.Types.Task { TaskId = new TaskID { Value = task } };
            if (agent is not null)
            {
                item.AgentId = new AgentID { Value = agent };
            }

            call.Reconcile.Tasks.Add(item);
        }

        _reconcileDue = Now + _reconcileBackoff;
        await SendAsync(call).ConfigureAwait(false);
    }

    private async Task RetryReconciliationAsync()
    {
        _reconcileDue = null;
        if (_subscription != Operations.SubscriptionState.Reconciling || _reconciling.Count == 0)
        {
            return;
        }

        _reconcileBackoff = TimeSpan.FromTicks(Math.Min(_reconcileBackoff.Ticks * 2, _options.ReconcileMaxBackoff.Ticks));
        Log.Info($"reconciliation: {_reconciling.Count} task(s) unanswered; asking again (next in {_reconcileBackoff.TotalSeconds:0} s)");
        await SendReconcileAsync().ConfigureAwait(false);
    }

    /// <summary>An update answered task <paramref name="taskId"/>: one fewer to wait for.</summary>
    private void Reconciled(string taskId)
    {
        if (_reconciling.Remove(taskId) && _reconciling.Count == 0 && _subscription == Operations.SubscriptionState.Reconciling)
        {
            ReconciliationDone();
        }
    }

    private void ReconciliationDone()
    {
        _reconcileDue = null;
        _subscription = Operations.SubscriptionState.Subscribed;
        // Then every task the master knows of (as dcos-commons does after its explicit pass): a task no node runs
        // (launched before a crash that lost its record, or back from a partition after its node moved) is killed now,
        // not at the next periodic pass.
        _implicitReconcileDue = Now;
        Log.Info("reconciliation complete: launching as the plans say");
    }

    /// <summary>Periodically, every task the master knows: what we do not know is killed (<see cref="OnStatusUpdateAsync"/>).</summary>
    private async Task ReconcileImplicitlyAsync()
    {
        _implicitReconcileDue = Now + _options.ImplicitReconcileInterval;
        if (_subscription is Operations.SubscriptionState.Subscribed or Operations.SubscriptionState.Reconciling)
        {
            Log.Debug("implicit reconciliation");
            await SendAsync(new Call { Type = Call.Types.Type.Reconcile, Reconcile = new Call.Types.Reconcile() }).ConfigureAwait(false);
        }
    }

    private void OnError(string message)
    {
        // "Framework failed over": another scheduler subscribed with our id; ours is no longer the one. Any other
        // ERROR (framework removed, id refused) is final too: the master will not take this framework back.
        if (message.Contains("failed over", StringComparison.OrdinalIgnoreCase))
        {
            Fail($"the master says: {message}. Another scheduler of framework '{_options.Framework}' took over; stopping.");
            return;
        }

        RefusedByMaster(message);
    }

    private void RefusedByMaster(string reason)
    {
        _subscription = Operations.SubscriptionState.Refused;
        _subscriptionMessage = reason;
        var advice = _framework is { } framework ? ResetAdvice(framework.Id) : "Check the principal, secret and role.";
        Fail($"the master refused this framework: {reason}. {advice}");
    }

    private string ResetAdvice(string frameworkId) =>
        $"The framework id {frameworkId} is kept in ZooKeeper and is never replaced silently. If the master has really forgotten " +
        $"this framework (its failover timeout passed, or it was torn down), reset it on purpose: " +
        $"drover-scheduler reset-framework --framework {_options.Framework} --confirm {frameworkId} (with the same --zk and --zk-root). " +
        "Clusters, nodes and the reservation ledger are kept; the nodes relaunch on their reservations under the new id.";

    private void OnFailure(Event.Types.Failure failure)
    {
        if (failure.ExecutorId is { } executor)
        {
            Log.Info($"executor {executor.Value} on agent {failure.AgentId?.Value} exited (status {(failure.HasStatus ? failure.Status : "unknown")})");
            return;
        }

        if (failure.AgentId is { } agent)
        {
            // The agent is unreachable or removed: its tasks come as TASK_UNREACHABLE/LOST/GONE updates. If it comes
            // back (an offer from it), its tasks are reconciled: one whose node moved meanwhile is killed.
            Log.Warning($"agent {agent.Value} is lost");
            _lostAgents.Add(agent.Value);
            TasklessNodesLost(agent.Value);
        }
    }

    /// <summary>
    /// Nodes that hold a reservation on the lost agent but no task there (reserved and not launched yet, or stopped and
    /// waiting to relaunch in place) hear of it from no task status: they count as lost from now, so that replace_after
    /// applies to them as to a node whose task went unreachable (ReplaceDue); an offer from the agent takes it back.
    /// </summary>
    private void TasklessNodesLost(string agent)
    {
        foreach (var node in _nodes.Values.Where(n => n.AgentId == agent && n.Reservation is not null && n.LostSince is null
            && n is { Goal: NodeGoal.Run, Phase: NodePhase.Pending or NodePhase.Stopped }).ToList())
        {
            Log.Warning($"its agent {node.Hostname ?? agent} is lost and it has no task there: replaced after replace_after unless the agent comes back", Subject(node));
            Save(node with { LostSince = Now, Message = $"its agent {node.Hostname ?? agent} is lost (no task there)" });
        }
    }

    /// <summary>Task-less nodes counted lost with their agent are not any more once it offers again (after a failover too).</summary>
    private void TasklessNodesBack(IReadOnlyList<Offer> offers)
    {
        var lost = _nodes.Values.Where(n => n.LostSince is not null && n.Phase is NodePhase.Pending or NodePhase.Stopped).ToList();
        foreach (var node in lost)
        {
            if (offers.FirstOrDefault(o => o.AgentId.Value == node.AgentId) is { } offer)
            {
                Log.Info($"its agent {offer.Hostname} is back", Subject(node));
                Save(node with { LostSince = null, Message = $"its agent {offer.Hostname} is back" });
            }
        }
    }

    /// <summary>Agents reported lost (FAILURE) and not heard of since: an offer from one means it is back.</summary>
    private readonly HashSet<string> _lostAgents = new(StringComparer.Ordinal);

    /// <summary>An offer came from an agent that was lost: reconcile every task now (those of its tasks no node runs any more get KILL).</summary>
    private void AgentsBack(IReadOnlyList<Offer> offers)
    {
        if (_lostAgents.Count == 0)
        {
            return;
        }

        foreach (var offer in offers)
        {
            if (_lostAgents.Remove(offer.AgentId.Value))
            {
                Log.Info($"agent {offer.AgentId.Value} ({offer.Hostname}) is back: reconciling every task");
                _implicitReconcileDue = Now;
            }
        }
    }

    private async Task DeclineInverseOffersAsync(Event.Types.InverseOffers inverse)
    {
        var call = new Call { Type = Call.Types.Type.DeclineInverseOffers, DeclineInverseOffers = new Call.Types.DeclineInverseOffers() };
        call.DeclineInverseOffers.InverseOfferIds.AddRange(inverse.InverseOffers_.Select(o => o.Id));
        await SendAsync(call).ConfigureAwait(false);
    }

    /// <summary>SUPPRESS when nothing waits for an offer; REVIVE when something does (and whenever a new need appears, to clear decline filters).</summary>
    private async Task UpdateOfferInterestAsync()
    {
        var needs = OfferNeeds();
        var fresh = needs.Any(n => !_offerNeeds.Contains(n));
        _offerNeeds = needs;
        if (needs.Count == 0)
        {
            if (_suppressed != true)
            {
                _suppressed = true;
                Log.Info("nothing waits for resources: SUPPRESS");
                var call = new Call { Type = Call.Types.Type.Suppress, Suppress = new Call.Types.Suppress() };
                call.Suppress.Roles.Add(_options.Role);
                await SendAsync(call).ConfigureAwait(false);
            }
        }
        else if (_suppressed != false || fresh)
        {
            _suppressed = false;
            Log.Info($"{needs.Count} need(s) of resources: REVIVE");
            var call = new Call { Type = Call.Types.Type.Revive, Revive = new Call.Types.Revive() };
            call.Revive.Roles.Add(_options.Role);
            await SendAsync(call).ConfigureAwait(false);
        }
    }

    /// <summary>What waits for an offer now: nodes to launch or to reserve, ledger entries to release.</summary>
    private HashSet<string> OfferNeeds()
    {
        var needs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in _nodes.Values)
        {
            if (WantsLaunch(node))
            {
                needs.Add("launch:" + node.Key + ":" + node.Incarnation);
            }
            else if (WantsReservation(node))
            {
                needs.Add("reserve:" + node.Key);
            }
        }

        foreach (var entry in _ledger.Values)
        {
            if (entry.State is LedgerState.Releasing or LedgerState.Abandoned)
            {
                needs.Add("release:" + entry.Id);
            }
        }

        return needs;
    }
}
