using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Drover.Scheduler.EndToEnd.Tests.Support;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;
using Drover.Testing.Standins.Riak;
using Drover.Testing.ZooKeeper;
using Xunit.Abstractions;

namespace Drover.Scheduler.EndToEnd.Tests.Kinds;

/// <summary>
/// Issue 12's Riak cluster through the real pieces: drover-scheduler (a process) → the local Mesos (three agents) →
/// the real drover-executor (its cEPMD on each task's own <c>epmd</c> port, the /ping check) → the Riak stand-in, a
/// real OTP 25 node that loads Drover's EPMD module (<c>otp_release</c> 25). Every cluster operation is an
/// AdminRequest the executor runs as riak-admin, which the stand-in records on its stdout with the Erlang nodes it
/// was connected to. One cluster through the whole scenario: three nodes, a fourth sharing an agent, a leave.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RiakClusterTests(ZooKeeperServerFixture zooKeeper, ITestOutputHelper output) : IDisposable
{
    private const string Cluster = "kv";
    private readonly RiakStandinInstall _install = RiakStandinInstall.Create();

    [Fact]
    public async Task ThreeNodesOnePerAgent_JoinedAndRingready_AFourthSharesAnAgentAndReachesItsPeersThroughTheEpmdModule_ThenLeaves()
    {
        var clock = Stopwatch.StartNew();
        await using var bed = await TestBed.StartAsync(zooKeeper, agents: 3);
        var scheduler = bed.StartScheduler();
        await scheduler.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed, "subscribed");

        // Three nodes: one per agent, each joined to a member, one plan and one commit for the batch, ringready.
        await scheduler.PutClusterAsync(Spec(count: 3));
        var three = await scheduler.UntilAsync(s => TestBed.Deployed(s, 3, Cluster), "three Riak nodes deployed", TimeSpan.FromMinutes(2));
        var deployedIn = clock.Elapsed;
        var nodes = Kv(three).Nodes;
        Assert.Equal(3, nodes.Select(n => n.AgentId).Distinct().Count());
        var names = nodes.ToDictionary(n => n.Name, ErlangName);
        Assert.Equal(names.Values.Order(), Kv(three).Service!.Riak!.Members.Order());
        Assert.True(Kv(three).Service!.Riak!.EpmdModule);

        var deploy = Kv(three).Plans.Single(p => p.Name == "deploy").Phases.SelectMany(p => p.Steps).ToList();
        var ringready = deploy.Single(s => s.Name == "ringready");
        Assert.Equal(StepStatus.Complete, ringready.Status);
        Assert.True(deploy.Where(s => s.Name is "plan" or "commit").All(s => s.Finished <= ringready.Started), string.Join("; ", deploy.Select(s => $"{s.Name} {s.Started:O}..{s.Finished:O}")));

        var stdout = await StdoutsAsync(bed, three);
        // Every node but the first staged a join to a member; one node (the claimant) ran one plan, one commit, ringready.
        var joined = stdout.Where(o => o.Value.Contains("riak-admin cluster join ", StringComparison.Ordinal)).Select(o => o.Key).Order().ToList();
        Assert.Equal(2, joined.Count);
        foreach (var node in joined)
        {
            Assert.Matches($"riak-admin cluster join ({string.Join('|', names.Values.Where(n => n != names[node]).Select(System.Text.RegularExpressions.Regex.Escape))}) -> 0", stdout[node]);
        }

        Assert.Equal(1, stdout.Values.Sum(o => Count(o, "riak-admin cluster plan -> 0")));
        Assert.Equal(1, stdout.Values.Sum(o => Count(o, "riak-admin cluster commit -> 0")));
        Assert.Contains(stdout.Values, o => o.Contains("riak-admin ringready -> 0", StringComparison.Ordinal));
        var firstPart = clock.Elapsed;

        // A fourth node: more nodes than agents, so it shares one, with its own cEPMD on its own port.
        await Scale(scheduler, 4);
        var four = await scheduler.UntilAsync(s => TestBed.Deployed(s, 4, Cluster), "the fourth node deployed, joined, ringready", TimeSpan.FromMinutes(2));
        var fourth = Node(four, "kv-3");
        var neighbour = Kv(four).Nodes.Single(n => n.Name != "kv-3" && n.AgentId == fourth.AgentId);
        Assert.Equal(neighbour.Hostname, fourth.Hostname);
        Assert.NotEqual(neighbour.Ports["epmd"], fourth.Ports["epmd"]);
        Assert.Equal(4, Kv(four).Nodes.Select(n => n.Ports["epmd"]).Distinct().Count());
        Assert.Contains(ErlangName(fourth), Kv(four).Service!.Riak!.Members);

        // From the Erlang side: ringready asked on the fourth node (an AdminRequest through its executor) calls every
        // member by rpc, which connects to each through the EPMD module; its record lists the nodes it was connected to.
        var (status, body) = await scheduler.SendAsync(HttpMethod.Post, $"v1/clusters/{Cluster}/nodes/kv-3/admin", "{\"operation\":\"ringready\"}");
        Assert.True(status == 202, $"{status} {body}");
        var requestId = JsonDocument.Parse(body).RootElement.GetProperty("request_id").GetString()!;
        var replied = await scheduler.UntilAsync(s => s.AdminOperations.Any(a => a.RequestId == requestId && a.State is not (AdminOperationState.Sent or AdminOperationState.Pending)), "kv-3's ringready");
        var ready = replied.AdminOperations.Single(a => a.RequestId == requestId);
        var members = Kv(four).Nodes.Select(ErlangName).Order(StringComparer.Ordinal).ToList();
        Assert.True(ready.State == AdminOperationState.Succeeded, $"{ready.State}: {ready.Output}");
        // (Erlang's ~p breaks a long list over lines: each member is looked for by itself.)
        Assert.StartsWith("TRUE All nodes agree on the ring [", ready.Output, StringComparison.Ordinal);
        Assert.All(members, m => Assert.Contains($"'{m}'", ready.Output, StringComparison.Ordinal));
        var fourthSandbox = await TaskSandbox.OfAsync(bed.Mesos, fourth.AgentId!, fourth.TaskId!);
        var fourthOut = TaskSandbox.ServiceStdout(fourthSandbox, fourth.TaskId!);
        var record = fourthOut[fourthOut.LastIndexOf("riak-admin ringready -> 0; nodes() ", StringComparison.Ordinal)..];
        foreach (var peer in members.Where(m => m != ErlangName(fourth)))
        {
            Assert.Contains($"'{peer}'", record, StringComparison.Ordinal);
        }

        Assert.Matches("riak-admin cluster join .* -> 0", fourthOut);
        var secondPart = clock.Elapsed;

        // A leave (scale back to three): cluster leave on kv-3, plan, commit, transfers until it handed off and stopped;
        // then its reservation is released.
        await Scale(scheduler, 3);
        var shrunk = await scheduler.UntilAsync(
            s => Kv(s).Nodes.Count == 3 && Kv(s).Plans.Single(p => p.Name == "deploy").Status == PlanStatus.Complete,
            "kv-3 left, the deploy plan complete", TimeSpan.FromMinutes(2));
        var leave = Kv(shrunk).Plans.Single(p => p.Name == "deploy").Phases.Single(p => p.Name == "leave").Steps;
        Assert.Equal(["leave-kv-3", "leave-plan", "leave-commit", "transfers"], leave.Select(s => s.Name).Take(4));
        Assert.All(leave, s => Assert.Equal(StepStatus.Complete, s.Status));
        for (var i = 1; i < leave.Count; i++)
        {
            Assert.True(leave[i - 1].Finished <= leave[i].Started, $"{leave[i - 1].Name} then {leave[i].Name}");
        }

        fourthOut = TaskSandbox.ServiceStdout(fourthSandbox, fourth.TaskId!);
        Assert.Contains("riak-admin cluster leave -> 0", fourthOut, StringComparison.Ordinal);
        Assert.Contains("leaving: handoff complete; stopping", fourthOut, StringComparison.Ordinal);
        var after = await StdoutsAsync(bed, shrunk);
        Assert.Contains(after.Values, o => o.Contains("riak-admin transfers -> 0", StringComparison.Ordinal));
        // Three commits in all, each on a member that stays: the first batch, the fourth's join, the leave.
        Assert.Equal(3, after.Values.Sum(o => Count(o, "riak-admin cluster commit -> 0")));
        Assert.DoesNotContain(ErlangName(fourth), Kv(shrunk).Service!.Riak!.Members);

        var mesos = await bed.MesosAsync();
        Assert.DoesNotContain(mesos.Tasks, t => t.Id == fourth.TaskId && t.State == "TASK_RUNNING");
        Assert.Equal(Kv(shrunk).Nodes.Select(n => n.PersistenceId!).ToHashSet(), mesos.EntriesOf(bed.Framework));
        output.WriteLine($"three nodes deployed {deployedIn.TotalSeconds:F1} s; checks done {firstPart.TotalSeconds:F1} s; fourth node and its ringready {(secondPart - firstPart).TotalSeconds:F1} s; leave {(clock.Elapsed - secondPart).TotalSeconds:F1} s; whole test {clock.Elapsed.TotalSeconds:F1} s");
    }

    public void Dispose() => _install.Dispose();

    private string Spec(int count) => new JsonObject
    {
        ["name"] = Cluster,
        ["kind"] = "RIAK",
        ["count"] = count,
        ["version"] = "3.2.0",
        ["resources"] = new JsonObject { ["cpus"] = 0.2, ["mem"] = 256, ["volume"] = 16 },
        ["ports"] = new JsonArray(
            new JsonObject { ["name"] = "epmd" }, new JsonObject { ["name"] = "http" }, new JsonObject { ["name"] = "pb" },
            new JsonObject { ["name"] = "handoff" }, new JsonObject { ["name"] = "disterl" }),
        ["service"] = new JsonObject { ["install_dir"] = _install.Directory, ["kill_grace_period"] = "10secs" },
        ["health"] = new JsonObject { ["delay"] = "0secs", ["interval"] = "300ms", ["timeout"] = "5secs", ["grace"] = "60secs" },
        ["riak"] = new JsonObject { ["otp_release"] = 25 },
    }.ToJsonString();

    private static async Task Scale(SchedulerProcess scheduler, int count)
    {
        var (status, body) = await scheduler.SendAsync(HttpMethod.Post, $"v1/clusters/{Cluster}/scale", $"{{\"count\":{count}}}");
        Assert.True(status is 200 or 202, $"{status} {body}");
    }

    /// <summary>Each running node's stand-in output (its record of the riak-admin calls it ran).</summary>
    private static async Task<Dictionary<string, string>> StdoutsAsync(TestBed bed, SchedulerSnapshot s)
    {
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in Kv(s).Nodes)
        {
            outputs[node.Name] = TaskSandbox.ServiceStdout(await TaskSandbox.OfAsync(bed.Mesos, node.AgentId!, node.TaskId!), node.TaskId!);
        }

        return outputs;
    }

    private static int Count(string text, string what) => (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;

    /// <summary>The node's Erlang name: NodeSpec.node at the agent's host.</summary>
    private static string ErlangName(NodeView node) => $"{node.Name}@{node.Hostname}";

    private static ClusterView Kv(SchedulerSnapshot s) => s.Clusters.Single(c => c.Name == Cluster);

    private static NodeView Node(SchedulerSnapshot s, string name) => Kv(s).Nodes.Single(n => n.Name == name);
}
