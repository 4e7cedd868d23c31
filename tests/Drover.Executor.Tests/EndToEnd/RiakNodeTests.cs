using Drover.Registry.Epmd;
using Drover.Testing;
using Drover.Testing.Standins.Riak;
using Drover.Testing.ZooKeeper;
using Drover.V1;
using Google.Protobuf;
using Drover.Mesos.V1;
using static Drover.Executor.Tests.EndToEnd.ExecutorHarness;

namespace Drover.Executor.Tests.EndToEnd;

/// <summary>
/// A Riak node (the stand-in on real erl) run by the real executor: cEPMD on the task's epmd port with its
/// registration in ZooKeeper, the /ping check, an admin operation asked for in a framework message.
/// </summary>
public sealed class RiakNodeTests(ZooKeeperServerFixture zookeeper) : IClassFixture<ZooKeeperServerFixture>, IDisposable
{
    private readonly RiakStandinInstall _riak = RiakStandinInstall.Create();

    public void Dispose() => _riak.Dispose();

    [Fact]
    public async Task Riak_node_registers_through_cEPMD_turns_healthy_answers_admin_and_dies_unhealthy()
    {
        // Erlang long names need a dotted host: the agent says its hostname is 127.0.0.1.
        await using var h = await StartAsync(hostname: "127.0.0.1");
        var framework = "fw-" + Guid.NewGuid().ToString("N")[..8];
        var node = new NodeSpec
        {
            Cluster = "kv",
            Node = "riak1",
            Kind = ServiceKind.Riak,
            InstallDir = _riak.Directory,
            Zookeeper = new ZooKeeperSpec { Connect = zookeeper.Server.ConnectString, Root = "/drover", Framework = framework },
        };
        node.Config["health.delay"] = "0secs";
        node.Config["health.interval"] = "300ms";
        node.Config["health.grace"] = "60secs";
        node.Config["health.consecutive_failures"] = "2";
        await h.LaunchAsync(NodeTask("riak1", node,
            ("http", FreePort.Next()), ("pb", FreePort.Next()), ("handoff", FreePort.Next()), ("disterl", FreePort.Next()), ("epmd", FreePort.Next())));

        await h.WaitForUpdateAsync("riak1", u => u.HasHealthy && u.Healthy);
        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskRunning], h.StatesOf("riak1"));

        // The node registered with the task's cEPMD, which keeps it in ZooKeeper for the whole cluster.
        await using var reader = await zookeeper.Server.ConnectAsync();
        var epmd = $"/drover/{framework}/clusters/kv/epmd/riak1";
        await Eventually.TrueAsync(async () => await reader.ExistsAsync(epmd) is not null, "riak1's cEPMD registration in ZooKeeper", WaitTimeout);
        var record = EpmdRecordJson.Parse((await reader.GetDataAsync(epmd)).Data);
        Assert.Equal("riak1", record.Name);

        await h.Agent.SendMessageAsync(new AdminRequest { RequestId = "ring", TaskId = "riak1", Operation = "ringready" }.ToByteString());
        await Eventually.TrueAsync(() => h.Agent.Messages.Count >= 1, "the admin reply", WaitTimeout);
        var reply = AdminReply.Parser.ParseFrom(h.Agent.Messages[0]);
        Assert.Equal(AdminReply.Types.Outcome.Succeeded, reply.Outcome);
        Assert.StartsWith("TRUE All nodes agree on the ring", reply.Output, StringComparison.Ordinal);

        RiakStandinInstall.MakeUnhealthy(Path.Combine(h.Sandbox, "data"));
        var killed = await h.WaitForStateAsync("riak1", TaskState.TaskKilled);
        Assert.False(killed.Healthy);
        Assert.Equal(2, h.UpdatesOf("riak1").Count(u => u.State == TaskState.TaskRunning && u.HasHealthy && !u.Healthy));
        await Eventually.TrueAsync(async () => await reader.ExistsAsync(epmd) is null, "the cEPMD registration to go with the node", WaitTimeout);
    }
}
