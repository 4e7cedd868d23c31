using Drover.Scheduler.Model;
using Drover.Scheduler.Plans;
using Drover.Scheduler.State;
using Drover.Scheduler.Tests.Support;
using Drover.Testing;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper;

namespace Drover.Scheduler.Tests;

/// <summary>The store and the leader election against a real ZooKeeper 3.8.</summary>
public sealed class ZooKeeperStateStoreTests(ZooKeeperServerFixture zk) : IClassFixture<ZooKeeperServerFixture>
{
    private static LeaderInfo Self(string host) => new() { Host = host, Pid = 1, Since = DateTimeOffset.UnixEpoch };

    private async Task<(ZooKeeperClient Client, ZooKeeperStateStore Store, StatePaths Paths)> StoreAsync(string root, string framework = "drover")
    {
        var client = await zk.Server.ConnectAsync();
        var paths = new StatePaths(root, framework);
        var store = new ZooKeeperStateStore(client, paths, Ids.OpenAclUnsafe);
        await store.EnsureDirectoriesAsync();
        return (client, store, paths);
    }

    [Fact]
    public async Task Commit_ThenLoad_RoundTripsEveryRecord()
    {
        var root = TestClients.UniquePath("sched");
        var (client, store, _) = await StoreAsync(root);
        await using var _ = client;
        var spec = Harness.Generic(count: 2);
        var plan = new Plan
        {
            Name = "deploy",
            Cluster = "web",
            Phases = [new Phase { Name = "nodes", Steps = [new Step { Name = "web-0", Action = new RunNode("web-0"), Status = StepStatus.InProgress, RequestId = "r1" }, new Step { Name = "gap", Action = new WaitStep(TimeSpan.FromSeconds(30)) }, new Step { Name = "join", Action = new AdminStep("web-0", "cluster-join", new Dictionary<string, string> { ["node"] = "x@y" }) }] }],
        };

        await store.CommitAsync(
        [
            new StoreWrite.PutFramework(new FrameworkRecord { Id = "fw-1" }),
            new StoreWrite.PutCluster(new ClusterRecord { Spec = spec, Generation = 3 }),
            new StoreWrite.PutNode(new NodeRecord { Cluster = "web", Name = "web-0", Phase = NodePhase.Running, Goal = NodeGoal.Run, Ports = new Dictionary<string, int> { ["http"] = 31000 }, TaskId = "web.web-0.1" }),
            new StoreWrite.PutLedger(new LedgerEntry { Id = "drover.web.web-0.0", Cluster = "web", Node = "web-0", AgentId = "a1", State = LedgerState.Confirmed, Reserved = ["AAEC"] }),
            new StoreWrite.PutPlan(PlanRecord.From(plan)),
        ]);
        await store.CommitAsync([new StoreWrite.PutNode(new NodeRecord { Cluster = "web", Name = "web-0", Phase = NodePhase.Stopped, Goal = NodeGoal.Run, TaskId = "web.web-0.1" })]);

        var (otherClient, other, _) = await StoreAsync(root);
        await using var __ = otherClient;
        var state = await other.LoadAsync();

        Assert.Equal("fw-1", state.Framework!.Id);
        Assert.Equal(3, state.Clusters.Single().Generation);
        Assert.Equal(ClusterSpecJson.Serialize(spec), ClusterSpecJson.Serialize(state.Clusters.Single().Spec));
        Assert.Equal(NodePhase.Stopped, state.Nodes.Single().Phase);
        Assert.Equal(LedgerState.Confirmed, state.Ledger.Single().State);
        var loaded = state.Plans.Single().ToPlan();
        Assert.Equal(StepStatus.InProgress, loaded.Steps.First().Status);
        Assert.Equal(new WaitStep(TimeSpan.FromSeconds(30)), loaded.Steps.ElementAt(1).Action);
        Assert.Equal("x@y", ((AdminStep)loaded.Steps.ElementAt(2).Action).Arguments["node"]);
        var raw = await client.GetDataAsync($"{root}/drover/scheduler/nodes/web.web-0");
        Assert.Contains("\"format\":1", System.Text.Encoding.UTF8.GetString(raw.Data), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commit_IsAtomic_AndFencedOnTheLeaderCandidate()
    {
        var root = TestClients.UniquePath("sched");
        var (client, store, paths) = await StoreAsync(root);
        await using var _ = client;
        var election = new LeaderElection(client, paths, Ids.OpenAclUnsafe, Self("one"));
        await election.WaitForLeadershipAsync().Within("leadership");
        store.Fence = election.CandidatePath;
        await store.CommitAsync([new StoreWrite.PutFramework(new FrameworkRecord { Id = "fw-1" })]);

        // Another writer moved the record on: our version is stale; nothing of the batch is applied.
        var (otherClient, other, _) = await StoreAsync(root);
        await using var __ = otherClient;
        await other.LoadAsync();
        await other.CommitAsync([new StoreWrite.PutFramework(new FrameworkRecord { Id = "fw-2" })]);
        await Assert.ThrowsAsync<StateStoreException>(() => store.CommitAsync(
        [
            new StoreWrite.PutCluster(new ClusterRecord { Spec = Harness.Generic() }),
            new StoreWrite.PutFramework(new FrameworkRecord { Id = "fw-3" }),
        ]));
        Assert.Empty((await other.LoadAsync()).Clusters);

        // Leadership gone with the session: a fresh store on another session, fenced on the dead candidate, cannot write.
        await store.LoadAsync();
        var fence = election.CandidatePath;
        await client.CloseAsync();
        var (thirdClient, third, _) = await StoreAsync(root);
        await using var ___ = thirdClient;
        await third.LoadAsync();
        third.Fence = fence;
        var e = await Assert.ThrowsAsync<StateStoreException>(() => third.CommitAsync([new StoreWrite.PutCluster(new ClusterRecord { Spec = Harness.Generic() })]));
        Assert.Contains("leadership", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Election_OneLeader_StandbyTakesOverWhenTheLeaderGoes()
    {
        var root = TestClients.UniquePath("sched");
        var (first, _, paths) = await StoreAsync(root);
        var (second, _, _) = await StoreAsync(root);
        await using var __ = second;

        var leader = new LeaderElection(first, paths, Ids.OpenAclUnsafe, Self("one"));
        await leader.WaitForLeadershipAsync().Within("the first candidate leading");
        var standby = new LeaderElection(second, paths, Ids.OpenAclUnsafe, Self("two"));
        var waiting = standby.WaitForLeadershipAsync();
        await Eventually.TrueAsync(async () => (await second.GetChildrenAsync(paths.Leader)).Children.Count == 2, "the standby's candidate");
        Assert.False(waiting.IsCompleted, "a second candidate waits while the first leads");
        Assert.Equal("one", (await LeaderElection.CurrentLeaderAsync(second, paths))!.Host);

        await first.CloseAsync();
        await waiting.Within("the standby taking over");
        Assert.Equal("two", (await LeaderElection.CurrentLeaderAsync(second, paths))!.Host);
    }

    [Fact]
    public async Task ResetFrameworkId_OnlyWithTheConfirmedId()
    {
        var root = TestClients.UniquePath("sched");
        var (client, store, _) = await StoreAsync(root);
        await using var _ = client;
        await store.CommitAsync([new StoreWrite.PutFramework(new FrameworkRecord { Id = "fw-1" })]);

        var wrong = await Assert.ThrowsAsync<StateStoreException>(() => store.ResetFrameworkIdAsync("fw-2"));
        Assert.Contains("nothing was changed", wrong.Message, StringComparison.Ordinal);
        Assert.Equal("fw-1", await store.ReadFrameworkIdAsync());

        await store.ResetFrameworkIdAsync("fw-1");
        Assert.Null(await store.ReadFrameworkIdAsync());
    }

    [Fact]
    public async Task Load_NewerFormat_IsRefused()
    {
        var root = TestClients.UniquePath("sched");
        var (client, store, paths) = await StoreAsync(root);
        await using var _ = client;
        await client.CreateAsync(paths.Node("web", "web-0"), "{\"format\":99,\"cluster\":\"web\",\"name\":\"web-0\"}"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Persistent);

        var e = await Assert.ThrowsAsync<StateStoreException>(() => store.LoadAsync());
        Assert.Contains("format 99", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loop_OnZooKeeper_DeploysAndRestartsFromTheStore()
    {
        var root = TestClients.UniquePath("sched");
        var (client, store, _) = await StoreAsync(root);
        var master = new FakeMaster();
        master.AddAgent("a1", "host1");
        var h = new Harness(master: master);
        var loop = new Core.SchedulerLoop(h.Options, master, store, h.Time);
        var run = Task.Run(() => loop.RunAsync());
        Assert.True((await loop.PutClusterAsync(Harness.Generic(count: 1)).Within("put")).IsOk);
        for (var i = 0; i < 20 && !Harness.AllHealthy(loop.Snapshot(), "web", 1); i++)
        {
            master.OfferAll();
            await loop.BarrierAsync().Within("settle");
        }

        Assert.True(Harness.AllHealthy(loop.Snapshot(), "web", 1), Harness.Describe(loop.Snapshot()));
        loop.Stop("restart");
        await run.Within("stop");
        await client.CloseAsync();
        master.Disconnect();

        var (client2, store2, _) = await StoreAsync(root);
        await using var _ = client2;
        var again = new Core.SchedulerLoop(h.Options, master, store2, h.Time);
        var run2 = Task.Run(() => again.RunAsync());
        await Eventually.TrueAsync(() => Harness.AllHealthy(again.Snapshot(), "web", 1), "the restarted loop knowing its healthy node");
        Assert.Single(master.LiveTasks());
        Assert.Equal(master.FrameworkId, again.Snapshot().Framework.Id);
        again.Stop("done");
        await run2.Within("stop");
    }
}
