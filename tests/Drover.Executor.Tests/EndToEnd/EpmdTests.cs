using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Drover.Epmd;
using Drover.Registry;
using Drover.Registry.Epmd;
using CliWrap;
using Drover.Testing;
using Drover.Testing.Programs;
using Drover.Testing.ZooKeeper;
using Drover.V1;
using Drover.Mesos.V1;
using static Drover.Executor.Tests.EndToEnd.ExecutorHarness;
using Erlang = Drover.Testing.Erlang.ErlangNode;

namespace Drover.Executor.Tests.EndToEnd;

/// <summary>
/// The task's cEPMD (a port named `epmd`) and the standalone `drover-executor cepmd`, with real OTP 25
/// nodes and a real ZooKeeper, through the published AOT binary.
/// </summary>
public class EpmdTests(ZooKeeperServerFixture zookeeper) : IClassFixture<ZooKeeperServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private NodeSpec ErlangNode(string framework, string name, string home) => new(GenericNode(
        $"exec erl -noshell -noinput -start_epmd false -name {name}@127.0.0.1 -setcookie drover"))
    {
        Cluster = "erl",
        Node = name,
        Environment = { ["HOME"] = home },
        Zookeeper = new ZooKeeperSpec { Connect = zookeeper.Server.ConnectString, Root = "/drover", Framework = framework },
    };

    [Fact]
    public async Task ThreeExecutors_TheirNodesResolveEachOtherThroughZooKeeper_AndAKilledNodeIsGoneEverywhere()
    {
        var framework = "fw-" + Guid.NewGuid().ToString("N")[..8];
        var names = new[] { "a", "b", "c" };
        var ports = names.ToDictionary(n => n, _ => FreePort.Next());
        var metrics = FreePort.Next();
        var harnesses = new List<ExecutorHarness>();
        try
        {
            foreach (var name in names)
            {
                var h = await StartAsync();
                harnesses.Add(h);
                (string, int)[] named = name == "a" ? [("epmd", ports[name]), ("metrics", metrics)] : [("epmd", ports[name])];
                await h.LaunchAsync(NodeTask(name, ErlangNode(framework, name, h.Sandbox), named));
            }
            for (var i = 0; i < names.Length; i++)
            {
                await harnesses[i].WaitForStateAsync(names[i], TaskState.TaskRunning);
            }

            await using var reader = await zookeeper.Server.ConnectAsync();
            var epmdPath = $"/drover/{framework}/clusters/erl/epmd";
            await Eventually.TrueAsync(async () => await reader.ExistsAsync(epmdPath) is not null && (await reader.GetChildrenAsync(epmdPath)).Children.Count == 3,
                "the three nodes to register in ZooKeeper", Deadline);
            var record = EpmdRecordJson.Parse((await reader.GetDataAsync(epmdPath + "/a")).Data);
            Assert.Equal("localhost", record.Host);

            const string Eval = """
                Nodes = ['a@127.0.0.1', 'b@127.0.0.1', 'c@127.0.0.1'],
                [io:format("PING ~s ~s ~p~n", [N, M, rpc:call(N, net_adm, ping, [M])]) || N <- Nodes, M <- Nodes, N =/= M],
                [io:format("RPC ~s ~p~n", [N, rpc:call(N, erlang, node, [])]) || N <- Nodes],
                [io:format("PORT ~s ~s ~p~n", [N, M, element(1, rpc:call(N, erl_epmd, port_please, [M, "127.0.0.1"]))])
                 || N <- Nodes, M <- ["a", "b", "c"]],
                halt().
                """;
            var output = await Erlang.RunAsync("driver", ports["a"], Eval, Deadline, hidden: true);
            foreach (var n in names)
            {
                foreach (var m in names.Where(m => m != n))
                {
                    Assert.Contains($"PING {n}@127.0.0.1 {m}@127.0.0.1 pong", output, StringComparison.Ordinal);
                }
                Assert.Contains($"RPC {n}@127.0.0.1 '{n}@127.0.0.1'", output, StringComparison.Ordinal);
                foreach (var m in names)
                {
                    Assert.Contains($"PORT {n}@127.0.0.1 {m} port", output, StringComparison.Ordinal);
                }
            }

            using var http = new HttpClient();
            var scrape = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metrics}/metrics"));
            Assert.Contains("drover_epmd_registered_nodes{task=\"a\"} 1", scrape, StringComparison.Ordinal);
            Assert.Matches("drover_epmd_lookups_total\\{task=\"a\",result=\"hit\"\\} [1-9]", scrape);

            await harnesses[1].KillAsync("b");
            await harnesses[1].WaitForStateAsync("b", TaskState.TaskKilled);
            foreach (var name in new[] { "a", "c" })
            {
                await Eventually.TrueAsync(() => PortPlease(ports[name], "b").AsSpan().SequenceEqual(new byte[] { 119, 1 }),
                    $"b to be not found through {name}'s cEPMD", Deadline);
            }
            await Eventually.TrueAsync(() => !Listening(ports["b"]), "b's cEPMD to stop listening with its terminal update", Deadline);
            Assert.Null(await reader.ExistsAsync(epmdPath + "/b"));
            Assert.Contains("cEPMD listening on port", await harnesses[1].Executor.ReadStderrAsync(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var h in harnesses)
            {
                await h.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AnEpmdPortThatCannotBeBound_FailsTheTask()
    {
        await using var h = await StartAsync();
        using var squatter = new TcpListener(IPAddress.Any, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        await h.LaunchAsync(NodeTask("e1", GenericNode("exec sleep 1000"), ("epmd", port)));

        var failed = await h.WaitForStateAsync("e1", TaskState.TaskFailed);
        Assert.Contains($"cannot start the cEPMD on port {port}", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TaskState.TaskRunning, h.StatesOf("e1"));
    }

    [Fact]
    public async Task WithoutZooKeeper_TheServiceGetsErlEpmdPort_AndLookupsAreLocal()
    {
        await using var h = await StartAsync();
        var port = FreePort.Next();
        await h.LaunchAsync(NodeTask("e2", GenericNode("printf %s \"$ERL_EPMD_PORT\" > epmd_port; exec sleep 1000"), ("epmd", port)));
        await h.WaitForStateAsync("e2", TaskState.TaskRunning);

        var file = Path.Combine(h.Sandbox, "epmd_port");
        await Eventually.TrueAsync(() => File.Exists(file) && File.ReadAllText(file).Length > 0, "the service to write its ERL_EPMD_PORT", WaitTimeout);
        Assert.Equal(port.ToString(CultureInfo.InvariantCulture), File.ReadAllText(file));
        Assert.Equal(new byte[] { 119, 1 }, PortPlease(port, "nobody"));
        await Eventually.TrueAsync(() => h.Executor.ReadStderr().Contains("cEPMD lookups are local only", StringComparison.Ordinal), "the log to say so", WaitTimeout);
    }

    [Fact]
    public async Task Standalone_RegistersAnOperatorsNodeInTheCluster_ResolvesThroughOtherCEpmds_AndUnregistersOnSigterm()
    {
        var framework = "fw-" + Guid.NewGuid().ToString("N")[..8];
        var port = FreePort.Next();
        await using var standalone = RunningProgram.Start(Cli.Wrap(ExecutorBinary()).WithArguments(
            ["cepmd", "--zookeeper", zookeeper.Server.ConnectString, "--cluster", "erl", "--framework", framework, "--port", port.ToString(CultureInfo.InvariantCulture)]));

        await Eventually.TrueAsync(() => standalone.Output.Contains("cEPMD listening on 127.0.0.1:", StringComparison.Ordinal), "the standalone cEPMD to listen", Deadline);
        using var op = Erlang.Start("op", port);

        await using var reader = await zookeeper.Server.ConnectAsync();
        var opPath = $"/drover/{framework}/clusters/erl/epmd/op";
        await Eventually.TrueAsync(async () => await reader.ExistsAsync(opPath) is not null, "the operator's node in the cluster's epmd/", Deadline);
        Assert.Null(EpmdRecordJson.Parse((await reader.GetDataAsync(opPath)).Data).Host);

        // Another agent's cEPMD (in process, its own ZooKeeper session) resolves it and refuses its name.
        var options = new RegistryOptions { ConnectString = zookeeper.Server.ConnectString, Framework = framework };
        await using var store = new ZooKeeperEpmdRegistry(options, "erl");
        await using var agent = new EpmdServer(new EpmdServerOptions { Host = "127.0.0.1" }, store);
        await agent.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        var output = await Erlang.RunAsync("driver", agent.LocalEndPoint.Port, "io:format(\"PING ~p~n\", [net_adm:ping('op@127.0.0.1')]), halt().", Deadline, hidden: true);
        Assert.Contains("PING pong", output, StringComparison.Ordinal);
        var clash = await Erlang.RunAsync("op", agent.LocalEndPoint.Port, "halt().", Deadline);
        Assert.Contains("in use", clash, StringComparison.Ordinal);
        // Without --host, NAMES lists the whole cluster.
        Assert.Contains("name op at port", Encoding.ASCII.GetString(Names(port)), StringComparison.Ordinal);

        Assert.True(Signals.Send(standalone.Pid, Signals.Term));
        Assert.Equal(0, await standalone.WaitForExitAsync(Deadline));
        Assert.Null(await reader.ExistsAsync(opPath));
        var log = standalone.Output;
        Assert.Contains("epmd: registered op@? port", log, StringComparison.Ordinal);
        Assert.Contains("stopping on SIGTERM", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standalone_WithBadArguments_ExitsWithUsage()
    {
        var run = await ExternalProgram.RunAsync(Cli.Wrap(ExecutorBinary()).WithArguments(["cepmd", "--cluster", "erl"]), Deadline);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--zookeeper is required", run.Output, StringComparison.Ordinal);
    }

    private static byte[] PortPlease(int port, string name)
    {
        var body = Encoding.UTF8.GetBytes(name);
        return Exchange(port, [(byte)((body.Length + 1) >> 8), (byte)(body.Length + 1), 122, .. body]);
    }

    private static byte[] Names(int port) => Exchange(port, [0, 1, 110]);

    private static byte[] Exchange(int port, byte[] request)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000 };
            socket.Connect(IPAddress.Loopback, port);
            socket.Send(request);
            var reply = new MemoryStream();
            var chunk = new byte[1024];
            int read;
            while ((read = socket.Receive(chunk)) > 0)
            {
                reply.Write(chunk, 0, read);
            }
            return reply.ToArray();
        }
        catch (SocketException)
        {
            return [];
        }
    }

    private static bool Listening(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
