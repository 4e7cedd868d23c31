using System.Text.Json;
using Drover.LocalMesos.Tests.Support;
using Drover.Mesos.Resources;
using Drover.Mesos.Scheduler;
using Drover.Mesos.V1;
using Call = Drover.Mesos.V1.Scheduler.Call;
using Event = Drover.Mesos.V1.Scheduler.Event;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.LocalMesos.Tests.Master;

/// <summary>
/// The local Mesos with the real published executor: reserve, create a volume, launch task groups that use it,
/// kill, lose an agent, fail the master over. The scheduler side is the real v1 client.
/// </summary>
public sealed class EndToEndTests
{
    private static Resource[] TaskResources(string node) =>
    [
        MesosResources.Scalar("cpus", 0.2).ReservedAs(Local.Reservation(node)).AllocatedTo(SchedulerHarness.Role),
        MesosResources.Scalar("mem", 64).ReservedAs(Local.Reservation(node)).AllocatedTo(SchedulerHarness.Role),
    ];

    /// <summary>Reserves and creates a volume on the first offer, then returns the next offer holding both.</summary>
    private static async Task<Offer> ReserveWithVolumeAsync(SchedulerHarness scheduler, string node, string persistenceId)
    {
        var offer = await scheduler.WaitForOfferAsync();
        var mark = scheduler.Mark;
        await scheduler.AcceptAsync(offer,
            SchedulerHarness.Ops.Reserve(null, Local.Reserved(node, 0.5, 160, 96)),
            SchedulerHarness.Ops.Create(null, Local.Volume(node, persistenceId, 64)));
        return await scheduler.WaitForOfferAsync(o => o.Resources.Any(r => r.IsPersistentVolume()), "the offer with the volume", mark, offer.AgentId.Value);
    }

    private static Resource VolumeOf(Offer offer) => offer.Resources.Single(r => r.IsPersistentVolume());

    [Fact]
    public async Task AVolume_SurvivesItsTask_TheNextTaskReadsWhatTheFirstWrote()
    {
        await using var mesos = await Local.StartAsync(agents: 1);
        await using var scheduler = SchedulerHarness.Start(Local.Address(mesos));
        var offer = await ReserveWithVolumeAsync(scheduler, "n1", "fw.c.n1");
        var mark = scheduler.Mark;

        var used = new HashSet<string>(scheduler.Received.Where(e => e.Type == Event.Types.Type.Offers).SelectMany(e => e.Offers.Offers_).Select(o => o.Id.Value));
        var writer = Local.ShellTask("writer", offer, "echo written-by-the-first > data/note", [.. TaskResources("n1"), VolumeOf(offer)]);
        await scheduler.AcceptAsync(offer, SchedulerHarness.Ops.LaunchGroup(Local.Executor("e-writer", "n1"), writer));
        var running = await scheduler.WaitForUpdateAsync("writer", TaskState.TaskRunning, mark);
        Assert.Equal(16, running.Uuid.Length);
        Assert.NotNull(running.ContainerStatus);
        Assert.True(running.ContainerStatus.ExecutorPid > 0);
        var finished = await scheduler.WaitForUpdateAsync("writer", TaskState.TaskFinished, mark);
        foreach (var update in scheduler.Received.Where(e => e.Type == Event.Types.Type.Update && e.Update.Status.HasUuid).Select(e => e.Update.Status).ToArray())
        {
            await scheduler.AcknowledgeAsync(update);
        }

        var failure = await scheduler.WaitForEventAsync(e => e.Type == Event.Types.Type.Failure && e.Failure.ExecutorId?.Value == "e-writer", "the first executor's exit", mark);
        Assert.Equal(0, failure.Failure.Status);
        Assert.Equal(offer.AgentId, failure.Failure.AgentId);

        // The task's share comes back when it finishes, the executor's when it exits: two offers, used together.
        Offer[] again = [];
        await Drover.Testing.Eventually.TrueAsync(() =>
        {
            again = [.. scheduler.Received.Where(e => e.Type == Event.Types.Type.Offers).SelectMany(e => e.Offers.Offers_)
                .Where(o => o.Resources.Any(r => r.IsReserved()) && !used.Contains(o.Id.Value))];
            return again.Any(o => o.Resources.Any(r => r.IsPersistentVolume()))
                && again.SelectMany(o => o.Resources).Where(r => r.IsReserved() && r.Name == "cpus").Sum(r => r.Scalar.Value) >= 0.3;
        }, "the whole reservation offered again", SchedulerHarness.Wait);
        mark = scheduler.Mark;
        var withVolume = again.First(o => o.Resources.Any(r => r.IsPersistentVolume()));
        var reader = Local.ShellTask("reader", withVolume, "test \"$(cat data/note)\" = written-by-the-first", [.. TaskResources("n1"), VolumeOf(withVolume)]);
        await scheduler.AcceptAsync(again.Select(o => o.Id), SchedulerHarness.Ops.LaunchGroup(Local.Executor("e-reader", "n1"), reader));

        await scheduler.WaitForUpdateAsync("reader", TaskState.TaskFinished, mark);
        var volume = await mesos.VolumePathAsync(offer.AgentId.Value, SchedulerHarness.Role, "fw.c.n1");
        Assert.Equal("written-by-the-first\n", await File.ReadAllTextAsync(Path.Combine(volume, "note")));
        Assert.Equal(TaskState.TaskFinished, finished.State);
    }

    [Fact]
    public async Task Kill_SendsKillingBeforeKilled_AndExplicitReconciliationAnswersTheLatestState()
    {
        await using var mesos = await Local.StartAsync(agents: 1);
        await using var scheduler = SchedulerHarness.Start(Local.Address(mesos));
        var offer = await ReserveWithVolumeAsync(scheduler, "n1", "fw.c.n1");
        var mark = scheduler.Mark;
        var task = Local.ShellTask("sleeper", offer, "sleep 600", TaskResources("n1"));
        await scheduler.AcceptAsync(offer, SchedulerHarness.Ops.LaunchGroup(Local.Executor("e-sleeper"), task));
        await scheduler.WaitForUpdateAsync("sleeper", TaskState.TaskRunning, mark);

        var reconcile = new Call.Types.Reconcile();
        reconcile.Tasks.Add(new Call.Types.Reconcile.Types.Task { TaskId = task.TaskId, AgentId = task.AgentId });
        var before = scheduler.Mark;
        await scheduler.SendAsync(new Call { Type = Call.Types.Type.Reconcile, Reconcile = reconcile });
        var latest = await scheduler.WaitForEventAsync(e => e.Type == Event.Types.Type.Update && e.Update.Status.Reason == TaskStatus.Types.Reason.Reconciliation, "the reconciliation answer", before);
        Assert.Equal((TaskState.TaskRunning, "Reconciliation: Latest task state", false), (latest.Update.Status.State, latest.Update.Status.Message, latest.Update.Status.HasUuid));

        var kill = new Call { Type = Call.Types.Type.Kill, Kill = new Call.Types.Kill { TaskId = task.TaskId, AgentId = task.AgentId } };
        Assert.True((await scheduler.SendAsync(kill)).IsAccepted);
        await scheduler.WaitForUpdateAsync("sleeper", TaskState.TaskKilled, mark);
        var states = scheduler.Received.Where(e => e.Type == Event.Types.Type.Update && e.Update.Status.TaskId.Value == "sleeper" && e.Update.Status.Source == TaskStatus.Types.Source.Executor)
            .Select(e => e.Update.Status.State).ToList();
        Assert.True(states.IndexOf(TaskState.TaskKilling) is >= 0 and var k && k < states.IndexOf(TaskState.TaskKilled), string.Join(", ", states));
    }

    [Fact]
    public async Task AnAgentLostAndBack_TasksGoUnreachable_ThenReconcileAsRunning()
    {
        await using var mesos = await Local.StartAsync(agents: 2);
        await using var scheduler = SchedulerHarness.Start(Local.Address(mesos));
        var offer = await scheduler.WaitForOfferAsync(o => o.AgentId.Value == mesos.AgentIds[0]);
        var mark = scheduler.Mark;
        var task = Local.ShellTask("survivor", offer, "sleep 600", [MesosResources.Scalar("cpus", 0.2).AllocatedTo(SchedulerHarness.Role), MesosResources.Scalar("mem", 64).AllocatedTo(SchedulerHarness.Role)]);
        await scheduler.AcceptAsync(offer, SchedulerHarness.Ops.LaunchGroup(Local.Executor("e-survivor"), task));
        await scheduler.WaitForUpdateAsync("survivor", TaskState.TaskRunning, mark);

        await mesos.LoseAgentAsync(offer.AgentId.Value);
        var unreachable = await scheduler.WaitForUpdateAsync("survivor", TaskState.TaskUnreachable, mark);
        Assert.NotNull(unreachable.UnreachableTime);
        await scheduler.WaitForEventAsync(e => e.Type == Event.Types.Type.Failure && e.Failure.AgentId?.Value == offer.AgentId.Value && e.Failure.ExecutorId is null, "FAILURE for the agent", mark);

        await mesos.RestoreAgentAsync(offer.AgentId.Value);
        var before = scheduler.Mark;
        await scheduler.SendAsync(new Call { Type = Call.Types.Type.Reconcile, Reconcile = new Call.Types.Reconcile() });
        var latest = await scheduler.WaitForEventAsync(e => e.Type == Event.Types.Type.Update && e.Update.Status.TaskId.Value == "survivor" && e.Update.Status.Reason == TaskStatus.Types.Reason.Reconciliation, "implicit reconciliation", before);
        Assert.Equal(TaskState.TaskRunning, latest.Update.Status.State);
    }

    [Fact]
    public async Task AMasterFailover_TheSchedulerResubscribesThroughTheStandby_AndItsTaskIsStillThere()
    {
        await using var mesos = await Local.StartAsync(agents: 1, standbys: 1);
        await using var scheduler = SchedulerHarness.Start(MasterAddress.Of([.. mesos.Masters]));
        var offer = await scheduler.WaitForOfferAsync();
        var mark = scheduler.Mark;
        var task = Local.ShellTask("steady", offer, "sleep 600", [MesosResources.Scalar("cpus", 0.2).AllocatedTo(SchedulerHarness.Role)]);
        await scheduler.AcceptAsync(offer, SchedulerHarness.Ops.LaunchGroup(Local.Executor("e-steady"), task));
        await scheduler.WaitForUpdateAsync("steady", TaskState.TaskRunning, mark);
        var frameworkId = scheduler.FrameworkId;
        var firstLeader = mesos.Leader;

        mark = scheduler.Mark;
        await mesos.FailoverAsync(keepState: false);
        var reconnected = await scheduler.WaitForAsync<Connected>(_ => true, "resubscribed to the new leader", mark);

        Assert.NotEqual(firstLeader, reconnected.Endpoint);
        Assert.Equal(mesos.Leader, reconnected.Endpoint);
        Assert.Equal(frameworkId, scheduler.FrameworkId);
        var before = scheduler.Mark;
        await scheduler.SendAsync(new Call { Type = Call.Types.Type.Reconcile, Reconcile = new Call.Types.Reconcile() });
        var latest = await scheduler.WaitForEventAsync(e => e.Type == Event.Types.Type.Update && e.Update.Status.TaskId.Value == "steady" && e.Update.Status.Reason == TaskStatus.Types.Reason.Reconciliation, "the task after failover", before);
        Assert.Equal(TaskState.TaskRunning, latest.Update.Status.State);
        using var state = JsonDocument.Parse(await mesos.StateJsonAsync());
        Assert.Equal(frameworkId, state.RootElement.GetProperty("frameworks")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task TwoVolumesAtTheSamePathInOneTask_FailTheTaskAsTheAgentDoes()
    {
        await using var mesos = await Local.StartAsync(agents: 1);
        await using var scheduler = SchedulerHarness.Start(Local.Address(mesos));
        var offer = await scheduler.WaitForOfferAsync();
        var mark = scheduler.Mark;
        await scheduler.AcceptAsync(offer,
            SchedulerHarness.Ops.Reserve(null, Local.Reserved("n1", 0.5, 160, 200)),
            SchedulerHarness.Ops.Create(null, Local.Volume("n1", "vol-a", 32), Local.Volume("n1", "vol-b", 32)));
        var withVolumes = await scheduler.WaitForOfferAsync(o => o.Resources.Count(r => r.IsPersistentVolume()) == 2, "both volumes", mark);
        mark = scheduler.Mark;

        var task = Local.ShellTask("two-volumes", withVolumes, "sleep 60", [.. TaskResources("n1"), .. withVolumes.Resources.Where(r => r.IsPersistentVolume())]);
        await scheduler.AcceptAsync(withVolumes, SchedulerHarness.Ops.LaunchGroup(Local.Executor("e-two"), task));

        var failed = await scheduler.WaitForUpdateAsync("two-volumes", TaskState.TaskFailed, mark);
        Assert.StartsWith("Failed to launch container: The existing symlink '", failed.Message, StringComparison.Ordinal);
        Assert.Contains("/volumes/roles/drover/vol-", failed.Message, StringComparison.Ordinal);
    }
}
