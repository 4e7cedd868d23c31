using Drover.Registry;
using Drover.Scheduler.Model;
using Drover.Scheduler.Registry;
using Drover.Scheduler.Tests.Support;
using Call = Drover.Mesos.V1.Scheduler.Call;

namespace Drover.Scheduler.Tests;

/// <summary>What the integration with a real Mesos and the executors' registry showed the loop must do.</summary>
public class ViewAndReleaseTests
{
    [Fact]
    public async Task Release_WaitsForTheWholeReservation_WhileAnExecutorStillHoldsPartOfIt()
    {
        await using var h = new Harness();
        h.Master.AddAgent("a1", "host1");
        await h.StartAsync();
        await h.PutAsync(Harness.Generic(count: 1));
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1), "deployed");

        h.Master.ExecutorsLinger = true;
        Assert.True((await h.Loop.ScaleAsync("web", 0)).IsOk);
        await h.DriveAsync(s => s.Clusters.Single().Nodes.Single().Phase == NodePhase.Removed, "the node's task killed");
        for (var i = 0; i < 3; i++)
        {
            h.Master.OfferAll(force: true);
            await h.SettleAsync();
        }

        // Offers show only what the task let go: nothing is unreserved piecemeal, and nothing forgotten.
        Assert.DoesNotContain(h.Master.Calls(Call.Types.Type.Accept), c => c.Accept.Operations.Any(o => o.Type == Mesos.V1.Offer.Types.Operation.Types.Type.Unreserve));
        Assert.False(h.Master.Agent("a1").Reserved().IsEmpty);
        Assert.Single(h.Cluster("web").Nodes);

        h.Master.ExitExecutors();
        await h.DriveAsync(s => s.Clusters.Single().Nodes.Count == 0, "released whole, then forgotten", forceOffers: true);
        Assert.True(h.Master.Agent("a1").Reserved().IsEmpty, h.Master.Agent("a1").Reserved().ToString());
    }

    [Fact]
    public async Task AgentBack_AfterAFailure_EveryTaskIsReconciled()
    {
        await using var h = new Harness();
        h.Master.AddAgent("a1", "host1");
        await h.StartAsync();
        await h.PutAsync(Harness.Generic(count: 1));
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1), "deployed");

        h.Master.Partition("a1");
        await h.SettleAsync();
        h.Master.ClearCalls();
        h.Master.Heal("a1");
        h.Master.OfferAll(force: true);
        await h.SettleAsync();

        Assert.Contains(h.Master.Calls(Call.Types.Type.Reconcile), c => c.Reconcile.Tasks.Count == 0);
    }

    [Fact]
    public async Task Registry_RecordsOfTheCurrentTask_GiveTheNodesEndpointsAndHealth()
    {
        var feed = new FakeRegistryFeed();
        await using var h = new Harness { Registry = feed };
        h.Master.AddAgent("a1", "host1");
        await h.StartAsync();
        await h.PutAsync(Harness.Generic(count: 1));
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1), "deployed");
        var node = h.Cluster("web").Nodes.Single();

        Assert.Equal(new RegistryTarget("web", "127.0.0.1:2181", "/drover"), Assert.Single(feed.Targets));
        Assert.Equal($"host1:{node.Ports["http"]}", node.Endpoints["http"]);

        // The executor published another address and found the node unhealthy: that is what operators see.
        feed.Deliver("web", Record(node.TaskId!, healthy: false));
        await h.SettleAsync();
        await h.Loop.BarrierAsync();
        var shown = h.Cluster("web").Nodes.Single();
        Assert.Equal("node1.example:31500", shown.Endpoints["http"]);
        Assert.Equal("node1.example:31501", shown.Endpoints["admin"]);
        Assert.False(shown.Healthy);

        // A record left by an earlier task of the node is not the node's.
        feed.Deliver("web", Record("web.web-0.0", healthy: true));
        await h.Loop.BarrierAsync();
        shown = h.Cluster("web").Nodes.Single();
        Assert.Equal($"host1:{node.Ports["http"]}", shown.Endpoints["http"]);
        Assert.True(shown.Healthy);

        Assert.True((await h.Loop.DeleteClusterAsync("web")).IsOk);
        await h.DriveAsync(s => s.Clusters.Count == 0, "deleted", forceOffers: true);
        Assert.Empty(feed.Targets);
    }

    private static IReadOnlyDictionary<string, Drover.Registry.NodeRecord> Record(string taskId, bool healthy) =>
        new Dictionary<string, Drover.Registry.NodeRecord>
        {
            ["web-0"] = new()
            {
                Cluster = "web",
                Node = "web-0",
                Kind = "generic",
                Host = "node1.example",
                Ports = [new NamedPort("http", 31500), new NamedPort("admin", 31501)],
                TaskId = taskId,
                State = NodeState.Running,
                Healthy = healthy,
            },
        };

    private sealed class FakeRegistryFeed : INodeRegistryFeed
    {
        private Action<string, IReadOnlyDictionary<string, Drover.Registry.NodeRecord>>? _deliver;

        public IReadOnlyCollection<RegistryTarget> Targets { get; private set; } = [];

        public void Follow(IReadOnlyCollection<RegistryTarget> targets, Action<string, IReadOnlyDictionary<string, Drover.Registry.NodeRecord>> deliver)
        {
            Targets = [.. targets];
            _deliver = deliver;
        }

        public void Deliver(string cluster, IReadOnlyDictionary<string, Drover.Registry.NodeRecord> records) => _deliver!(cluster, records);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
