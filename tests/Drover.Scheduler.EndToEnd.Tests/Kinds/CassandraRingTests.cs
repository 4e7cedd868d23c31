using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Drover.Scheduler.EndToEnd.Tests.Support;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;
using Drover.Scheduler.Plans.Cassandra;
using Drover.Testing.ZooKeeper;
using Xunit.Abstractions;

namespace Drover.Scheduler.EndToEnd.Tests.Kinds;

/// <summary>
/// One five-node ring (three seeds) of the Cassandra stand-in, deployed once by drover-scheduler through the local
/// Mesos and the real executors (health from the executor's JMX check of OperationMode), with what was seen on the
/// way kept: every answer of the API during the deploy, each node's rendered cassandra.yaml, the first repair round.
/// Schedules are shortened through the spec: bootstrap_gap 2secs, repair every 10secs, replace_after 3secs.
/// </summary>
public sealed class CassandraRing : IAsyncLifetime
{
    public const string Cluster = "ring";
    public const int Count = 5;
    public const int Seeds = 3;
    public static readonly TimeSpan BootstrapGap = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Deployed? _value;

    /// <summary>What the deploy and the first repair round left to look at.</summary>
    public sealed record Deployed(
        TestBed Bed,
        SchedulerProcess Scheduler,
        IReadOnlyList<SchedulerSnapshot> DuringDeploy,
        SchedulerSnapshot AtDeploy,
        IReadOnlyDictionary<string, string> Yaml,
        SchedulerSnapshot AfterRepairRound,
        IReadOnlyDictionary<string, string> StdoutAfterRepair,
        TimeSpan DeployTime,
        TimeSpan RepairRoundTime);

    public async Task<Deployed> GetAsync(ZooKeeperServerFixture zooKeeper)
    {
        await _gate.WaitAsync();
        try
        {
            return _value ??= await DeployAsync(zooKeeper);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task<Deployed> DeployAsync(ZooKeeperServerFixture zooKeeper)
    {
        var standin = await Standins.CassandraAsync();
        // Six agents: one node per host (unique_hostname), and a spare for the node that is replaced.
        var bed = await TestBed.StartAsync(zooKeeper, agents: Count + 1);
        var scheduler = bed.StartScheduler();
        await scheduler.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed, "subscribed");

        var clock = Stopwatch.StartNew();
        IReadOnlyList<SchedulerSnapshot> seen;
        SchedulerSnapshot atDeploy;
        await using (var recorder = SnapshotRecorder.Start(scheduler))
        {
            await scheduler.PutClusterAsync(Spec(standin.InstallDir));
            atDeploy = await scheduler.UntilAsync(s => TestBed.Deployed(s, Count, Cluster), "five nodes deployed, healthy", TimeSpan.FromMinutes(3));
            seen = await recorder.StopAsync();
        }

        var deployTime = clock.Elapsed;
        var yaml = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in Ring(atDeploy).Nodes)
        {
            var sandbox = await TaskSandbox.OfAsync(bed.Mesos, node.AgentId!, node.TaskId!);
            yaml[node.Name] = await File.ReadAllTextAsync(Path.Combine(sandbox, "drover", "cassandra", "cassandra.yaml"));
        }

        // The first round starts an interval after the ring was complete.
        clock.Restart();
        var repaired = await scheduler.UntilAsync(
            s => Ring(s).Plans.SingleOrDefault(p => p.Name == CassandraPlanner.RepairPlan) is { Status: PlanStatus.Complete } plan
                && plan.Phases.Single().Name == "round-1",
            "the first repair round complete", TimeSpan.FromMinutes(2));
        var repairTime = clock.Elapsed;
        var stdout = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in Ring(repaired).Nodes)
        {
            stdout[node.Name] = TaskSandbox.ServiceStdout(await TaskSandbox.OfAsync(bed.Mesos, node.AgentId!, node.TaskId!), node.TaskId!);
        }

        return new Deployed(bed, scheduler, seen, atDeploy, yaml, repaired, stdout, deployTime, repairTime);
    }

    public static string Spec(string installDir) => new JsonObject
    {
        ["name"] = Cluster,
        ["kind"] = "CASSANDRA",
        ["count"] = Count,
        ["version"] = "4.1.5",
        ["resources"] = new JsonObject { ["cpus"] = 0.2, ["mem"] = 256, ["volume"] = 16 },
        ["ports"] = new JsonArray(new JsonObject { ["name"] = "native" }, new JsonObject { ["name"] = "storage" }, new JsonObject { ["name"] = "jmx" }),
        ["placement"] = new JsonObject { ["unique_hostname"] = true },
        ["service"] = new JsonObject { ["install_dir"] = installDir, ["java_home"] = Drover.Testing.Standins.StandinExamples.JavaHome(), ["kill_grace_period"] = "20secs" },
        ["replace_after"] = "3secs",
        ["health"] = new JsonObject { ["delay"] = "0secs", ["interval"] = "300ms", ["timeout"] = "10secs", ["grace"] = "90secs" },
        ["cassandra"] = new JsonObject
        {
            ["seeds"] = Seeds,
            ["bootstrap_gap"] = "2secs",
            ["repair"] = new JsonObject { ["interval"] = "10secs", ["gc_grace_seconds"] = 600 },
        },
    }.ToJsonString();

    public static ClusterView Ring(SchedulerSnapshot s) => s.Clusters.Single(c => c.Name == Cluster);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_value is { } value)
        {
            await value.Bed.DisposeAsync();
        }
    }
}

/// <summary>
/// Issue 12's Cassandra ring through the real pieces: drover-scheduler (a process) → the local Mesos → the real
/// drover-executor → the Cassandra stand-in, health from the executor's JMX check, every ring operation an
/// AdminRequest answered by the executor's nodetool/JMX call, as the stand-in itself recorded it.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed partial class CassandraRingTests(ZooKeeperServerFixture zooKeeper, CassandraRing ring, ITestOutputHelper output) : IClassFixture<CassandraRing>
{
    private static readonly string[] SeedNames = ["ring-0", "ring-1", "ring-2"];
    private static readonly string[] OtherNames = ["ring-3", "ring-4"];

    [GeneratedRegex("- seeds: \"([^\"]*)\"", RegexOptions.CultureInvariant)]
    private static partial Regex SeedsLine();

    [Fact]
    public async Task Deploy_SeedsOneAfterAnotherEachHealthy_ThenOneBootstrapAtATimeAfterTheGap()
    {
        var d = await ring.GetAsync(zooKeeper);
        output.WriteLine($"shared fixture: deploy of five nodes {d.DeployTime.TotalSeconds:F1} s ({d.DuringDeploy.Count} snapshots), then the first repair round done {d.RepairRoundTime.TotalSeconds:F1} s later");

        // Every answer of the API during the deploy: a node launched (it has a task) only when all before it in the
        // order are healthy; never two non-seeds bootstrapping at once.
        foreach (var s in d.DuringDeploy.Where(s => s.Clusters.Any(c => c.Name == CassandraRing.Cluster)))
        {
            var nodes = CassandraRing.Ring(s).Nodes.ToDictionary(n => n.Name);
            bool Launched(string name) => nodes.TryGetValue(name, out var n) && n.TaskId is not null;
            bool Healthy(string name) => nodes.TryGetValue(name, out var n) && n.Phase == NodePhase.Running && n.Healthy == true;
            var at = $"at {s.Time:HH:mm:ss.fff}: {SchedulerProcess.Describe(s)}";
            for (var i = 1; i < SeedNames.Length; i++)
            {
                Assert.False(Launched(SeedNames[i]) && !Healthy(SeedNames[i - 1]), $"{SeedNames[i]} launched before {SeedNames[i - 1]} was healthy, {at}");
            }

            foreach (var other in OtherNames)
            {
                Assert.False(Launched(other) && !SeedNames.All(Healthy), $"{other} launched before every seed was healthy, {at}");
            }

            Assert.True(OtherNames.Count(n => Launched(n) && !Healthy(n)) <= 1, $"two bootstraps at once, {at}");
        }

        // Each seed was seen STARTING (running, not yet healthy) before it was healthy: the order comes from the JMX check, not from the launch.
        foreach (var seed in SeedNames)
        {
            Assert.Contains(d.DuringDeploy, s => s.Clusters.Any(c => c.Name == CassandraRing.Cluster) && CassandraRing.Ring(s).Nodes.Any(n => n.Name == seed && n.TaskId is not null && n.Healthy != true));
        }

        // The deploy plan says the same with its times: seeds in order, each run step finished (healthy) before the
        // next started; ring-4's bootstrap began a bootstrap_gap after ring-3's ended (its Host ID read when it was healthy).
        var plan = CassandraRing.Ring(d.AtDeploy).Plans.Single(p => p.Name == "deploy");
        var steps = plan.Phases.SelectMany(p => p.Steps).ToDictionary(s => s.Name);
        Assert.Equal(["reserve-seeds", "seeds", "nodes"], plan.Phases.Select(p => p.Name));
        var order = new[] { "ring-0", "ring-1", "ring-2", "ring-3", "ring-4" };
        for (var i = 1; i < order.Length; i++)
        {
            Assert.True(steps[order[i - 1]].Finished <= steps[order[i]].Started, $"{order[i - 1]} finished {steps[order[i - 1]].Finished:O}, {order[i]} started {steps[order[i]].Started:O}");
        }

        // The ring counts a bootstrap as ended when the node's Host ID is read: after that step started (ring-3
        // healthy), before it is marked finished (a later read of the clock in the same turn of the loop).
        var ring3Joined = steps["host-id-ring-3"].Started!.Value;
        Assert.True(steps["ring-4"].Started >= ring3Joined + CassandraRing.BootstrapGap,
            $"ring-4 started {steps["ring-4"].Started:O}, ring-3 joined at {ring3Joined:O} or later: less than the bootstrap gap");
        Assert.Equal(StepStatus.Complete, steps["gap-ring-4"].Status);

        // Every node's seeds (its rendered cassandra.yaml, which the stand-in reads) are the three seeds' host:storage,
        // the first seed's too: every seed was reserved (its address known) before the first one launched.
        var nodesAt = CassandraRing.Ring(d.AtDeploy).Nodes.ToDictionary(n => n.Name);
        var expected = SeedNames.Select(n => $"{nodesAt[n].Hostname}:{nodesAt[n].Ports["storage"].ToString(CultureInfo.InvariantCulture)}").ToList();
        Assert.Equal(3, expected.Distinct().Count());
        Assert.Equal([.. SeedNames, .. OtherNames], d.Yaml.Keys.Order());
        foreach (var (name, yaml) in d.Yaml)
        {
            var match = SeedsLine().Match(yaml);
            Assert.True(match.Success, $"{name}'s cassandra.yaml has no seeds line:\n{yaml}");
            Assert.Equal(expected, match.Groups[1].Value.Split(','));
        }

        // The seeds were placed together, before any of them had a task: the reservations were made, then ring-0 launched.
        var reserved = plan.Phases.Single(p => p.Name == "reserve-seeds").Steps;
        Assert.Equal(SeedNames.Select(n => $"reserve-{n}"), reserved.Select(s => s.Name));
        Assert.All(reserved, s => Assert.True(s.Finished <= steps["ring-0"].Started, $"{s.Name} finished {s.Finished:O}, ring-0 started {steps["ring-0"].Started:O}"));

        Assert.Equal(expected.Select(e => e.Split(':')[0]).Order(), SeedNames.Select(n => nodesAt[n].Hostname!).Order());
        Assert.Equal(SeedNames, CassandraRing.Ring(d.AtDeploy).Service!.Cassandra!.Seeds);

        // Each node's Host ID was read through the executor (host-id, answered over JMX) once it was healthy.
        Assert.Equal(order, CassandraRing.Ring(d.AtDeploy).Service!.Cassandra!.HostIds.Keys.Order());
        Assert.All(CassandraRing.Ring(d.AtDeploy).Service!.Cassandra!.HostIds.Values, id => Assert.True(Guid.TryParse(id, out _), id));
    }

    [Fact]
    public async Task RepairRound_OnItsShortenedSchedule_RepairsThePrimaryRangeOfEveryNode_OneAtATime()
    {
        var d = await ring.GetAsync(zooKeeper);
        var view = CassandraRing.Ring(d.AfterRepairRound);
        var runs = view.Plans.Single(p => p.Name == CassandraPlanner.RepairPlan).Phases.Single().Steps;
        output.WriteLine($"first repair round done {d.RepairRoundTime.TotalSeconds:F1} s after the deploy (interval 10 s); its five runs took {(runs[^1].Finished - runs[0].Started)?.TotalSeconds:F1} s");

        // The plan: one step per node, in order, each started after the one before it finished.
        var steps = view.Plans.Single(p => p.Name == CassandraPlanner.RepairPlan).Phases.Single().Steps;
        Assert.Equal(["repair-ring-0", "repair-ring-1", "repair-ring-2", "repair-ring-3", "repair-ring-4"], steps.Select(s => s.Name));
        Assert.All(steps, s => Assert.Equal(StepStatus.Complete, s.Status));
        for (var i = 1; i < steps.Count; i++)
        {
            Assert.True(steps[i - 1].Finished <= steps[i].Started, $"{steps[i - 1].Name} finished {steps[i - 1].Finished:O}, {steps[i].Name} started {steps[i].Started:O}");
        }

        // The service view: round 1, every node's last run SUCCEEDED, the runs of the round one after another.
        var repair = view.Service!.Cassandra!.Repair;
        Assert.True(repair.Enabled);
        Assert.Equal(10, repair.IntervalSeconds);
        Assert.True(repair.Rounds >= 1);
        Assert.All(repair.Nodes, n => Assert.Equal(RepairOutcome.Succeeded, n.Last?.Outcome));
        var round = repair.History.Where(r => r.Round == 1).OrderBy(r => r.Started).ToList();
        Assert.Equal(["ring-0", "ring-1", "ring-2", "ring-3", "ring-4"], round.Select(r => r.Node));
        for (var i = 1; i < round.Count; i++)
        {
            Assert.True(round[i - 1].Finished <= round[i].Started, $"runs overlap: {round[i - 1]} and {round[i]}");
        }

        // Each went to the node's executor as an AdminRequest "repair" with primary_range, and the stand-in itself
        // got a repair of its primary range (StorageService.repairAsync with primaryRange=true).
        foreach (var node in view.Nodes)
        {
            var stdout = d.StdoutAfterRepair[node.Name];
            Assert.Contains("Starting repair command #", stdout, StringComparison.Ordinal);
            Assert.Matches("Starting repair command #1 on keyspace .*primaryRange=true", stdout);
        }
    }

    [Fact]
    public async Task LostNode_ReplacedOnTheSpareAgent_WithReplaceAddressFirstBoot_ThenScaleDownDecommissionsKillsAndUnreserves()
    {
        var d = await ring.GetAsync(zooKeeper);
        var clock = Stopwatch.StartNew();
        var (bed, scheduler) = (d.Bed, d.Scheduler);
        var before = await scheduler.StateAsync();
        var victim = CassandraRing.Ring(before).Nodes.Single(n => n.Name == "ring-3");
        var oldAddress = $"{victim.Hostname}:{victim.Ports["storage"].ToString(CultureInfo.InvariantCulture)}";
        var oldHostId = CassandraRing.Ring(before).Service!.Cassandra!.HostIds["ring-3"];
        var spare = (await bed.MesosAsync()).Agents.Select(a => a.Id).Except(CassandraRing.Ring(before).Nodes.Select(n => n.AgentId!)).Single();

        // The host dies: the node's executor and service are gone and its agent does not come back; it cannot restart in place.
        await bed.Mesos.LoseAgentAsync(victim.AgentId!, hostDied: true);
        await scheduler.UntilAsync(s => Node(s, "ring-3").Phase == NodePhase.Lost, "ring-3 lost");
        var replaced = await scheduler.UntilAsync(
            s => TestBed.Deployed(s, CassandraRing.Count, CassandraRing.Cluster) && Node(s, "ring-3").AgentId == spare,
            "ring-3 replaced on the spare agent and healthy", TimeSpan.FromMinutes(2));
        var replacement = Node(replaced, "ring-3");
        Assert.Contains(CassandraRing.Ring(replaced).Plans.Single(p => p.Name == "recovery").Phases.SelectMany(p => p.Steps),
            s => s.Action == "replace_node" && s.Node == "ring-3");

        // The stand-in of the replacement started with -Dcassandra.replace_address_first_boot=<the old host:storage>.
        var sandbox = await TaskSandbox.OfAsync(bed.Mesos, spare, replacement.TaskId!);
        Assert.Contains($"Replacing a dead node: replace_address_first_boot {oldAddress}", TaskSandbox.ServiceStdout(sandbox, replacement.TaskId!), StringComparison.Ordinal);
        // Its seeds are the three seeds (it is not one); its new Host ID is read once it is healthy.
        var hostIds = await scheduler.UntilAsync(s => CassandraRing.Ring(s).Service!.Cassandra!.HostIds["ring-3"] != oldHostId, "ring-3's new host id");
        Assert.True(Guid.TryParse(CassandraRing.Ring(hostIds).Service!.Cassandra!.HostIds["ring-3"], out _));
        var replacedIn = clock.Elapsed;

        // Scale down 5 -> 4: ring-4 decommissions through its executor, then its task is killed and its reservation released.
        var leaving = Node(replaced, "ring-4");
        var leavingSandbox = await TaskSandbox.OfAsync(bed.Mesos, leaving.AgentId!, leaving.TaskId!);
        SchedulerSnapshot shrunk;
        IReadOnlyList<SchedulerSnapshot> seen;
        await using (var recorder = SnapshotRecorder.Start(scheduler))
        {
            var (status, body) = await scheduler.SendAsync(HttpMethod.Post, $"v1/clusters/{CassandraRing.Cluster}/scale", "{\"count\":4}");
            Assert.True(status is 200 or 202, $"{status} {body}");
            shrunk = await scheduler.UntilAsync(
                s => CassandraRing.Ring(s).Nodes.Count == 4 && CassandraRing.Ring(s).Plans.Single(p => p.Name == "deploy").Status == PlanStatus.Complete,
                "ring-4 gone, the deploy plan complete", TimeSpan.FromMinutes(2));
            seen = await recorder.StopAsync();
        }

        // The executor ran nodetool decommission (the stand-in went LEAVING, then DECOMMISSIONED) and answered SUCCEEDED.
        var decommission = Assert.Single(shrunk.AdminOperations, a => a.Node == "ring-4" && a.Operation == "decommission");
        Assert.Equal(AdminOperationState.Succeeded, decommission.State);
        var stdout = TaskSandbox.ServiceStdout(leavingSandbox, leaving.TaskId!);
        Assert.Contains("DECOMMISSIONED", stdout, StringComparison.Ordinal);

        // Then, and only then, the task was killed: the first answer of the API showing ring-4's task killed (or
        // being killed) comes after the one showing the decommission done.
        bool Decommissioned(SchedulerSnapshot s) => s.AdminOperations.Any(a => a.RequestId == decommission.RequestId && a.State == AdminOperationState.Succeeded);
        bool Killed(SchedulerSnapshot s) => CassandraRing.Ring(s).Nodes.Any(n => n.Name == "ring-4" && (n.Phase == NodePhase.Killing || n.TaskState == "TASK_KILLED"));
        var firstDone = seen.ToList().FindIndex(Decommissioned);
        var firstKilled = seen.ToList().FindIndex(Killed);
        Assert.True(firstDone >= 0 && firstKilled >= 0 && firstDone <= firstKilled,
            $"decommission done at snapshot {firstDone}, ring-4 killed at {firstKilled} of {seen.Count}");
        // The scheduler's log: ring-4's task ended TASK_KILLED, after the executor's decommission reply.
        var log = scheduler.Output;
        var replied = log.IndexOf($"admin operation decommission ({decommission.RequestId}): ", StringComparison.Ordinal);
        var killed = log.Split('\n').Select((line, i) => (line, i)).FirstOrDefault(l => l.line.Contains("ring-4", StringComparison.Ordinal) && l.line.Contains("on TASK_KILLED", StringComparison.Ordinal));
        Assert.True(replied >= 0 && killed.line is not null && replied < log.IndexOf(killed.line, StringComparison.Ordinal), $"decommission reply then TASK_KILLED in the log:\n{scheduler.Tail(120)}");

        // Mesos: the task no longer runs, and nothing is reserved for ring-4 any more (its volume destroyed, its resources unreserved).
        var mesos = await bed.MesosAsync();
        Assert.DoesNotContain(mesos.Tasks, t => t.Id == leaving.TaskId && t.State == "TASK_RUNNING");
        Assert.DoesNotContain(leaving.PersistenceId!, mesos.EntriesOf(bed.Framework));
        Assert.Equal(CassandraRing.Ring(shrunk).Nodes.Select(n => n.PersistenceId!).Append(victim.PersistenceId!).ToHashSet(), mesos.EntriesOf(bed.Framework));
        Assert.All(CassandraRing.Ring(shrunk).Nodes, n => Assert.True(n.Phase == NodePhase.Running && n.Healthy == true, $"{n.Name} {n.Phase} {n.Healthy}"));
        output.WriteLine($"replacement of ring-3: {replacedIn.TotalSeconds:F1} s; decommission of ring-4: {(clock.Elapsed - replacedIn).TotalSeconds:F1} s; this test {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static NodeView Node(SchedulerSnapshot s, string name) => CassandraRing.Ring(s).Nodes.Single(n => n.Name == name);
}
