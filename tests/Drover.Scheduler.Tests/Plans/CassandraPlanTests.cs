using Drover.Mesos.V1;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;
using Drover.Scheduler.Tests.Support;
using Call = Drover.Mesos.V1.Scheduler.Call;
using static Drover.Scheduler.Tests.Plans.KindHarness;

namespace Drover.Scheduler.Tests.Plans;

/// <summary>The Cassandra ring's plans on the fake master and a fake clock (scheduler/Plans/Cassandra).</summary>
public class CassandraPlanTests
{
    private static ClusterSpec Ring(string name = "ring", int count = 5, CassandraSpec? cassandra = null, int? native = null) => new()
    {
        Name = name,
        Kind = ClusterKind.Cassandra,
        Count = count,
        Version = "4.1",
        Resources = new NodeResources { Cpus = 1, Mem = 1024, Volume = 256 },
        Ports = [new PortSpec { Name = "native", Port = native }, new PortSpec { Name = "storage" }, new PortSpec { Name = "jmx" }],
        Placement = new PlacementSpec { MaxPerAgent = 1 },
        Service = new ServiceSpec { InstallDir = "/opt/cassandra" },
        Cassandra = cassandra,
    };

    private static FakeTask Task(FakeMaster master, string taskId) => master.Tasks().Single(t => t.Info.TaskId.Value == taskId);

    [Fact]
    public async Task Deploy_SeedsOneAfterAnother_ThenOneBootstrapAtATimeWithTheGap_EveryNodeListsTheSeeds()
    {
        await using var h = await StartedAsync(5, m => m.HoldLaunches = true);
        Assert.True((await h.PutAsync(Ring(cassandra: new CassandraSpec { BootstrapGap = "2mins" }))).IsOk);

        for (var i = 0; i < 5; i++)
        {
            if (i == 4)
            {
                // ring-3 finished bootstrapping just now: ring-4 waits out the gap, offers or not.
                h.Master.OfferAll(force: true);
                await h.AdvanceAsync(TimeSpan.FromSeconds(119));
                h.Master.OfferAll(force: true);
                await h.SettleAsync();
                Assert.Equal(4, Launches(h.Master).Count);
                Assert.Equal(StepStatus.InProgress, Step(h.Snapshot, "ring", "deploy", "gap-ring-4").Status);
                await h.AdvanceAsync(TimeSpan.FromSeconds(2));
            }

            var expected = $"ring.ring-{i}.1";
            await h.DriveAsync(_ => Launches(h.Master).Count == i + 1, $"ring-{i} launched", forceOffers: true);
            Assert.Equal(expected, Launches(h.Master)[i]);
            // Only this node is not healthy: every earlier one (every seed, for a non-seed) was healthy before it launched.
            Assert.Equal([expected], h.Master.LiveTasks().Where(t => t.Healthy != true).Select(t => t.Info.TaskId.Value));
            h.Master.OfferAll(force: true);
            await h.SettleAsync();
            Assert.Equal(i + 1, Launches(h.Master).Count);

            h.Master.Update(Task(h.Master, expected), TaskState.TaskRunning, healthy: true);
            await h.SettleAsync();
        }

        await h.DriveAsync(s => DeployComplete(s, "ring"), "the deploy plan complete");
        var storage = Enumerable.Range(1, 3).Select(a => $"host{a}:{Node(h.Snapshot, "ring", $"ring-{a - 1}").Ports["storage"]}").ToList();
        // Every seed was reserved before the first one launched: each node, the first seed too, lists all three.
        Assert.Equal(storage, SpecOf(h.Master, "ring.ring-0.1").Seeds);
        Assert.Equal(storage, SpecOf(h.Master, "ring.ring-1.1").Seeds);
        Assert.Equal(storage, SpecOf(h.Master, "ring.ring-2.1").Seeds);
        Assert.Equal(storage, SpecOf(h.Master, "ring.ring-3.1").Seeds);
        Assert.Equal(storage, SpecOf(h.Master, "ring.ring-4.1").Seeds);
        var view = h.Cluster("ring").Service!.Cassandra!;
        Assert.Equal(["ring-0", "ring-1", "ring-2"], view.Seeds);
        Assert.Equal(5, view.HostIds.Count);
        Assert.Equal(FakeMaster.HostIdOf("ring.ring-4.1"), view.HostIds["ring-4"]);
        Assert.Empty(view.CleanupNeeded);
        Assert.Equal(["reserve-seeds", "seeds", "nodes"], h.Cluster("ring").Plans.Single(p => p.Name == "deploy").Phases.Select(p => p.Name));
    }

    [Fact]
    public async Task Deploy_ReservesEverySeedFirst_WithoutATask_ThenLaunchesTheFirstOnItsReservation()
    {
        await using var h = await StartedAsync(5, m => m.HoldLaunches = true);
        Assert.True((await h.PutAsync(Ring())).IsOk);
        await h.DriveAsync(_ => Launches(h.Master).Count == 1, "ring-0 launched", forceOffers: true);

        // The ACCEPTs in order: the three seeds' RESERVE + CREATE with no LAUNCH, then ring-0's LAUNCH alone, on the
        // resources reserved for it (its own persistence id).
        var accepts = h.Master.Calls(Call.Types.Type.Accept).Select(c => c.Accept.Operations.ToList()).ToList();
        var firstLaunch = accepts.FindIndex(ops => ops.Any(o => o.Type == Offer.Types.Operation.Types.Type.Launch));
        var reserves = accepts.Take(firstLaunch).SelectMany(ops => ops).ToList();
        Assert.Equal(3, reserves.Count(o => o.Type == Offer.Types.Operation.Types.Type.Reserve));
        Assert.Equal(3, reserves.Count(o => o.Type == Offer.Types.Operation.Types.Type.Create));
        Assert.Equal([Offer.Types.Operation.Types.Type.Launch], accepts[firstLaunch].Select(o => o.Type));
        var task = accepts[firstLaunch].Single().Launch.TaskInfos.Single();
        Assert.Equal("ring.ring-0.1", task.TaskId.Value);
        Assert.Contains(task.Resources, r => r.Disk?.Persistence?.Id == "drover.ring.ring-0.0");

        // Each seed is placed on an agent of its own (max_per_agent 1), known before any task runs.
        var seeds = new[] { "ring-0", "ring-1", "ring-2" }.Select(n => Node(h.Snapshot, "ring", n)).ToList();
        Assert.Equal(3, seeds.Select(n => n.Hostname).Distinct().Count());
        Assert.All(seeds.Skip(1), n => Assert.Null(n.TaskId));
        Assert.Equal(seeds.Select(n => $"{n.Hostname}:{n.Ports["storage"]}"), SpecOf(h.Master, "ring.ring-0.1").Seeds);
        Assert.All(["reserve-ring-0", "reserve-ring-1", "reserve-ring-2"], s => Assert.Equal(StepStatus.Complete, Step(h.Snapshot, "ring", "deploy", s).Status));
        Assert.Equal("reserve_node", Step(h.Snapshot, "ring", "deploy", "reserve-ring-1").Action);
        Assert.Equal(NodePhase.Pending, Node(h.Snapshot, "ring", "ring-1").Phase);
        Assert.Contains("to be launched by a later step", Node(h.Snapshot, "ring", "ring-1").Message, StringComparison.Ordinal);

        // Scaled down to one node before the other seeds ever launched: their reservations go, no task was started
        // (and no removenode: they never joined the ring).
        h.Master.Update(Task(h.Master, "ring.ring-0.1"), TaskState.TaskRunning, healthy: true);
        Assert.True((await h.PutAsync(Ring(count: 1))).IsOk);
        await h.DriveAsync(s => s.Clusters.Single(c => c.Name == "ring").Nodes.Count == 1, "ring-1 and ring-2 removed", forceOffers: true);
        Assert.Equal(["ring.ring-0.1"], Launches(h.Master));
        Assert.Equal(2, h.Master.Calls(Call.Types.Type.Accept).SelectMany(c => c.Accept.Operations).Count(o => o.Type == Offer.Types.Operation.Types.Type.Unreserve));
        Assert.Empty(Requests(h.Master, "removenode"));
    }

    [Fact]
    public async Task ReservedSeed_ItsAgentLost_IsPlacedAfreshAfterReplaceAfter_InItsTurn()
    {
        await using var h = await StartedAsync(5, m => m.HoldLaunches = true);
        Assert.True((await h.PutAsync(Ring(count: 3) with { ReplaceAfter = "10mins" })).IsOk);
        await h.DriveAsync(_ => Launches(h.Master).Count == 1, "ring-0 launched", forceOffers: true);
        var lostAgent = Node(h.Snapshot, "ring", "ring-2").AgentId!;

        // ring-2 holds a reservation and no task: no status will say its agent is gone; the FAILURE event does.
        h.Master.Partition(lostAgent);
        await h.SettleAsync();
        Assert.NotNull(Node(h.Snapshot, "ring", "ring-2").LostSince);
        Assert.Contains("is lost", Node(h.Snapshot, "ring", "ring-2").Message, StringComparison.Ordinal);

        await h.AdvanceAsync(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var replaced = Node(h.Snapshot, "ring", "ring-2");
        Assert.Equal((NodePhase.Pending, null, null), (replaced.Phase, replaced.AgentId, replaced.PersistenceId));
        // No recovery step launches it out of turn: it never ran, so the deploy plan places it when its step comes.
        Assert.DoesNotContain(Plan(h.Snapshot, "ring", "recovery")?.Phases.SelectMany(p => p.Steps) ?? [], s => s.Node == "ring-2");

        foreach (var (task, next) in new[] { ("ring.ring-0.1", 2), ("ring.ring-1.1", 3) })
        {
            h.Master.Update(Task(h.Master, task), TaskState.TaskRunning, healthy: true);
            await h.DriveAsync(_ => Launches(h.Master).Count == next, $"launch {next}", forceOffers: true);
        }

        Assert.Equal(["ring.ring-0.1", "ring.ring-1.1", "ring.ring-2.1"], Launches(h.Master));
        Assert.NotEqual(lostAgent, Node(h.Snapshot, "ring", "ring-2").AgentId);
    }

    [Fact]
    public async Task ReservedSeed_ItsAgentLostThenBack_KeepsItsReservation()
    {
        await using var h = await StartedAsync(5, m => m.HoldLaunches = true);
        Assert.True((await h.PutAsync(Ring(count: 3) with { ReplaceAfter = "10mins" })).IsOk);
        await h.DriveAsync(_ => Launches(h.Master).Count == 1, "ring-0 launched", forceOffers: true);
        var before = Node(h.Snapshot, "ring", "ring-2");

        h.Master.Partition(before.AgentId!);
        await h.SettleAsync();
        Assert.NotNull(Node(h.Snapshot, "ring", "ring-2").LostSince);
        h.Master.Heal(before.AgentId!);
        h.Master.OfferAll(force: true);
        await h.SettleAsync();
        Assert.Null(Node(h.Snapshot, "ring", "ring-2").LostSince);

        await h.AdvanceAsync(TimeSpan.FromMinutes(11));
        var after = Node(h.Snapshot, "ring", "ring-2");
        Assert.Equal((before.AgentId, before.PersistenceId, NodePhase.Pending), (after.AgentId, after.PersistenceId, after.Phase));
    }

    [Fact]
    public async Task Repair_RoundsOneNodeAtATime_PrimaryRange_RetriedOnFailure_LastResultPerNode_WithinGcGrace()
    {
        await using var h = await StartedAsync(3, m =>
        {
            m.AutoReplyAdmin = null;
            m.AdminResponder = r => r.Operation == "host-id" ? (V1.AdminReply.Types.Outcome.Succeeded, FakeMaster.OutputOf(r)) : null;
        });
        var spec = Ring(count: 3, cassandra: new CassandraSpec { Repair = new RepairSpec { Interval = "1hrs", GcGraceSeconds = 7200, Keyspace = "shop" } });
        await h.PutAsync(spec);
        await h.DriveAsync(s => DeployComplete(s, "ring"), "three nodes");
        var deployed = h.Time.GetUtcNow();
        Assert.Equal(deployed + TimeSpan.FromHours(1), h.Cluster("ring").Service!.Cassandra!.Repair.NextRound);
        Assert.Null(Plan(h.Snapshot, "ring", "repair"));

        await h.AdvanceAsync(TimeSpan.FromMinutes(59));
        Assert.Null(Plan(h.Snapshot, "ring", "repair"));
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        var started = h.Time.GetUtcNow();
        Assert.Equal(3, Plan(h.Snapshot, "ring", "repair")!.StepsTotal);

        async Task<V1.AdminRequest> OnlyOutstandingAsync(string node, int count)
        {
            await h.SettleAsync();
            var repairs = Requests(h.Master, "repair");
            Assert.Equal(count, repairs.Count);
            var last = repairs[^1];
            Assert.Equal($"ring.{node}.1", last.TaskId);
            Assert.Equal("true", last.Arguments["primary_range"]);
            Assert.Equal("shop", last.Arguments["keyspace"]);
            return last;
        }

        h.Master.ReplyAdmin(await OnlyOutstandingAsync("ring-0", 1), V1.AdminReply.Types.Outcome.Succeeded, "[2026-01-01] Repair command #1 finished");
        h.Master.ReplyAdmin(await OnlyOutstandingAsync("ring-1", 2), V1.AdminReply.Types.Outcome.Failed, "nodetool repair exited with status 2: error: Repair job has failed");
        await h.SettleAsync();
        Assert.Contains("trying again", Step(h.Snapshot, "ring", "repair", "repair-ring-1").Message, StringComparison.Ordinal);
        Assert.Equal(2, Requests(h.Master, "repair").Count);
        await h.AdvanceAsync(TimeSpan.FromMinutes(5));
        h.Master.ReplyAdmin(await OnlyOutstandingAsync("ring-1", 3), V1.AdminReply.Types.Outcome.Succeeded, "Repair command #2 finished");
        h.Master.ReplyAdmin(await OnlyOutstandingAsync("ring-2", 4), V1.AdminReply.Types.Outcome.Succeeded, "Repair command #3 finished");
        await h.SettleAsync();

        Assert.Equal(PlanStatus.Complete, Plan(h.Snapshot, "ring", "repair")!.Status);
        var repair = h.Cluster("ring").Service!.Cassandra!.Repair;
        Assert.Equal(1, repair.Rounds);
        Assert.Equal(started + TimeSpan.FromHours(1), repair.NextRound);
        Assert.All(repair.Nodes, n =>
        {
            Assert.Equal(global::Drover.Scheduler.Plans.Cassandra.RepairOutcome.Succeeded, n.Last!.Outcome);
            Assert.Equal(n.LastSuccess + TimeSpan.FromSeconds(7200), n.DueBy);
            Assert.True(n.DueBy > repair.NextRound, "the next round starts before any node's gc_grace_seconds runs out");
        });
        Assert.Equal(["ring-2", "ring-1", "ring-0"], repair.History.Select(r => r.Node));
        Assert.Equal(started + TimeSpan.FromMinutes(5), repair.Nodes.Single(n => n.Node == "ring-1").LastSuccess);

        await h.AdvanceAsync(TimeSpan.FromMinutes(55));
        Assert.Equal(2, h.Cluster("ring").Service!.Cassandra!.Repair.Rounds);
        Assert.Equal("round-2", Plan(h.Snapshot, "ring", "repair")!.Phases.Single().Name);
        Assert.Equal(5, Requests(h.Master, "repair").Count);
    }

    [Fact]
    public async Task LostNode_RestartsInPlaceFirst_ThenIsReplacedWithReplaceAddressFirstBoot_ThenRunsWithoutIt()
    {
        await using var h = await StartedAsync(4);
        await h.PutAsync(Ring(count: 3) with { ReplaceAfter = "10mins" });
        await h.DriveAsync(s => DeployComplete(s, "ring"), "three nodes");
        var old = Node(h.Snapshot, "ring", "ring-1");

        h.Master.Fail(old.TaskId!);
        await h.DriveAsync(s => Node(s, "ring", "ring-1") is { TaskId: "ring.ring-1.2", Healthy: true }, "ring-1 relaunched in place");
        Assert.Equal(old.AgentId, Node(h.Snapshot, "ring", "ring-1").AgentId);
        Assert.False(SpecOf(h.Master, "ring.ring-1.2").Environment.ContainsKey("JVM_EXTRA_OPTS"));

        h.Master.Partition(old.AgentId!);
        await h.SettleAsync();
        await h.AdvanceAsync(TimeSpan.FromMinutes(11));
        await h.DriveAsync(s => Node(s, "ring", "ring-1") is { Healthy: true, AgentId: "a4" }, "ring-1 replaced on a4", forceOffers: true);

        var replacement = SpecOf(h.Master, Node(h.Snapshot, "ring", "ring-1").TaskId!);
        Assert.Equal($"-Dcassandra.replace_address_first_boot=host2:{old.Ports["storage"]}", replacement.Environment["JVM_EXTRA_OPTS"]);
        // A replacing node bootstraps: it does not seed itself.
        Assert.Equal([$"host1:{Node(h.Snapshot, "ring", "ring-0").Ports["storage"]}", $"host3:{Node(h.Snapshot, "ring", "ring-2").Ports["storage"]}"], replacement.Seeds);
        await h.DriveAsync(s => s.Clusters[0].Service!.Cassandra!.HostIds["ring-1"] == FakeMaster.HostIdOf(Node(s, "ring", "ring-1").TaskId!), "the replacement's host id");

        Assert.True((await h.Loop.RestartNodeAsync("ring", "ring-1")).IsOk);
        var before = Node(h.Snapshot, "ring", "ring-1").TaskId;
        await h.DriveAsync(s => Node(s, "ring", "ring-1") is { Healthy: true } n && n.TaskId != before, "ring-1 restarted");
        Assert.False(SpecOf(h.Master, Node(h.Snapshot, "ring", "ring-1").TaskId!).Environment.ContainsKey("JVM_EXTRA_OPTS"));
    }

    [Fact]
    public async Task AgentGoneForGood_TheNodeIsPlacedAfresh_TakingOverItsOldAddress()
    {
        await using var h = await StartedAsync(4);
        await h.PutAsync(Ring(count: 3, cassandra: new CassandraSpec { Seeds = 1 }));
        // The clock moves on so that the non-seeds' bootstrap gaps pass.
        await h.DriveAsync(s => DeployComplete(s, "ring"), "three nodes", tick: TimeSpan.FromSeconds(30));
        var old = Node(h.Snapshot, "ring", "ring-2");

        // Gone for good: the agent makes no more offers (a real master would not offer it again).
        h.Master.Agent(old.AgentId!).Reachable = false;
        h.Master.Update(Task(h.Master, old.TaskId!), TaskState.TaskGone);
        await h.DriveAsync(s => Node(s, "ring", "ring-2") is { Healthy: true, AgentId: "a4" }, "ring-2 placed on a4", forceOffers: true);

        var spec = SpecOf(h.Master, Node(h.Snapshot, "ring", "ring-2").TaskId!);
        Assert.Equal($"-Dcassandra.replace_address_first_boot=host3:{old.Ports["storage"]}", spec.Environment["JVM_EXTRA_OPTS"]);
        Assert.Equal([$"host1:{Node(h.Snapshot, "ring", "ring-0").Ports["storage"]}"], spec.Seeds);
    }

    [Fact]
    public async Task ScaleDown_ARunningNodeDecommissions_ALostOneIsRemovedFromTheRingByALiveNode()
    {
        await using var h = await StartedAsync(4);
        await h.PutAsync(Ring(count: 4, cassandra: new CassandraSpec { Seeds = 2 }));
        await h.DriveAsync(s => DeployComplete(s, "ring"), "four nodes", tick: TimeSpan.FromSeconds(30));
        var lost = Node(h.Snapshot, "ring", "ring-3");
        var leaving = Node(h.Snapshot, "ring", "ring-2");
        h.Master.Partition(lost.AgentId!);
        await h.SettleAsync();

        Assert.True((await h.Loop.ScaleAsync("ring", 2)).IsOk);
        await h.DriveAsync(_ => Requests(h.Master, "removenode").Count == 1, "removenode of ring-3 on a live node", forceOffers: true);
        Assert.Empty(Requests(h.Master, "decommission"));
        // Its reservation is released once its agent is back (the task it runs there is then unknown, and killed).
        h.Master.Heal(lost.AgentId!);
        await h.DriveAsync(s => s.Clusters[0].Nodes.Count == 2 && DeployComplete(s, "ring"), "two nodes left", forceOffers: true);

        var removenode = Assert.Single(Requests(h.Master, "removenode"));
        Assert.Equal(FakeMaster.HostIdOf(lost.TaskId!), removenode.Arguments["host_id"]);
        Assert.Equal("ring.ring-0.1", removenode.TaskId);
        var decommission = Assert.Single(Requests(h.Master, "decommission"));
        Assert.Equal(leaving.TaskId, decommission.TaskId);
        Assert.Contains(h.Master.Calls(Call.Types.Type.Kill), c => c.Kill.TaskId.Value == leaving.TaskId);
        Assert.Equal("removed from the ring: done", Step(h.Snapshot, "ring", "deploy", "removenode-ring-3").Message);
        Assert.Equal("it runs: it leaves the ring by decommission", Step(h.Snapshot, "ring", "deploy", "removenode-ring-2").Message);
        var order = h.Master.AdminRequests.Where(r => r.Operation is "removenode" or "decommission").Select(r => r.Operation).ToList();
        Assert.Equal(["removenode", "decommission"], order);
    }

    [Fact]
    public async Task ScaleUp_SaysWhichNodesNeedCleanup_CleanupRunsOnlyOnAnOperatorsCommand_OneAtATime()
    {
        await using var h = await StartedAsync(4);
        await h.PutAsync(Ring(count: 3));
        await h.DriveAsync(s => DeployComplete(s, "ring"), "three nodes");
        Assert.Empty(h.Cluster("ring").Service!.Cassandra!.CleanupNeeded);

        Assert.True((await h.Loop.ScaleAsync("ring", 4)).IsOk);
        await h.DriveAsync(s => DeployComplete(s, "ring") && s.Clusters[0].Nodes.Count == 4, "four nodes");
        Assert.Equal(["ring-0", "ring-1", "ring-2"], h.Cluster("ring").Service!.Cassandra!.CleanupNeeded);
        await h.AdvanceAsync(TimeSpan.FromDays(1));
        Assert.Empty(Requests(h.Master, "cleanup"));

        Assert.Equal("nodes[0]", Assert.Single((await h.Loop.CleanupAsync("ring", ["ring-9"], null)).Errors).Field);
        Assert.Equal("keyspace", Assert.Single((await h.Loop.CleanupAsync("ring", null, "a;b")).Errors).Field);
        Assert.Equal(OperationOutcome.NotFound, (await h.Loop.CleanupAsync("nope", null, null)).Outcome);
        Assert.DoesNotContain(h.Cluster("ring").Plans, p => p.Name == "cleanup");

        var result = await h.Loop.CleanupAsync("ring", null, "shop");
        Assert.True(result.IsOk, result.Message);
        await h.DriveAsync(s => Plan(s, "ring", "cleanup") is { Status: PlanStatus.Complete }, "the cleanup plan complete");
        var cleanups = Requests(h.Master, "cleanup");
        Assert.Equal(["ring.ring-0.1", "ring.ring-1.1", "ring.ring-2.1"], cleanups.Select(r => r.TaskId));
        Assert.All(cleanups, r => Assert.Equal("shop", r.Arguments["keyspace"]));
        Assert.Empty(h.Cluster("ring").Service!.Cassandra!.CleanupNeeded);
        Assert.Equal(OperationOutcome.Conflict, (await h.Loop.CleanupAsync("ring", null, null)).Outcome);
    }

    [Fact]
    public async Task RollingUpdateOfJvmOptions_DrainRestartHealthyNext_InPlace_ScheduleChangesRestartNothing()
    {
        await using var h = await StartedAsync(3);
        await h.PutAsync(Ring(count: 3));
        await h.DriveAsync(s => DeployComplete(s, "ring"), "three nodes");
        var hostIds = Requests(h.Master, "host-id").Count;
        h.Master.ClearCalls();

        Assert.True((await h.PutAsync(Ring(count: 3, cassandra: new CassandraSpec { Repair = new RepairSpec { Interval = "2days" }, BootstrapGap = "5mins" }))).IsOk);
        h.Master.OfferAll(force: true);
        await h.SettleAsync();
        Assert.Empty(h.Master.Calls(Call.Types.Type.Kill));
        Assert.Equal(1, h.Cluster("ring").Generation);

        Assert.True((await h.PutAsync(Ring(count: 3, cassandra: new CassandraSpec { JvmOptions = ["-Xmx2G", "-XX:+UseG1GC"] }))).IsOk);
        await h.DriveAsync(s => DeployComplete(s, "ring") && s.Clusters[0].Nodes.All(n => n.Generation == 2), "every node at generation 2");

        var order = h.Master.Calls().SelectMany(c => c.Type switch
        {
            Call.Types.Type.Kill => ["kill " + c.Kill.TaskId.Value],
            Call.Types.Type.Accept => c.Accept.Operations.Where(o => o.Type == Offer.Types.Operation.Types.Type.Launch).SelectMany(o => o.Launch.TaskInfos).Select(t => "launch " + t.TaskId.Value),
            _ => [],
        }).ToList();
        Assert.Equal(["kill ring.ring-0.1", "launch ring.ring-0.2", "kill ring.ring-1.1", "launch ring.ring-1.2", "kill ring.ring-2.1", "launch ring.ring-2.2"], order);
        Assert.All(new[] { "ring.ring-0.2", "ring.ring-1.2", "ring.ring-2.2" }, t => Assert.Equal("-Xmx2G -XX:+UseG1GC", SpecOf(h.Master, t).Environment["JVM_EXTRA_OPTS"]));
        Assert.Equal(hostIds, Requests(h.Master, "host-id").Count);
    }

    [Fact]
    public async Task TwoRingsInOneFramework_EachHasItsOwnPlansSeedsNamesAndPorts()
    {
        await using var h = await StartedAsync(3);
        await h.PutAsync(Ring("east", 3, native: 31042));
        await h.PutAsync(Ring("west", 3, native: 31043));
        await h.DriveAsync(s => DeployComplete(s, "east") && DeployComplete(s, "west"), "both rings");

        foreach (var ring in new[] { "east", "west" })
        {
            var nodes = h.Cluster(ring).Nodes;
            Assert.Equal([$"{ring}-0", $"{ring}-1", $"{ring}-2"], nodes.Select(n => n.Name));
            var seeds = nodes.Select(n => $"{n.Hostname}:{n.Ports["storage"]}").ToList();
            var spec = SpecOf(h.Master, $"{ring}.{ring}-2.1");
            Assert.Equal(ring, spec.Cluster);
            Assert.Equal(seeds, spec.Seeds);
            Assert.All(nodes, n => Assert.Equal(ring == "east" ? 31042 : 31043, n.Ports["native"]));
            Assert.Equal(["deploy"], h.Cluster(ring).Plans.Select(p => p.Name));
        }

        Assert.Empty(h.Cluster("east").Nodes.Select(n => $"{n.Hostname}:{n.Ports["storage"]}").Intersect(h.Cluster("west").Nodes.Select(n => $"{n.Hostname}:{n.Ports["storage"]}")));
        Assert.Equal(6, h.Master.LiveTasks().Count);
    }

    [Fact]
    public async Task RepairNow_StartsARoundAtOnce_OnlyOneAtATime_AndOnlyForACassandraRingThatIsDeployed()
    {
        await using var h = await StartedAsync(2, m => m.AutoReplyAdmin = null);
        h.Master.AdminResponder = r => r.Operation == "host-id" ? (V1.AdminReply.Types.Outcome.Succeeded, FakeMaster.OutputOf(r)) : null;
        await h.PutAsync(Ring(count: 2));
        Assert.Equal(OperationOutcome.Conflict, (await h.Loop.StartRepairAsync("ring")).Outcome);
        await h.DriveAsync(s => DeployComplete(s, "ring"), "two nodes");
        await h.PutAsync(Harness.Generic(count: 0));

        Assert.True((await h.Loop.StartRepairAsync("ring")).IsOk);
        await h.SettleAsync();
        Assert.Single(Requests(h.Master, "repair"));
        Assert.Equal(OperationOutcome.Conflict, (await h.Loop.StartRepairAsync("ring")).Outcome);
        Assert.Equal(OperationOutcome.Conflict, (await h.Loop.StartRepairAsync("web")).Outcome);
        Assert.Equal(OperationOutcome.NotFound, (await h.Loop.StartRepairAsync("nope")).Outcome);
        Assert.Equal(1, h.Cluster("ring").Service!.Cassandra!.Repair.Rounds);
    }

    [Theory]
    [InlineData("""{"jvm_options":["-Xmx1G -Xms1G"]}""", "cassandra.jvm_options[0]")]
    [InlineData("""{"jvm_options":["Xmx1G"]}""", "cassandra.jvm_options[0]")]
    [InlineData("""{"seeds":0}""", "cassandra.seeds")]
    [InlineData("""{"bootstrap_gap":"2hrs"}""", "cassandra.bootstrap_gap")]
    [InlineData("""{"repair":{"interval":"10days"}}""", "cassandra.repair.interval")]
    [InlineData("""{"repair":{"gc_grace_seconds":3600,"interval":"2hrs"}}""", "cassandra.repair.interval")]
    [InlineData("""{"repair":{"gc_grace_seconds":0}}""", "cassandra.repair.gc_grace_seconds")]
    [InlineData("""{"repair":{"keyspace":"-h"}}""", "cassandra.repair.keyspace")]
    [InlineData("""{"repair":{"every":"1day"}}""", "cassandra.repair.every")]
    public void CassandraSection_BadValues_AreRefusedNamingTheField(string section, string field)
    {
        var json = $$"""{"name":"ring","kind":"CASSANDRA","count":3,"resources":{"cpus":1,"mem":1024},"service":{"install_dir":"/opt/c"},"ports":[{"name":"native"},{"name":"storage"},{"name":"jmx"}],"cassandra":{{section}}}""";

        var e = Assert.Throws<SpecException>(() => ClusterSpecJson.Parse(json));

        Assert.Contains(e.Errors, error => error.Field == field);
    }

    [Fact]
    public void AKindSection_OnAnotherKind_IsRefused()
    {
        var json = """{"name":"web","kind":"GENERIC","count":1,"resources":{"cpus":1,"mem":64},"service":{"command":"x"},"cassandra":{"seeds":1},"drill":{"qsf_mb":10}}""";

        var e = Assert.Throws<SpecException>(() => ClusterSpecJson.Parse(json));

        Assert.Equal(["cassandra", "drill"], e.Errors.Select(error => error.Field));
    }
}
