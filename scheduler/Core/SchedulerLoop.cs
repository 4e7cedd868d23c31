using System.Threading.Channels;
using Drover.Mesos.V1;
using Drover.Scheduler.Configuration;
using Drover.Logging;
using Drover.Scheduler.Master;
using Drover.Scheduler.Offers;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;
using Drover.Scheduler.Registry;
using Drover.Scheduler.State;
using Call = Drover.Mesos.V1.Scheduler.Call;

namespace Drover.Scheduler.Core;

/// <summary>
/// The one owner of the scheduler's state (style.md #12): a single loop reads <see cref="SchedulerEvent"/>s from
/// a channel; the master connection, timers and operators only post events. Effects go through interfaces:
/// <see cref="IMaster"/>, <see cref="IStateStore"/>, <see cref="TimeProvider"/>. Persist before acting: every
/// change of state is staged, and <see cref="SendAsync"/> commits whatever is staged before any call leaves, so
/// a scheduler killed at any instruction restarts from the store with nothing done that the store does not know.
/// Split by concern: subscription and reconciliation, task and operation updates, offers, plan steps, operators.
/// </summary>
public sealed partial class SchedulerLoop : ISchedulerOperations
{
    private readonly Channel<SchedulerEvent> _events = Channel.CreateUnbounded<SchedulerEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SchedulerOptions _options;
    private readonly IMaster _master;
    private readonly IStateStore _store;
    private readonly TimeProvider _time;
    private readonly NodeTasks _tasks;
    private readonly INodeRegistryFeed? _registry;
    private readonly List<StoreWrite> _staged = [];
    private readonly List<Drover.Mesos.V1.TaskStatus> _acknowledgements = [];
    private readonly List<(TaskCompletionSource<OperationResult> Reply, OperationResult Result)> _replies = [];

    private readonly Dictionary<string, ClusterRecord> _clusters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeRecord> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _nodeByTask = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LedgerEntry> _ledger = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Plan> _plans = new(StringComparer.Ordinal);

    /// <summary>What the executors published in the registry, per followed cluster (node name → record): the operator's view only.</summary>
    private readonly Dictionary<string, IReadOnlyDictionary<string, Drover.Registry.NodeRecord>> _registered = new(StringComparer.Ordinal);
    private HashSet<RegistryTarget> _followed = [];

    private FrameworkRecord? _framework;
    private volatile SchedulerSnapshot _snapshot;
    private string? _fatal;
    private bool _stopped;
    private volatile bool _standby;

    /// <param name="registry">Where the nodes' endpoints and health are read from (the executors' registry records); null: from the reservations only.</param>
    public SchedulerLoop(SchedulerOptions options, IMaster master, IStateStore store, TimeProvider time, INodeRegistryFeed? registry = null)
    {
        _options = options;
        _master = master;
        _store = store;
        _time = time;
        _registry = registry;
        _tasks = new NodeTasks(options);
        _snapshot = SchedulerSnapshot.Empty(options.Framework, options.Role);
    }

    /// <summary>
    /// Until <see cref="RunAsync"/> starts, operators' changes are refused at once (503) instead of waiting: a scheduler
    /// that waits in the leader election owns no state. The program serves the API (health, a standby's view) meanwhile.
    /// </summary>
    public void StandBy() => _standby = true;

    /// <summary>Why the loop stopped with an error (for the program's exit message), or null.</summary>
    public string? FatalError => _fatal;

    /// <summary>Thread-safe: the only way in from other threads.</summary>
    public void Post(SchedulerEvent e)
    {
        if (!_events.Writer.TryWrite(e) && e is OperatorCommand command)
        {
            command.Result.TrySetResult(OperationResult.Unavailable("the scheduler has stopped"));
        }
    }

    public void Stop(string reason) => Post(new StopRequested(reason));

    /// <summary>Completes once every event posted before it is handled (or at once when the loop has stopped).</summary>
    public Task BarrierAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_events.Writer.TryWrite(new Barrier(done)))
        {
            done.TrySetResult();
        }

        return done.Task;
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Loads the state, subscribes, and runs until stopped or a fatal error; returns the exit code (0 or 1).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        _standby = false;
        try
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            Publish();
            _master.Start(SubscribeCall, signal => Post(new FromMaster(signal)));
            await using var registration = cancellationToken.Register(() => Stop("cancelled")).ConfigureAwait(false);
            await foreach (var e in _events.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                await HandleAsync(e).ConfigureAwait(false);
                if (_stopped)
                {
                    break;
                }

                await AfterEventAsync(afterTimer: e is TimerDue).ConfigureAwait(false);
                Publish();
                ReleaseReplies();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The store is the truth: stop rather than act on state that may not be what it says. A restarted
            // scheduler (or the standby) continues from the last commit.
            Fail(e is StateStoreException ? e.Message : $"internal error: {e}");
        }
        finally
        {
            _events.Writer.TryComplete();
            while (_events.Reader.TryRead(out var left))
            {
                if (left is OperatorCommand command)
                {
                    command.Result.TrySetResult(OperationResult.Unavailable("the scheduler has stopped"));
                }
                else if (left is Barrier barrier)
                {
                    barrier.Done.TrySetResult();
                }
            }

            _timer?.Dispose();
            Publish();
            ReleaseReplies(); // what was committed before a failure or a stop is answered as it was
        }

        return _fatal is null ? 0 : 1;
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var state = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
        _framework = state.Framework;
        foreach (var cluster in state.Clusters)
        {
            _clusters[cluster.Name] = cluster;
        }

        foreach (var node in state.Nodes)
        {
            _nodes[node.Key] = node;
            Index(node);
        }

        foreach (var entry in state.Ledger)
        {
            _ledger[entry.Id] = entry;
        }

        foreach (var plan in state.Plans)
        {
            _plans[plan.Key] = plan.ToPlan();
        }

        Log.Info($"loaded state: framework id {_framework?.Id ?? "(none yet)"}, {_clusters.Count} cluster(s), {_nodes.Count} node(s), {_ledger.Count} ledger entr(ies), {_plans.Count} plan(s)");
    }

    private async Task HandleAsync(SchedulerEvent e)
    {
        switch (e)
        {
            case FromMaster { Signal: var signal }:
                await OnMasterSignalAsync(signal).ConfigureAwait(false);
                break;
            case TimerDue due:
                await OnTimerAsync(due).ConfigureAwait(false);
                break;
            case OperatorCommand command:
                await OnOperatorCommandAsync(command).ConfigureAwait(false);
                break;
            case RegistryChanged registered:
                _registered[registered.Cluster] = registered.Records;
                break;
            case Barrier barrier:
                barrier.Done.TrySetResult();
                break;
            case StopRequested stop:
                Log.Info($"stopping: {stop.Reason}");
                _stopped = true;
                break;
        }
    }

    /// <summary>After every event: plans move, offers are wanted or not, timers re-armed.</summary>
    private async Task AfterEventAsync(bool afterTimer)
    {
        if (_subscription == SubscriptionState.Subscribed)
        {
            await AdvancePlansAsync().ConfigureAwait(false);
            await UpdateOfferInterestAsync().ConfigureAwait(false);
        }

        await AcknowledgeDeferredAsync().ConfigureAwait(false);
        await CommitAsync().ConfigureAwait(false);
        ArmTimer(afterTimer);
        FollowRegistries();
    }

    /// <summary>Follows the registry of every cluster whose nodes register (the one their NodeSpec.zookeeper names).</summary>
    private void FollowRegistries()
    {
        if (_registry is null)
        {
            return;
        }

        var targets = new HashSet<RegistryTarget>();
        foreach (var cluster in _clusters.Values)
        {
            if ((cluster.Spec.Zookeeper?.Connect ?? _options.RegistryConnect) is { Length: > 0 } connect)
            {
                targets.Add(new RegistryTarget(cluster.Name, connect, cluster.Spec.Zookeeper?.Root ?? _options.RegistryRoot));
            }
        }

        if (targets.SetEquals(_followed))
        {
            return;
        }

        _followed = targets;
        foreach (var gone in _registered.Keys.Where(c => !targets.Any(t => t.Cluster == c)).ToList())
        {
            _registered.Remove(gone);
        }

        _registry.Follow(targets, (cluster, records) => Post(new RegistryChanged(cluster, records)));
    }

    private void Fail(string message)
    {
        if (_fatal is null)
        {
            _fatal = message;
            Log.Error(message);
        }

        _stopped = true;
    }

    // ---- persistence ---------------------------------------------------------------------------------------

    private void Stage(StoreWrite write) => _staged.Add(write);

    /// <summary>Writes everything staged, atomically. Throws (fatal) when the store cannot.</summary>
    private async Task CommitAsync()
    {
        if (_staged.Count == 0)
        {
            return;
        }

        var batch = _staged.ToArray();
        _staged.Clear();
        await _store.CommitAsync(batch).ConfigureAwait(false);
    }

    /// <summary>Persist before act: commits what is staged, then sends the call.</summary>
    private async Task<CallOutcome> SendAsync(Call call)
    {
        await CommitAsync().ConfigureAwait(false);
        if (_framework is { } framework && call.FrameworkId is null)
        {
            call.FrameworkId = new FrameworkID { Value = framework.Id };
        }

        var outcome = await _master.SendAsync(call).ConfigureAwait(false);
        switch (outcome)
        {
            case CallOutcome.Rejected rejected:
                Log.Warning($"{call.Type} refused by the master: {rejected.Status} {rejected.Message}");
                break;
            case CallOutcome.NotConnected notConnected:
                Log.Warning($"{call.Type} not sent: {notConnected.Reason}");
                break;
        }

        return outcome;
    }

    private void Save(NodeRecord node)
    {
        if (_nodes.TryGetValue(node.Key, out var old) && old.TaskId is { } oldTask && oldTask != node.TaskId)
        {
            _nodeByTask.Remove(oldTask);
        }

        _nodes[node.Key] = node;
        Index(node);
        Stage(new StoreWrite.PutNode(node));
    }

    private void Forget(NodeRecord node)
    {
        _nodes.Remove(node.Key);
        if (node.TaskId is { } task)
        {
            _nodeByTask.Remove(task);
        }

        Stage(new StoreWrite.DeleteNode(node.Cluster, node.Name));
    }

    private void Index(NodeRecord node)
    {
        if (node.TaskId is { } task)
        {
            _nodeByTask[task] = node.Key;
        }
    }

    private void Save(LedgerEntry entry)
    {
        _ledger[entry.Id] = entry;
        Stage(new StoreWrite.PutLedger(entry));
    }

    /// <summary>No node needs the entry any more: released if it was made, abandoned if it was never seen.</summary>
    private void GiveUp(LedgerEntry entry) =>
        Save(entry with { State = entry.State == LedgerState.Intended ? LedgerState.Abandoned : LedgerState.Releasing });

    private void Forget(LedgerEntry entry)
    {
        _ledger.Remove(entry.Id);
        Stage(new StoreWrite.DeleteLedger(entry.Id));
    }

    private void Save(ClusterRecord cluster)
    {
        _clusters[cluster.Name] = cluster;
        Stage(new StoreWrite.PutCluster(cluster));
    }

    private void Save(Plan plan)
    {
        _plans[StatePaths.PlanKey(plan.Cluster, plan.Name)] = plan;
        Stage(new StoreWrite.PutPlan(PlanRecord.From(plan)));
    }

    private void Forget(Plan plan)
    {
        _plans.Remove(StatePaths.PlanKey(plan.Cluster, plan.Name));
        Stage(new StoreWrite.DeletePlan(plan.Cluster, plan.Name));
    }

    private NodeRecord? NodeOfTask(string taskId) =>
        _nodeByTask.TryGetValue(taskId, out var key) && _nodes.TryGetValue(key, out var node) && node.TaskId == taskId ? node : null;

    private NodeRecord? Node(string cluster, string node) => _nodes.GetValueOrDefault(StatePaths.NodeKey(cluster, node));

    private IEnumerable<NodeRecord> NodesOf(string cluster) => _nodes.Values.Where(n => n.Cluster == cluster).OrderBy(n => n.Index);

    // ---- timers --------------------------------------------------------------------------------------------

    /// <summary>
    /// How long a deadline that is still past right after its timer fired waits before the timer fires again. Only a
    /// guard: <see cref="NextDeadline"/> names only deadlines whose handler can act, so this is reached only by a
    /// handler that could not clear its own deadline; without it, such a deadline re-armed the timer with delay 0
    /// for ever (a scheduler whose master and ZooKeeper were gone spun at 75% of a core in the timer thread).
    /// </summary>
    internal static readonly TimeSpan PastDeadlineRetry = TimeSpan.FromSeconds(1);

    private ITimer? _timer;
    private long _timerGeneration;

    /// <summary>One timer, at the earliest deadline anything can act on now.</summary>
    /// <param name="afterTimer">The event just handled was <see cref="TimerDue"/> (and the plan engine has run after it).</param>
    private void ArmTimer(bool afterTimer)
    {
        var next = NextDeadline();
        _timer?.Dispose();
        _timer = null;
        if (next is not { } deadline || _stopped)
        {
            return;
        }

        var generation = ++_timerGeneration;
        var delay = deadline - Now;
        if (delay <= TimeSpan.Zero)
        {
            // Due now. Right after the timer fired, a deadline still past is one its handler could not act on: at once
            // again would be the same again. Any other event re-arms at once (it may be what the handler waited for).
            delay = afterTimer ? PastDeadlineRetry : TimeSpan.Zero;
        }

        _timer = _time.CreateTimer(_ => Post(new TimerDue(generation)), null, delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The earliest deadline whose handler can act in the current state, and only those: the explicit reconciliation's
    /// retry while reconciling; the periodic reconciliation while the master listens; the plan engine's times (steps'
    /// deadlines, relaunch backoffs, replace_after, the planners' own) only while subscribed, since the engine runs
    /// only then (<see cref="AfterEventAsync"/>). A time that passed meanwhile is not lost: the event that makes its
    /// handler able to act (SUBSCRIBED, the last reconciliation answer) runs the engine, which compares every deadline
    /// with the clock. Arming for a deadline nothing can clear is what made the timer fire at once for ever.
    /// </summary>
    private DateTimeOffset? NextDeadline()
    {
        DateTimeOffset? next = null;
        void Consider(DateTimeOffset? when)
        {
            if (when is { } w && (next is null || w < next))
            {
                next = w;
            }
        }

        if (_subscription == Operations.SubscriptionState.Reconciling)
        {
            Consider(_reconcileDue);
        }

        if (_subscription is Operations.SubscriptionState.Subscribed or Operations.SubscriptionState.Reconciling)
        {
            Consider(_implicitReconcileDue);
        }

        if (_subscription != Operations.SubscriptionState.Subscribed)
        {
            return next;
        }

        Consider(PlannerWakeUp());
        // Steps in progress go on even in an interrupted plan (AdvancePlansAsync checks them all).
        foreach (var plan in _plans.Values)
        {
            foreach (var step in plan.Steps.Where(s => s.Status == StepStatus.InProgress))
            {
                Consider(step.Deadline);
            }
        }

        foreach (var node in _nodes.Values)
        {
            if (node.Phase is Model.NodePhase.Pending or Model.NodePhase.Stopped && node.NotBefore is { } notBefore && notBefore > Now)
            {
                Consider(notBefore);
            }

            Consider(ReplaceDue(node));
        }

        return next;
    }

    private async Task OnTimerAsync(TimerDue due)
    {
        // A timer armed before the last re-arm is not dropped: every deadline below is compared with the clock, so a
        // stale one does no harm, while dropping it starves a deadline already due whenever another event re-arms
        // the timer before its TimerDue is handled (a clock that fires due timers at once, a flood of events).
        _ = due;
        if (_reconcileDue is { } reconcile && reconcile <= Now)
        {
            await RetryReconciliationAsync().ConfigureAwait(false);
        }

        if (_implicitReconcileDue is { } implicitDue && implicitDue <= Now)
        {
            await ReconcileImplicitlyAsync().ConfigureAwait(false);
        }

        // Waits, backoffs, replace_after and the planners' own times are looked at by the plan engine after every event.
    }
}
