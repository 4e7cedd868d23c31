using Drover.Mesos.V1;
using Drover.Scheduler.Model;
using Drover.Scheduler.Plans;
using Drover.Scheduler.Tests.Support;
using Call = Drover.Mesos.V1.Scheduler.Call;
using static Drover.Scheduler.Tests.Plans.KindHarness;

namespace Drover.Scheduler.Tests.Plans;

/// <summary>The Riak cluster's plans on the fake master and a fake clock (scheduler/Plans/Riak).</summary>
public class RiakPlanTests
{
    private static ClusterSpec Kv(int count, int? otp = 25, int? epmd = null) => new()
    {
        Name = "kv",
        Kind = ClusterKind.Riak,
        Count = count,
        Version = "3.2.0",
        Resources = new NodeResources { Cpus = 1, Mem = 1024, Volume = 256 },
        Ports = [new PortSpec { Name = "http" }, new PortSpec { Name = "pb" }, new PortSpec { Name = "handoff" }, new PortSpec { Name = "disterl" }, new PortSpec { Name = "epmd", Port = epmd }],
        Service = new ServiceSpec { InstallDir = "/opt/riak" },
        Riak = otp is null ? null : new RiakSpec { OtpRelease = otp },
    };

    /// <summary>The admin operations the nodes' executors received, in order, as "operation@node".</summary>
    private static List<string> Admin(FakeMaster master) =>
        [.. master.AdminRequests.ToArray().Select(r => $"{r.Operation}@{r.TaskId.Split('.')[1]}")];

    [Fact]
    public async Task Deploy_SpreadsOverEveryAgentFirst_JoinsEachToAMember_OnePlanAndCommitForTheBatch_ThenRingReady()
    {
        await using var h = await StartedAsync(3);
        Assert.True((await h.PutAsync(Kv(4))).IsOk);
        await h.DriveAsync(s => DeployComplete(s, "kv"), "four nodes joined", forceOffers: true);

        var nodes = h.Cluster("kv").Nodes;
        // One node per agent before any agent gets a second.
        Assert.Equal(3, nodes.Take(3).Select(n => n.AgentId).Distinct().Count());
        Assert.Contains(nodes[3].AgentId, nodes.Take(3).Select(n => n.AgentId));
        // Each node's own epmd port (the EPMD module resolves peers), and the personality told to load it.
        Assert.All(nodes, n => Assert.Equal("25", SpecOf(h.Master, n.TaskId!).Config["otp_release"]));

        Assert.Equal(["cluster-join@kv-1", "cluster-join@kv-2", "cluster-join@kv-3", "cluster-plan@kv-0", "cluster-commit@kv-0", "ringready@kv-0"], Admin(h.Master));
        Assert.All(Requests(h.Master, "cluster-join"), r => Assert.Equal("kv-0@host1", r.Arguments["node"]));
        var riak = h.Cluster("kv").Service!.Riak!;
        Assert.Equal(["kv-0@host1", "kv-1@host2", "kv-2@host3", $"kv-3@{nodes[3].Hostname}"], riak.Members);
        Assert.Empty(riak.Joining);
        Assert.True(riak.EpmdModule);
        Assert.Equal(["nodes", "join", "commit"], h.Cluster("kv").Plans.Single(p => p.Name == "deploy").Phases.Select(p => p.Name));
    }

    [Fact]
    public async Task Joining_WaitsForTheNodeToBeHealthy_AndRingReadyIsAskedAgainUntilTheRingAgrees()
    {
        await using var h = await StartedAsync(2, m => m.ReportHealthy = false);
        h.Master.AutoReplyAdmin = null;
        await h.PutAsync(Kv(2));
        await h.DriveAsync(_ => h.Master.LiveTasks().Count == 1, "kv-0 launched", forceOffers: true);
        var first = h.Master.LiveTasks().Single();
        h.Master.Update(first, TaskState.TaskRunning, healthy: true);
        await h.DriveAsync(_ => h.Master.LiveTasks().Count == 2, "kv-1 launched", forceOffers: true);
        var second = h.Master.LiveTasks().Single(t => t.Info.TaskId.Value != first.Info.TaskId.Value);

        // Running but not healthy yet: no join.
        h.Master.Update(second, TaskState.TaskRunning, healthy: false);
        await h.SettleAsync();
        Assert.Empty(h.Master.AdminRequests);
        h.Master.Update(second, TaskState.TaskRunning, healthy: true);
        await h.SettleAsync();
        var join = Assert.Single(h.Master.AdminRequests);
        Assert.Equal(("cluster-join", "kv.kv-1.1"), (join.Operation, join.TaskId));
        h.Master.ReplyAdmin(join, V1.AdminReply.Types.Outcome.Succeeded, "Success: staged join request for 'kv-1@host2' to 'kv-0@host1'");
        await h.SettleAsync();
        h.Master.ReplyAdmin(Requests(h.Master, "cluster-plan").Single(), V1.AdminReply.Types.Outcome.Succeeded, "Staged Changes");
        await h.SettleAsync();
        h.Master.ReplyAdmin(Requests(h.Master, "cluster-commit").Single(), V1.AdminReply.Types.Outcome.Succeeded, "Cluster changes committed");
        await h.SettleAsync();

        h.Master.ReplyAdmin(Requests(h.Master, "ringready").Single(), V1.AdminReply.Types.Outcome.Failed, "FALSE ['kv-1@host2'] down");
        await h.SettleAsync();
        Assert.Equal(StepStatus.InProgress, Step(h.Snapshot, "kv", "deploy", "ringready").Status);
        Assert.Single(Requests(h.Master, "ringready"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));
        h.Master.ReplyAdmin(Requests(h.Master, "ringready")[1], V1.AdminReply.Types.Outcome.Succeeded, "TRUE All nodes agree on the ring ['kv-0@host1','kv-1@host2']");
        await h.SettleAsync();

        Assert.True(DeployComplete(h.Snapshot, "kv"));
        Assert.Equal(["kv-0@host1", "kv-1@host2"], h.Cluster("kv").Service!.Riak!.Members);
    }

    [Fact]
    public async Task ScaleDown_LeavePlanCommit_WaitsUntilTransfersAreDone_ThenKillsAndUnreserves()
    {
        await using var h = await StartedAsync(3);
        await h.PutAsync(Kv(3));
        await h.DriveAsync(s => DeployComplete(s, "kv"), "three nodes", forceOffers: true);
        var leaving = Node(h.Snapshot, "kv", "kv-2");
        h.Master.AdminRequests.Clear();

        Assert.True((await h.Loop.ScaleAsync("kv", 2)).IsOk);
        await h.DriveAsync(_ => Requests(h.Master, "transfers").Count == 1, "the first transfers check");
        // The ring is checked again first (nothing staged: no plan, no commit), then the leave is staged and committed.
        Assert.Equal(["ringready@kv-0", "cluster-leave@kv-2", "cluster-plan@kv-0", "cluster-commit@kv-0", "transfers@kv-0"], Admin(h.Master));
        Assert.Equal(["kv-2@host3"], h.Cluster("kv").Service!.Riak!.Transferring);
        Assert.Equal(["kv-0@host1", "kv-1@host2"], h.Cluster("kv").Service!.Riak!.Members);

        // Handoff takes a while: the scheduler keeps asking and kills nothing.
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3, Requests(h.Master, "transfers").Count);
        Assert.Empty(h.Master.Calls(Call.Types.Type.Kill));
        Assert.False(h.Master.Agent(leaving.AgentId!).Reserved().IsEmpty);

        // The node has handed everything off and stops by itself (Riak's own leave): then its reservation goes.
        h.Master.Update(h.Master.Tasks().Single(t => t.Info.TaskId.Value == leaving.TaskId), TaskState.TaskFinished);
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));
        await h.DriveAsync(s => s.Clusters[0].Nodes.Count == 2 && DeployComplete(s, "kv") && h.Master.Agent(leaving.AgentId!).Reserved().IsEmpty,
            "kv-2 gone, its reservation released", forceOffers: true);
        Assert.Empty(h.Cluster("kv").Service!.Riak!.Transferring);
        Assert.Equal(NodePhase.Running, Node(h.Snapshot, "kv", "kv-0").Phase);
    }

    [Fact]
    public async Task WithoutTheEpmdModule_TheEpmdPortMustBeFixed_AndTheNodesAreNotToldToLoadIt()
    {
        var refused = Assert.Throws<SpecException>(() => ClusterSpecJson.Parse(ClusterSpecJson.Serialize(Kv(3, otp: 20))));
        Assert.Contains(refused.Errors, e => e.Field == "ports[4].port" && e.Message.Contains("riak.otp_release 21", StringComparison.Ordinal));

        await using var h = await StartedAsync(3);
        await h.PutAsync(Kv(2, otp: null, epmd: 31999));
        await h.DriveAsync(s => DeployComplete(s, "kv"), "two nodes", forceOffers: true);
        Assert.All(h.Cluster("kv").Nodes, n => Assert.Equal(31999, n.Ports["epmd"]));
        Assert.All(h.Cluster("kv").Nodes, n => Assert.False(SpecOf(h.Master, n.TaskId!).Config.ContainsKey("otp_release")));
        Assert.False(h.Cluster("kv").Service!.Riak!.EpmdModule);
    }
}
