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

    /// <summary>
    /// Two agents (hostnames 127.0.0.1 and 127.0.0.2), each executor's cEPMD on its own random port: with
    /// otp_release 25 the personality loads drover_epmd.beam (shipped beside the published executor) through ERL_FLAGS
    /// (the Erlang emulator's own argv shows it), and riak2@127.0.0.2 joins riak1@127.0.0.1, plan, commit, ringready.
    /// On one machine both cEPMDs listen on every loopback address, so stock nodes would manage too: that the module
    /// is what makes different ports work across hosts is proven in Drover.Epmd.Tests (EpmdModuleTests).
    /// </summary>
    [Fact]
    public async Task Riak_nodes_on_two_agents_with_their_own_cEPMD_ports_join_through_the_EPMD_module()
    {
        var framework = "fw-" + Guid.NewGuid().ToString("N")[..8];
        await using var one = await StartAsync(hostname: "127.0.0.1");
        await using var two = await StartAsync(hostname: "127.0.0.2");
        NodeSpec Node(string name)
        {
            var node = new NodeSpec
            {
                Cluster = "kv",
                Node = name,
                Kind = ServiceKind.Riak,
                InstallDir = _riak.Directory,
                Zookeeper = new ZooKeeperSpec { Connect = zookeeper.Server.ConnectString, Root = "/drover", Framework = framework },
            };
            node.Config["otp_release"] = "25";
            node.Config["health.delay"] = "0secs";
            node.Config["health.interval"] = "300ms";
            node.Config["health.grace"] = "60secs";
            return node;
        }

        var (epmd1, epmd2) = (FreePort.Next(), FreePort.Next());
        Assert.NotEqual(epmd1, epmd2);
        await one.LaunchAsync(NodeTask("riak1", Node("riak1"),
            ("http", FreePort.Next()), ("pb", FreePort.Next()), ("handoff", FreePort.Next()), ("disterl", FreePort.Next()), ("epmd", epmd1)));
        await two.LaunchAsync(NodeTask("riak2", Node("riak2"),
            ("http", FreePort.Next()), ("pb", FreePort.Next()), ("handoff", FreePort.Next()), ("disterl", FreePort.Next()), ("epmd", epmd2)));
        await one.WaitForUpdateAsync("riak1", u => u.HasHealthy && u.Healthy);
        await two.WaitForUpdateAsync("riak2", u => u.HasHealthy && u.Healthy);
        var emulator = EmulatorArguments("riak2@127.0.0.2");
        Assert.Contains("-epmd_module drover_epmd", emulator, StringComparison.Ordinal);
        Assert.Contains("-pa " + Path.GetDirectoryName(Drover.Testing.ExecutorBinary.Path()), emulator, StringComparison.Ordinal);

        async Task<AdminReply> Admin(ExecutorHarness h, string task, string id, string operation, params (string Name, string Value)[] arguments)
        {
            var request = new AdminRequest { RequestId = id, TaskId = task, Operation = operation };
            foreach (var (name, value) in arguments)
            {
                request.Arguments[name] = value;
            }

            await h.Agent.SendMessageAsync(request.ToByteString());
            AdminReply? reply = null;
            await Eventually.TrueAsync(
                () => (reply = h.Agent.Messages.Select(m => AdminReply.Parser.ParseFrom(m)).FirstOrDefault(r => r.RequestId == id)) is not null,
                $"the {operation} reply",
                WaitTimeout);
            return reply!;
        }

        var join = await Admin(two, "riak2", "j", "cluster-join", ("node", "riak1@127.0.0.1"));
        Assert.True(join.Outcome == AdminReply.Types.Outcome.Succeeded, join.Output + "\n" + two.Executor.ReadStderr());
        var plan = await Admin(one, "riak1", "p", "cluster-plan");
        Assert.True(plan.Outcome == AdminReply.Types.Outcome.Succeeded, plan.Output);
        Assert.Contains("riak2@127.0.0.2", plan.Output, StringComparison.Ordinal);
        var commit = await Admin(one, "riak1", "c", "cluster-commit");
        Assert.True(commit.Outcome == AdminReply.Types.Outcome.Succeeded, commit.Output);
        var ready = await Admin(two, "riak2", "r", "ringready");
        Assert.True(ready.Outcome == AdminReply.Types.Outcome.Succeeded, ready.Output);
        Assert.Contains("riak1@127.0.0.1", ready.Output, StringComparison.Ordinal);
        Assert.Contains("riak2@127.0.0.2", ready.Output, StringComparison.Ordinal);
    }

    /// <summary>The argv of the Erlang emulator running <paramref name="node"/>, space-joined (from /proc).</summary>
    private static string EmulatorArguments(string node)
    {
        foreach (var process in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var argv = File.ReadAllText(Path.Combine(process, "cmdline")).Split('\0');
                if (argv.Contains(node) && argv.Any(a => a.EndsWith("beam.smp", StringComparison.Ordinal)))
                {
                    return string.Join(' ', argv);
                }
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return $"(no emulator runs {node})";
    }
}
