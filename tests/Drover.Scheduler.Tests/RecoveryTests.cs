using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using Drover.Scheduler.Model;
using Drover.Scheduler.Offers;
using Drover.Scheduler.Plans;
using Drover.Scheduler.State;
using Drover.Scheduler.Tests.Support;
using Call = Drover.Mesos.V1.Scheduler.Call;

namespace Drover.Scheduler.Tests;

public class RecoveryTests
{

    private static async Task<Harness> DeployedAsync(int count, ClusterSpec? spec = null, FakeMaster? master = null)
    {
        var h = new Harness(master: master);
        if (master is null)
        {
            h.Master.AddAgent("a1", "host1");
            h.Master.AddAgent("a2", "host2");
            h.Master.AddAgent("a3", "host3");
        }

        await h.StartAsync();
        await h.PutAsync(spec ?? Harness.Generic(count: count, maxPerAgent: 1));
        await h.DriveAsync(s => Harness.AllHealthy(s, (spec?.Name) ?? "web", count), $"{count} healthy nodes");
        return h;
    }

    private static IEnumerable<Offer.Types.Operation> Operations(FakeMaster master) =>
        master.Calls(Call.Types.Type.Accept).SelectMany(c => c.Accept.Operations);

    [Fact]
    public async Task FailedNode_RelaunchesInPlace_OnItsReservationAndVolume()
    {
        await using var h = await DeployedAsync(1);
        var before = h.Cluster("web").Nodes.Single();
        h.Master.ClearCalls();

        h.Master.Fail(before.TaskId!);
        await h.SettleAsync();
        var stopped = h.Cluster("web").Nodes.Single();
        Assert.Equal(NodePhase.Stopped, stopped.Phase);
        Assert.Contains(h.Cluster("web").Plans.Single(p => p.Name == "recovery").Phases.Single().Steps, s => s.Name == "recover-web-0-1");

        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1) && s.Clusters[0].Nodes[0].TaskId != before.TaskId, "the node relaunched");

        var operations = Operations(h.Master).ToList();
        var launch = Assert.Single(operations);
        Assert.Equal(Offer.Types.Operation.Types.Type.Launch, launch.Type);
        var task = launch.Launch.TaskInfos.Single();
        Assert.Equal(before.AgentId, task.AgentId.Value);
        Assert.Equal(before.PersistenceId, task.Resources.Single(r => r.IsPersistentVolume()).Disk.Persistence.Id);
        Assert.Equal("web.web-0.2", task.TaskId.Value);
        var after = h.Cluster("web").Nodes.Single();
        Assert.Equal(before.Ports, after.Ports);
    }

    [Theory]
    [InlineData(TaskState.TaskFailed, NodePhase.Stopped, true)]
    [InlineData(TaskState.TaskFinished, NodePhase.Stopped, true)]
    [InlineData(TaskState.TaskKilled, NodePhase.Stopped, true)]
    [InlineData(TaskState.TaskError, NodePhase.Stopped, true)]
    [InlineData(TaskState.TaskDropped, NodePhase.Stopped, true)]
    [InlineData(TaskState.TaskUnknown, NodePhase.Stopped, true)]
    [InlineData(TaskState.TaskLost, NodePhase.Lost, true)]
    [InlineData(TaskState.TaskUnreachable, NodePhase.Lost, true)]
    [InlineData(TaskState.TaskGone, NodePhase.Pending, false)]
    [InlineData(TaskState.TaskGoneByOperator, NodePhase.Pending, false)]
    [InlineData(TaskState.TaskKilling, NodePhase.Killing, true)]
    public async Task TaskState_MovesTheNode_AndKeepsOrDropsItsReservation(TaskState state, NodePhase phase, bool keepsReservation)
    {
        await using var h = await DeployedAsync(1);
        var node = h.Cluster("web").Nodes.Single();
        var task = h.Master.Tasks().Single();

        h.Master.Update(task, state);
        await h.SettleAsync();

        var after = h.Cluster("web").Nodes.Single();
        Assert.Equal(phase, after.Phase);
        Assert.Equal(keepsReservation ? node.PersistenceId : null, after.PersistenceId);
        var ledger = await h.Store.LoadAsync();
        Assert.Equal(keepsReservation ? 1 : 0, ledger.Ledger.Count);
        Assert.Contains(h.Master.Calls(Call.Types.Type.Acknowledge), c => c.Acknowledge.TaskId.Value == task.Info.TaskId.Value);
    }

    [Fact]
    public async Task LostNode_ReplacedAfterReplaceAfter_OldReservationReleasedWhenItsAgentReturns()
    {
        var spec = Harness.Generic(count: 1) with { ReplaceAfter = "30mins" };
        await using var h = await DeployedAsync(1, spec);
        var old = h.Cluster("web").Nodes.Single();
        var oldAgent = old.AgentId!;

        h.Master.Partition(oldAgent);
        await h.SettleAsync();
        Assert.Equal(NodePhase.Lost, h.Cluster("web").Nodes.Single().Phase);

        await h.AdvanceAsync(TimeSpan.FromMinutes(29));
        h.Master.OfferAll(force: true);
        await h.SettleAsync();
        Assert.Equal(NodePhase.Lost, h.Cluster("web").Nodes.Single().Phase);

        await h.AdvanceAsync(TimeSpan.FromMinutes(2));
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1) && s.Clusters[0].Nodes[0].AgentId != oldAgent, "the node replaced elsewhere", forceOffers: true);
        var replaced = h.Cluster("web").Nodes.Single();
        Assert.NotEqual(old.PersistenceId, replaced.PersistenceId);
        Assert.False(h.Master.Agent(oldAgent).Reserved().IsEmpty, "the old reservation stays while its agent is away");

        // The agent returns with the old task: it is no node's task any more, so it is killed; its reservation goes.
        h.Master.Heal(oldAgent);
        await h.DriveAsync(_ => h.Master.Agent(oldAgent).Reserved().IsEmpty, "the old reservation released", forceOffers: true);

        Assert.Contains(h.Master.Calls(Call.Types.Type.Kill), c => c.Kill.TaskId.Value == old.TaskId);
        var released = Operations(h.Master).Where(o => o.Type is Offer.Types.Operation.Types.Type.Destroy or Offer.Types.Operation.Types.Type.Unreserve).ToList();
        Assert.Equal([Offer.Types.Operation.Types.Type.Destroy, Offer.Types.Operation.Types.Type.Unreserve], released.Select(o => o.Type));
        Assert.All(released.SelectMany(o => o.Type == Offer.Types.Operation.Types.Type.Destroy ? o.Destroy.Volumes : o.Unreserve.Resources),
            r => Assert.Equal(old.PersistenceId, r.ReservationLabel(ReservationLabels.Reservation)));
        Assert.Single((await h.Store.LoadAsync()).Ledger);
        Assert.Single(h.Master.LiveTasks());
    }

    [Fact]
    public async Task OperatorReplace_RunningNode_KilledAndPlacedElsewhere()
    {
        await using var h = await DeployedAsync(1);
        var old = h.Cluster("web").Nodes.Single();

        var result = await h.Loop.ReplaceNodeAsync("web", "web-0");
        Assert.True(result.IsOk, result.Message);
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1) && s.Clusters[0].Nodes[0].PersistenceId != old.PersistenceId
            && h.Master.Agent(old.AgentId!).Reserved().IsEmpty, "replaced, old reservation released", forceOffers: true);

        Assert.Single(h.Master.LiveTasks());
        Assert.Contains(h.Cluster("web").Plans.Single(p => p.Name == "recovery").Phases.Single().Steps, s => s.Action == "replace_node" && s.Status == StepStatus.Complete);
    }

    [Fact]
    public async Task Restart_ReconcilesEveryKnownTask_BeforeAnyLaunch()
    {
        await using var h = await DeployedAsync(2);
        h.Master.IgnoreReconcile = true;
        h.Loop.Stop("crash");
        await h.Run;
        h.Master.Disconnect();
        h.Master.ClearCalls();

        await h.StartAsync();
        var reconcile = Assert.Single(h.Master.Calls(Call.Types.Type.Reconcile));
        Assert.Equal(2, reconcile.Reconcile.Tasks.Count);
        Assert.All(reconcile.Reconcile.Tasks, t => Assert.NotNull(t.AgentId));
        Assert.Equal(Drover.Scheduler.Operations.SubscriptionState.Reconciling, h.Snapshot.Subscription.State);
        Assert.True((await h.Loop.ScaleAsync("web", 3)).IsOk);

        // Offers while reconciling: declined with a short filter, nothing launched.
        h.Master.OfferAll(force: true);
        await h.SettleAsync();
        Assert.Empty(h.Master.Calls(Call.Types.Type.Accept));
        Assert.Equal(5, h.Master.Calls(Call.Types.Type.Decline).Single().Decline.Filters.RefuseSeconds);

        // Unanswered: asked again after the backoff.
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, h.Master.Calls(Call.Types.Type.Reconcile).Count);

        h.Master.IgnoreReconcile = false;
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Drover.Scheduler.Operations.SubscriptionState.Subscribed, h.Snapshot.Subscription.State);
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 3), "the third node launched");

        var calls = h.Master.Calls();
        var lastReconcile = calls.ToList().FindLastIndex(c => c.Type == Call.Types.Type.Reconcile);
        var firstAccept = calls.ToList().FindIndex(c => c.Type == Call.Types.Type.Accept);
        Assert.True(lastReconcile < firstAccept, "no ACCEPT before reconciliation ended");
        Assert.Equal(3, h.Master.LiveTasks().Count);
    }

    [Fact]
    public async Task UnknownTask_IsKilled_AndAcknowledged()
    {
        await using var h = await DeployedAsync(1);
        var stranger = new FakeTask(new TaskInfo
        {
            TaskId = new TaskID { Value = "web.web-7.3" },
            Name = "x",
            AgentId = new AgentID { Value = "a2" },
            Executor = new ExecutorInfo { ExecutorId = new ExecutorID { Value = "web.web-7.3" } },
        }, "a2", ResourceSet.Empty) { Framework = h.Master.FrameworkId! };

        h.Master.Update(stranger, TaskState.TaskRunning);
        await h.SettleAsync();

        var kill = Assert.Single(h.Master.Calls(Call.Types.Type.Kill));
        Assert.Equal("web.web-7.3", kill.Kill.TaskId.Value);
        Assert.Equal("a2", kill.Kill.AgentId.Value);
        Assert.Contains(h.Master.Calls(Call.Types.Type.Acknowledge), c => c.Acknowledge.TaskId.Value == "web.web-7.3");
        Assert.True(Harness.AllHealthy(h.Snapshot, "web", 1));
    }

    [Fact]
    public async Task ImplicitReconciliation_IsPeriodic()
    {
        await using var h = await DeployedAsync(1);
        h.Master.ClearCalls();

        await h.AdvanceAsync(h.Options.ImplicitReconcileInterval + TimeSpan.FromSeconds(1));

        var reconcile = Assert.Single(h.Master.Calls(Call.Types.Type.Reconcile));
        Assert.Empty(reconcile.Reconcile.Tasks);
    }

    [Fact]
    public async Task RescindedOffer_BetweenMatchAndAccept_NodePlacedAgain_NothingLeaked()
    {
        var h = new Harness();
        await using var _ = h;
        h.Master.AddAgent("a1", "host1");
        await h.StartAsync();
        await h.PutAsync(Harness.Generic(count: 1));
        h.Master.RescindOnNextAccept = true;

        h.Master.OfferAll();
        await h.SettleAsync();
        var dropped = h.Cluster("web").Nodes.Single();
        Assert.Equal(NodePhase.Pending, dropped.Phase);
        Assert.True(h.Master.Agent("a1").Reserved().IsEmpty);

        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1), "placed on a fresh offer");
        var node = h.Cluster("web").Nodes.Single();
        Assert.Equal("drover.web.web-0.1", node.PersistenceId);
        Assert.Equal(1, h.Master.Agent("a1").Reserved().Count(r => r.Name == "cpus"));
        Assert.Single((await h.Store.LoadAsync()).Ledger, e => e.State != LedgerState.Releasing);
    }

    [Fact]
    public async Task FrameworkIdRefused_StopsWithResetAdvice_AndKeepsTheId()
    {
        var h = new Harness();
        await using var _ = h;
        await h.Store.CommitAsync([new StoreWrite.PutFramework(new FrameworkRecord { Id = "fw-old" })]);
        h.Master.FrameworkId = "fw-new";
        h.Master.RefuseUnknownFrameworkId = true;

        await h.StartAsync();
        var code = await h.Run.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, code);
        Assert.Contains("reset-framework --framework drover --confirm fw-old", h.Loop.FatalError, StringComparison.Ordinal);
        Assert.Equal("fw-old", (await h.Store.LoadAsync()).Framework!.Id);
        Assert.Empty(h.Master.Calls(Call.Types.Type.Accept));
    }

    [Fact]
    public async Task FrameworkId_WrittenBeforeTheFirstLaunch_AndReusedAtResubscribe()
    {
        var h = new Harness();
        await using var _ = h;
        h.Master.AddAgent("a1", "host1");
        var launchedWithoutId = false;
        h.Master.CrashBefore = call =>
        {
            launchedWithoutId |= call.Type == Call.Types.Type.Accept && h.Store.Znodes().Keys.All(k => !k.EndsWith("/framework-id", StringComparison.Ordinal));
            return false;
        };
        await h.StartAsync();
        var id = (await h.Store.LoadAsync()).Framework!.Id;
        await h.PutAsync(Harness.Generic(count: 1));
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1), "a node");
        Assert.False(launchedWithoutId);

        await h.RestartAsync();
        var subscribe = h.Master.Calls(Call.Types.Type.Subscribe).Last();
        Assert.Equal(id, subscribe.Subscribe.FrameworkInfo.Id.Value);
        Assert.True(subscribe.Subscribe.FrameworkInfo.Checkpoint);
        Assert.Equal(7 * 24 * 3600, subscribe.Subscribe.FrameworkInfo.FailoverTimeout);
        Assert.Equal(4, subscribe.Subscribe.FrameworkInfo.Capabilities.Count);
    }
}
