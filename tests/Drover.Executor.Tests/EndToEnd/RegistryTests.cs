using Drover.Registry;
using Drover.Testing.ZooKeeper;
using Drover.V1;
using Drover.Mesos.V1;
using Drover.Testing;
using static Drover.Executor.Tests.EndToEnd.ExecutorHarness;

namespace Drover.Executor.Tests.EndToEnd;

/// <summary>The executor registers its node in ZooKeeper while the service runs (the layout of lib/Drover.Registry).</summary>
public class RegistryTests(ZooKeeperServerFixture zookeeper) : IClassFixture<ZooKeeperServerFixture>
{
    private NodeSpec RegisteredNode(string framework, string command) => new(GenericNode(command))
    {
        Cluster = "ring",
        RequiredPorts = { "http" },
        Zookeeper = new ZooKeeperSpec { Connect = zookeeper.Server.ConnectString, Root = "/drover", Framework = framework },
    };

    [Fact]
    public async Task Node_IsRegisteredWhileRunning_AndGoneWithItsTerminalUpdate()
    {
        var framework = "fw-" + Guid.NewGuid().ToString("N")[..8];
        await using var h = await StartAsync();
        var (http, metrics) = (FreePort.Next(), FreePort.Next());
        var spec = RegisteredNode(framework, "exec sleep 1000");
        spec.Node = "ring-1";
        await h.LaunchAsync(NodeTask("n1", spec, ("http", http), ("metrics", metrics)));
        await h.WaitForStateAsync("n1", TaskState.TaskRunning);

        await using var reader = await zookeeper.Server.ConnectAsync();
        var nodePath = $"/drover/{framework}/clusters/ring/nodes/ring-1";
        NodeRecord? record = null;
        await Eventually.TrueAsync(() =>
        {
            var data = reader.ExistsAsync(nodePath).GetAwaiter().GetResult() is null ? null : reader.GetDataAsync(nodePath).GetAwaiter().GetResult();
            record = data is null ? null : NodeRecordJson.Parse(data.Data);
            return record?.State == NodeState.Running;
        }, "the endpoint record in ZooKeeper", WaitTimeout);

        Assert.Equal("ring", record!.Cluster);
        Assert.Equal("generic", record.Kind);
        Assert.Equal(http, record.Port("http"));
        Assert.Equal(metrics, record.Port("metrics"));
        Assert.Equal("n1", record.TaskId);
        Assert.Equal(h.ExecutorId, record.ExecutorId);
        Assert.Equal(h.Agent.AgentId, record.AgentId);
        var members = await reader.GetChildrenAsync($"/drover/{framework}/clusters/ring/members");
        var member = Assert.Single(members.Children);
        Assert.StartsWith("member_", member, StringComparison.Ordinal);
        Assert.NotEqual(0, (await reader.ExistsAsync(nodePath))!.EphemeralOwner);

        await h.KillAsync("n1");
        await h.WaitForStateAsync("n1", TaskState.TaskKilled);
        await Eventually.TrueAsync(() => reader.ExistsAsync(nodePath).GetAwaiter().GetResult() is null, "the endpoint record to be removed", WaitTimeout);
        Assert.Empty((await reader.GetChildrenAsync($"/drover/{framework}/clusters/ring/members")).Children);
        Assert.Equal(0, await h.Executor.WaitForExitAsync(WaitTimeout));
    }

    [Fact]
    public async Task Node_UnhealthyAndRestarting_IsReflectedInTheRecord()
    {
        var framework = "fw-" + Guid.NewGuid().ToString("N")[..8];
        await using var h = await StartAsync();
        var spec = RegisteredNode(framework, "sleep 1; exit 1");
        spec.Node = "ring-2";
        spec.RestartPolicy = new Drover.V1.RestartPolicy
        {
            MaxRestarts = 1,
            InitialBackoff = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(2)),
        };
        await h.LaunchAsync(NodeTask("n2", spec, ("http", FreePort.Next())));

        await using var reader = await zookeeper.Server.ConnectAsync();
        var nodePath = $"/drover/{framework}/clusters/ring/nodes/ring-2";
        await Eventually.TrueAsync(() =>
            reader.ExistsAsync(nodePath).GetAwaiter().GetResult() is not null
            && NodeRecordJson.Parse(reader.GetDataAsync(nodePath).GetAwaiter().GetResult().Data).State == NodeState.Restarting,
            "the record to say Restarting during the backoff", WaitTimeout);

        await h.WaitForStateAsync("n2", TaskState.TaskFailed);
        await Eventually.TrueAsync(() => reader.ExistsAsync(nodePath).GetAwaiter().GetResult() is null, "the record to go with TASK_FAILED", WaitTimeout);
    }

    [Fact]
    public async Task Node_WithABadZooKeeperSpec_FailsAtLaunch()
    {
        await using var h = await StartAsync();
        var spec = RegisteredNode("fw", "exec sleep 1000");
        spec.Zookeeper.Connect = "";
        await h.LaunchAsync(NodeTask("n3", spec, ("http", FreePort.Next())));

        var failed = await h.WaitForStateAsync("n3", TaskState.TaskFailed);
        Assert.Contains("NodeSpec.zookeeper", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Node_WithoutZooKeeper_RunsAndSaysSo()
    {
        await using var h = await StartAsync();
        await h.LaunchAsync(NodeTask("n4", GenericNode("exec sleep 1000")));
        await h.WaitForStateAsync("n4", TaskState.TaskRunning);

        await Eventually.TrueAsync(() => h.Executor.ReadStderr().Contains("runs without a registry", StringComparison.Ordinal), "the log to say so", WaitTimeout);
    }
}
