using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using Drover.Scheduler.Model;
using Drover.Scheduler.Offers;
using Drover.Scheduler.Plans;
using Drover.Scheduler.Tests.Support;
using Call = Drover.Mesos.V1.Scheduler.Call;

namespace Drover.Scheduler.Tests;

public class DeployTests
{
    private static async Task<Harness> ThreeAgentsAsync(string framework = "drover", FakeMaster? master = null)
    {
        var harness = new Harness(framework, master);
        if (master is null)
        {
            harness.Master.AddAgent("a1", "host1", attributes: ("rack", "r1"));
            harness.Master.AddAgent("a2", "host2", attributes: ("rack", "r2"));
            harness.Master.AddAgent("a3", "host3", attributes: ("rack", "r1"));
        }

        await harness.StartAsync();
        return harness;
    }

    [Fact]
    public async Task Deploy_ReservesCreatesAndLaunches_OneNodeAtATime()
    {
        await using var h = await ThreeAgentsAsync();
        Assert.True(h.Master.Suppressed, "nothing pending at start: SUPPRESS");

        Assert.True((await h.PutAsync(Harness.Generic(maxPerAgent: 1))).IsOk);
        Assert.False(h.Master.Suppressed, "a node waits for resources: REVIVE");

        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 3), "three healthy nodes");

        // One ACCEPT per node, each RESERVE + CREATE + LAUNCH, and never a second node before the first was healthy.
        var accepts = h.Master.Calls(Call.Types.Type.Accept);
        Assert.Equal(3, accepts.Count);
        foreach (var accept in accepts)
        {
            var types = accept.Accept.Operations.Select(o => o.Type).ToArray();
            Assert.Equal([Offer.Types.Operation.Types.Type.Reserve, Offer.Types.Operation.Types.Type.Create, Offer.Types.Operation.Types.Type.Launch], types);
            Assert.True(accept.Accept.Operations[0].Id is not null && accept.Accept.Operations[1].Id is not null, "RESERVE and CREATE carry operation ids");
        }

        var tasks = h.Master.LiveTasks();
        Assert.Equal(3, tasks.Count);
        Assert.Equal(3, tasks.Select(t => t.AgentId).Distinct().Count());
        Assert.True(h.Master.Suppressed, "everything placed: SUPPRESS again");

        var snapshot = h.Snapshot;
        var cluster = snapshot.Clusters.Single();
        Assert.All(cluster.Nodes, n => Assert.NotNull(n.PersistenceId));
        // The task state is its own field; a healthy TASK_RUNNING says nothing more, so the node has no message.
        Assert.All(cluster.Nodes, n => Assert.Equal(("TASK_RUNNING", null), (n.TaskState, n.Message)));
        Assert.Equal(PlanStatus.Complete, cluster.Plans.Single(p => p.Name == "deploy").Status);
        Assert.NotNull(snapshot.Framework.Id);
    }

    [Fact]
    public async Task Launch_TaskInfo_CarriesNodeSpecPortsVolumeAndExecutor()
    {
        await using var h = await ThreeAgentsAsync();
        await h.PutAsync(Harness.Generic(count: 1));
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1), "one healthy node");

        var accept = h.Master.Calls(Call.Types.Type.Accept).Single().Accept;
        var reserve = accept.Operations[0].Reserve;
        var create = accept.Operations[1].Create;
        var task = accept.Operations[2].Launch.TaskInfos.Single();

        // Labels: ours, and only ours.
        foreach (var resource in reserve.Resources)
        {
            Assert.Equal("drover", resource.ReservationLabel(ReservationLabels.Framework));
            Assert.Equal("web", resource.ReservationLabel(ReservationLabels.Cluster));
            Assert.Equal("web-0", resource.ReservationLabel(ReservationLabels.Node));
            Assert.Equal("drover", resource.AllocationInfo.Role);
            Assert.Equal(Resource.Types.ReservationInfo.Types.Type.Dynamic, resource.Reservations.Single().Type);
        }

        // cpus/mem/disk cover task + executor; the volume is carved out of the reserved disk.
        var reserved = ResourceSet.Of(reserve.Resources);
        Assert.Equal(0.5 + 0.1, reserved.Scalar("cpus"), 3);
        Assert.Equal(256 + 64, reserved.Scalar("mem"), 3);
        Assert.Equal(32 + 16 + 128, reserved.Scalar("disk"), 3);
        var volume = create.Volumes.Single();
        Assert.Equal("drover.web.web-0.0", volume.Disk.Persistence.Id);
        Assert.Equal("data", volume.Disk.Volume.ContainerPath);
        Assert.Equal(128, volume.Scalar.Value);

        var spec = V1.NodeSpec.Parser.ParseFrom(task.Data);
        Assert.Equal("web", spec.Cluster);
        Assert.Equal("web-0", spec.Node);
        Assert.Equal(V1.ServiceKind.Generic, spec.Kind);
        Assert.Equal("exec ./server", spec.Command.Value);
        Assert.Equal("127.0.0.1:2181", spec.Zookeeper.Connect);
        Assert.Equal("drover", spec.Zookeeper.Framework);
        Assert.Single(spec.HealthChecks);

        Assert.Equal(["http", "admin"], task.Discovery.Ports.Ports_.Select(p => p.Name));
        Assert.Equal([31000u, 31001u], task.Discovery.Ports.Ports_.Select(p => p.Number));
        Assert.Contains(task.Resources, r => r.IsPersistentVolume());
        Assert.Equal(["cpus", "mem", "disk"], task.Executor.Resources.Select(r => r.Name));
        Assert.Equal("./drover-executor", task.Executor.Command.Value);
        Assert.True(task.Executor.Command.Uris.Single().Extract);
        Assert.Null(task.Command);
    }

    [Fact]
    public async Task Offers_Unusable_AreDeclinedWithRefuseFilter_AndOnlyTheNeededFractionIsUsed()
    {
        await using var h = await ThreeAgentsAsync();
        await h.PutAsync(Harness.Generic(count: 1));
        h.Master.ClearCalls();

        var offers = h.Master.OfferAll();
        await h.SettleAsync();

        Assert.Equal(3, offers.Count);
        var accept = Assert.Single(h.Master.Calls(Call.Types.Type.Accept));
        var decline = Assert.Single(h.Master.Calls(Call.Types.Type.Decline));
        Assert.Equal(2, decline.Decline.OfferIds.Count);
        Assert.True(decline.Decline.Filters.RefuseSeconds >= 5);
        Assert.DoesNotContain(accept.Accept.OfferIds[0], decline.Decline.OfferIds);

        // The agent keeps most of its resources unreserved: only the node's share was reserved.
        var agent = h.Master.Agent(accept.Accept.OfferIds[0].Value == offers[0].Id.Value ? offers[0].AgentId.Value : h.Master.Tasks().Single().AgentId);
        Assert.Equal(0.6, agent.Reserved().Scalar("cpus"), 3);
        Assert.Equal(8, agent.Total.Scalar("cpus"), 3);
    }

    [Fact]
    public async Task Placement_MaxPerAgentAndAttributes_AreHonoured()
    {
        await using var h = await ThreeAgentsAsync();
        var spec = Harness.Generic(count: 2, maxPerAgent: 1) with
        {
            Placement = new PlacementSpec
            {
                MaxPerAgent = 1,
                Attributes = [new AttributeConstraint { Attribute = "rack", Operator = ConstraintOperator.EqualTo, Value = "r1" }],
            },
        };
        await h.PutAsync(spec);
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 2), "two healthy nodes on rack r1");

        Assert.Equal(["a1", "a3"], h.Master.LiveTasks().Select(t => t.AgentId).Order());
    }

    [Fact]
    public async Task Placement_UniqueHostname_LeavesANodePendingWhenHostsRunOut()
    {
        await using var h = await ThreeAgentsAsync();
        var spec = Harness.Generic(count: 4) with { Placement = new PlacementSpec { UniqueHostname = true } };
        await h.PutAsync(spec);
        await h.DriveAsync(s => s.Clusters.Single().Nodes.Count(n => n.Phase == NodePhase.Running) == 3, "three nodes on three hosts");
        for (var i = 0; i < 3; i++)
        {
            h.Master.OfferAll();
            await h.SettleAsync();
        }

        var pending = h.Cluster("web").Nodes.Single(n => n.Phase == NodePhase.Pending);
        Assert.Equal("web-3", pending.Name);
        Assert.Equal(3, h.Master.LiveTasks().Count);
        Assert.False(h.Master.Suppressed);
    }

    [Fact]
    public async Task FixedPort_NotOffered_DoesNotPlace()
    {
        await using var h = await ThreeAgentsAsync();
        var spec = Harness.Generic(count: 1) with { Ports = [new PortSpec { Name = "http", Port = 80 }], Health = new HealthSpec() };
        await h.PutAsync(spec);
        for (var i = 0; i < 3; i++)
        {
            h.Master.OfferAll();
            await h.SettleAsync();
        }

        Assert.Empty(h.Master.Calls(Call.Types.Type.Accept));
        Assert.Equal(NodePhase.Pending, h.Cluster("web").Nodes.Single().Phase);
    }

    [Fact]
    public async Task TwoFrameworks_ShareMasterAndStoreRoot_WithoutTouchingEachOther()
    {
        var master = new FakeMaster();
        master.AddAgent("a1", "host1");
        master.AddAgent("a2", "host2");
        var store = new State.InMemoryStateStore(new State.StatePaths("/drover", "alpha"));
        await using var alpha = new Harness("alpha", master, store);
        await alpha.StartAsync();
        await alpha.PutAsync(Harness.Generic("web", count: 2, maxPerAgent: 1));
        await alpha.DriveAsync(s => Harness.AllHealthy(s, "web", 2), "alpha's two nodes");
        await alpha.DisposeAsync();
        master.Disconnect();

        // beta: same master (same role), its own framework name and root; alpha's reservations are offered to it.
        var betaMaster = master;
        betaMaster.FrameworkId = null;
        await using var beta = new Harness("beta", betaMaster);
        await beta.StartAsync();
        await beta.PutAsync(Harness.Generic("web", count: 1));
        await beta.DriveAsync(s => Harness.AllHealthy(s, "web", 1), "beta's node");

        foreach (var accept in master.Calls(Call.Types.Type.Accept).Skip(2))
        {
            foreach (var operation in accept.Accept.Operations)
            {
                var touched = operation.Type switch
                {
                    Offer.Types.Operation.Types.Type.Unreserve => operation.Unreserve.Resources,
                    Offer.Types.Operation.Types.Type.Destroy => operation.Destroy.Volumes,
                    Offer.Types.Operation.Types.Type.Launch => operation.Launch.TaskInfos.SelectMany(t => t.Resources),
                    _ => [],
                };
                Assert.All(touched.Where(r => r.IsReserved()), r => Assert.Equal("beta", r.ReservationLabel(ReservationLabels.Framework)));
            }
        }

        Assert.True(3 == master.LiveTasks().Count, string.Join(",", master.Calls().Select(c => c.Type)) + " tasks " + string.Join(",", master.Tasks().Select(t => t.Info.TaskId.Value + "=" + t.State)));
        Assert.DoesNotContain(beta.Store.Znodes().Keys, k => k.StartsWith("/drover/alpha", StringComparison.Ordinal));
        Assert.DoesNotContain(store.Znodes().Keys, k => k.StartsWith("/drover/beta", StringComparison.Ordinal));
        Assert.True(3 == master.Agent("a1").Reserved().Count(r => r.Name == "cpus") + master.Agent("a2").Reserved().Count(r => r.Name == "cpus"), master.Agent("a1").Reserved() + " // " + master.Agent("a2").Reserved());
    }
}
