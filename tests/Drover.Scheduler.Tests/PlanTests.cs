using Drover.Mesos.V1;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;
using Drover.Scheduler.Tests.Support;
using Call = Drover.Mesos.V1.Scheduler.Call;

namespace Drover.Scheduler.Tests;

public class PlanTests
{
    private static async Task<Harness> StartedAsync()
    {
        var h = new Harness();
        h.Master.AddAgent("a1", "host1");
        h.Master.AddAgent("a2", "host2");
        h.Master.AddAgent("a3", "host3");
        await h.StartAsync();
        return h;
    }

    private static ClusterSpec Cassandra(int count) => new()
    {
        Name = "ring",
        Kind = ClusterKind.Cassandra,
        Count = count,
        Version = "4.1",
        Resources = new NodeResources { Cpus = 1, Mem = 1024, Volume = 256 },
        Ports = [new PortSpec { Name = "native" }, new PortSpec { Name = "storage" }, new PortSpec { Name = "jmx" }],
        Placement = new PlacementSpec { MaxPerAgent = 1 },
        Service = new ServiceSpec { InstallDir = "/opt/cassandra" },
    };

    /// <summary>The order of KILLs and LAUNCHes of the nodes' tasks, as the master received them.</summary>
    private static List<string> KillsAndLaunches(FakeMaster master) => [.. master.Calls().SelectMany(c => c.Type switch
    {
        Call.Types.Type.Kill => ["kill " + c.Kill.TaskId.Value],
        Call.Types.Type.Accept => c.Accept.Operations.Where(o => o.Type == Offer.Types.Operation.Types.Type.Launch)
            .SelectMany(o => o.Launch.TaskInfos).Select(t => "launch " + t.TaskId.Value),
        _ => [],
    })];

    [Fact]
    public async Task Interrupt_StopsNewSteps_ContinueResumes()
    {
        await using var h = await StartedAsync();
        await h.PutAsync(Harness.Generic(count: 3, maxPerAgent: 1));
        Assert.True((await h.Loop.InterruptPlanAsync("web", "deploy")).IsOk);

        // The step already in progress goes on; no new one starts.
        await h.DriveAsync(s => s.Clusters[0].Nodes.Count(n => n.Healthy == true) == 1, "the first node healthy");
        for (var i = 0; i < 3; i++)
        {
            h.Master.OfferAll(force: true);
            await h.SettleAsync();
        }

        Assert.Single(h.Master.LiveTasks());
        var plan = h.Cluster("web").Plans.Single(p => p.Name == "deploy");
        Assert.Equal(PlanStatus.Interrupted, plan.Status);
        Assert.Equal(1, plan.StepsComplete);

        Assert.True((await h.Loop.ContinuePlanAsync("web", "deploy")).IsOk);
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 3), "all three nodes");
        Assert.Equal(PlanStatus.Complete, h.Cluster("web").Plans.Single(p => p.Name == "deploy").Status);
    }

    [Fact]
    public async Task PlanCommands_UnknownNames_AreNotFound()
    {
        await using var h = await StartedAsync();
        await h.PutAsync(Harness.Generic(count: 1));

        Assert.Equal(OperationOutcome.NotFound, (await h.Loop.InterruptPlanAsync("web", "nope")).Outcome);
        Assert.Equal(OperationOutcome.NotFound, (await h.Loop.RestartStepAsync("web", "deploy", "nodes", "web-9")).Outcome);
        Assert.Equal(OperationOutcome.NotFound, (await h.Loop.ScaleAsync("nope", 1)).Outcome);
        Assert.Equal(OperationOutcome.Invalid, (await h.Loop.ScaleAsync("web", -1)).Outcome);
        Assert.Equal(OperationOutcome.NotFound, (await h.Loop.RestartNodeAsync("web", "web-9")).Outcome);
        var invalid = await h.Loop.PutClusterAsync(Harness.Generic() with { Name = "Bad/Name" });
        Assert.Equal(OperationOutcome.Invalid, invalid.Outcome);
        Assert.Contains(invalid.Errors, e => e.Field == "name");
        var kind = await h.Loop.PutClusterAsync(Harness.Generic(count: 1) with { Kind = ClusterKind.Cassandra, Ports = Cassandra(1).Ports, Service = Cassandra(1).Service, Health = new HealthSpec() });
        Assert.True(kind.Outcome == OperationOutcome.Conflict, kind.Message);
        var resources = await h.Loop.PutClusterAsync(Harness.Generic(count: 1) with { Resources = new NodeResources { Cpus = 4, Mem = 256 } });
        Assert.True(resources.Outcome == OperationOutcome.Conflict, resources.Message);
        Assert.Equal(0.5, h.Cluster("web").Spec.Resources!.Cpus);
    }

    [Fact]
    public async Task RollingUpdate_OneNodeAtATime_EachHealthyBeforeTheNext_InPlace()
    {
        await using var h = await StartedAsync();
        await h.PutAsync(Harness.Generic(count: 3, maxPerAgent: 1));
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 3), "three nodes");
        var before = h.Cluster("web").Nodes.ToDictionary(n => n.Name);
        h.Master.ClearCalls();

        var result = await h.PutAsync(Harness.Generic(count: 3, maxPerAgent: 1) with { Version = "2.0", Config = new Dictionary<string, string> { ["mode"] = "fast" } });
        Assert.True(result.IsOk, result.Message);
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 3) && s.Clusters[0].Nodes.All(n => n.Generation == 2), "every node at generation 2");

        Assert.Equal(
        [
            "kill web.web-0.1", "launch web.web-0.2",
            "kill web.web-1.1", "launch web.web-1.2",
            "kill web.web-2.1", "launch web.web-2.2",
        ], KillsAndLaunches(h.Master));
        Assert.DoesNotContain(h.Master.Calls(Call.Types.Type.Accept).SelectMany(c => c.Accept.Operations), o => o.Type == Offer.Types.Operation.Types.Type.Reserve);
        foreach (var node in h.Cluster("web").Nodes)
        {
            Assert.Equal(before[node.Name].PersistenceId, node.PersistenceId);
            Assert.Equal(before[node.Name].AgentId, node.AgentId);
        }

        var launched = h.Master.Calls(Call.Types.Type.Accept).Last().Accept.Operations.Single().Launch.TaskInfos.Single();
        var spec = V1.NodeSpec.Parser.ParseFrom(launched.Data);
        Assert.Equal("2.0", spec.Version);
        Assert.Equal("fast", spec.Config["mode"]);
    }

    [Fact]
    public async Task ScaleOnly_DoesNotRestartRunningNodes()
    {
        await using var h = await StartedAsync();
        await h.PutAsync(Harness.Generic(count: 1));
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1), "one node");
        h.Master.ClearCalls();

        Assert.True((await h.Loop.ScaleAsync("web", 2)).IsOk);
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 2), "two nodes");

        Assert.Empty(h.Master.Calls(Call.Types.Type.Kill));
        Assert.Equal(["launch web.web-1.1"], KillsAndLaunches(h.Master));
    }

    [Fact]
    public async Task ScaleDown_NodeLeavesThroughItsAdminOperation_ThenIsKilled_ThenReleased()
    {
        await using var h = await StartedAsync();
        await h.PutAsync(Cassandra(3));
        await h.DriveAsync(s => Harness.AllHealthy(s, "ring", 3), "three Cassandra nodes");
        var leaving = h.Cluster("ring").Nodes.Single(n => n.Name == "ring-2");
        h.Master.ClearCalls();

        Assert.True((await h.Loop.ScaleAsync("ring", 2)).IsOk);
        await h.DriveAsync(s => s.Clusters[0].Nodes.Count == 2 && h.Master.Agent(leaving.AgentId!).Reserved().IsEmpty, "ring-2 gone, its reservation released", forceOffers: true);

        // Cassandra's planner also asks each node's Host ID once it is healthy (for removenode, should it be lost).
        var request = Assert.Single(h.Master.AdminRequests, r => r.Operation != "host-id");
        Assert.Equal("decommission", request.Operation);
        Assert.Equal(leaving.TaskId, request.TaskId);
        var calls = h.Master.Calls();
        var message = calls.ToList().FindIndex(c => c.Type == Call.Types.Type.Message);
        var kill = calls.ToList().FindIndex(c => c.Type == Call.Types.Type.Kill);
        Assert.True(message >= 0 && message < kill, "decommission before the kill");
        Assert.Equal(leaving.TaskId, calls[kill].Kill.TaskId.Value);
        Assert.Equal(2, h.Master.LiveTasks().Count);
        Assert.Equal(PlanStatus.Complete, h.Cluster("ring").Plans.Single(p => p.Name == "deploy").Status);
        Assert.Equal(2, (await h.Store.LoadAsync()).Ledger.Count);
        Assert.Contains(h.Snapshot.AdminOperations, a => a.Operation == "decommission" && a.State == AdminOperationState.Succeeded);
    }

    [Fact]
    public async Task ScaleDown_LeaveFails_StepErrors_NodeStays_RestartStepRetries()
    {
        await using var h = await StartedAsync();
        await h.PutAsync(Cassandra(2));
        await h.DriveAsync(s => Harness.AllHealthy(s, "ring", 2), "two Cassandra nodes");
        h.Master.AutoReplyAdmin = V1.AdminReply.Types.Outcome.Failed;

        await h.Loop.ScaleAsync("ring", 1);
        await h.SettleAsync();
        var step = h.Cluster("ring").Plans.Single(p => p.Name == "deploy").Phases.Single(p => p.Name == "scale-down").Steps.Single(s => s.Action == "remove_node");
        Assert.Equal(StepStatus.Error, step.Status);
        Assert.Contains("decommission", step.Message, StringComparison.Ordinal);
        Assert.Equal(NodePhase.Running, h.Cluster("ring").Nodes.Single(n => n.Name == "ring-1").Phase);
        Assert.Empty(h.Master.Calls(Call.Types.Type.Kill));

        h.Master.AutoReplyAdmin = V1.AdminReply.Types.Outcome.Succeeded;
        Assert.True((await h.Loop.RestartStepAsync("ring", "deploy", "scale-down", step.Name)).IsOk);
        await h.DriveAsync(s => s.Clusters[0].Nodes.Count == 1 && s.Clusters[0].Plans.Single(p => p.Name == "deploy").Status == PlanStatus.Complete, "ring-1 removed", forceOffers: true);
        Assert.Equal(2, h.Master.AdminRequests.Count(r => r.Operation == "decommission"));
    }

    [Fact]
    public async Task OperatorRestart_KillsAndRelaunchesInPlace()
    {
        await using var h = await StartedAsync();
        await h.PutAsync(Harness.Generic(count: 1));
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1), "one node");
        var before = h.Cluster("web").Nodes.Single();

        Assert.True((await h.Loop.RestartNodeAsync("web", "web-0")).IsOk);
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1) && s.Clusters[0].Nodes[0].TaskId == "web.web-0.2", "restarted");

        Assert.Equal(before.PersistenceId, h.Cluster("web").Nodes.Single().PersistenceId);
        Assert.Contains(h.Cluster("web").Plans.Single(p => p.Name == "recovery").Phases.Single().Steps, s => s.Action == "restart_node" && s.Status == StepStatus.Complete);
    }

    [Fact]
    public async Task AdminOperation_FromOperator_IsTrackedWithItsReply()
    {
        await using var h = await StartedAsync();
        await h.PutAsync(Cassandra(1));
        await h.DriveAsync(s => Harness.AllHealthy(s, "ring", 1), "one node");

        var result = await h.Loop.SendAdminOperationAsync("ring", "ring-0", "repair", new Dictionary<string, string> { ["keyspace"] = "ks" });
        await h.SettleAsync();

        Assert.True(result.IsOk, result.Message);
        var view = Assert.Single(h.Snapshot.AdminOperations, a => a.Step is null);
        Assert.Equal(result.RequestId, view.RequestId);
        Assert.Equal(AdminOperationState.Succeeded, view.State);
        Assert.Equal("ks", h.Master.AdminRequests.Single(r => r.Operation == "repair").Arguments["keyspace"]);
        Assert.Equal(OperationOutcome.Invalid, (await h.Loop.SendAdminOperationAsync("ring", "ring-0", "Bad Op", new Dictionary<string, string>())).Outcome);
    }

    [Fact]
    public async Task DeleteCluster_EveryNodeLeaves_EveryReservationReleased_ThenForgotten()
    {
        await using var h = await StartedAsync();
        await h.PutAsync(Harness.Generic(count: 2, maxPerAgent: 1));
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 2), "two nodes");

        Assert.True((await h.Loop.DeleteClusterAsync("web")).IsOk);
        await h.DriveAsync(s => s.Clusters.Count == 0, "the cluster forgotten", forceOffers: true);

        Assert.Empty(h.Master.LiveTasks());
        Assert.All(new[] { "a1", "a2", "a3" }, a => Assert.True(h.Master.Agent(a).Reserved().IsEmpty));
        var state = await h.Store.LoadAsync();
        Assert.Empty(state.Clusters);
        Assert.Empty(state.Nodes);
        Assert.Empty(state.Ledger);
        Assert.Empty(state.Plans);
        Assert.True(h.Master.Suppressed);
    }
}
