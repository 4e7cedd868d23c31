using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Drover.Mesos.V1;
using Drover.Sidecar.Proxy;
using Drover.Sidecar.Tests.Support;
using Drover.Testing;
using Drover.LocalMesos.Agent;
using Drover.Testing.Prometheus;
using Drover.Testing.Standins.Riak;
using Drover.V1;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Drover.Sidecar.Tests;

/// <summary>
/// The reference case with true executors: two Riak nodes (the stand-in on real Erlang) run by the
/// published drover-executor under agent emulators, registered in ZooKeeper by the executors; the
/// sidecar proxies their HTTP and protocol-buffers ports, and a real Prometheus finds the executors'
/// /metrics through the sidecar's http_sd endpoint and scrapes them.
/// </summary>
[Collection(SidecarCollection.Name)]
public sealed class ExecutorEndToEndTests(SidecarFixture zk, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly RiakStandinInstall _riak = RiakStandinInstall.Create();

    public void Dispose() => _riak.Dispose();

    [Fact]
    public async Task RiakNodesRunByExecutors_AreProxied_AndScrapedByPrometheusThroughTheSidecar()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var first = await StartNodeAsync(framework, "riak1");
        await using var second = await StartNodeAsync(framework, "riak2");
        var proxies = new[] { "http", "pb" }.Select(port => new ProxySettings
        {
            Cluster = "ring",
            PortName = port,
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            OnNodeLoss = NodeLossPolicy.Close,
        }).ToList();
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework, proxies: proxies));
        try
        {
            await ProxiedAndScrapedAsync(framework, first, sidecar);
        }
        catch (Exception)
        {
            // What the sidecar and both executors said, for a failure on a loaded machine.
            output.WriteLine(string.Join('\n', sidecar.Log.Lines));
            foreach (var node in new[] { first, second })
            {
                output.WriteLine(node.Executor.Describe(stderrLines: 200));
            }
            throw;
        }
    }

    private async Task ProxiedAndScrapedAsync(string framework, RunningNode first, RunningSidecar sidecar)
    {
        var http = sidecar.App.Proxies.Single(p => p.Settings.PortName == "http");
        var pb = sidecar.App.Proxies.Single(p => p.Settings.PortName == "pb");
        // An executor registers its node as running when the process starts, health unknown, and a running
        // node not known unhealthy serves (the ServerSet rule); Riak listens a few seconds later. The
        // proxy would retry a refused connect on the other node, but with neither listening yet the
        // client is turned away: wait for both health checks to pass.
        await Eventually.TrueAsync(
            () => HealthyNodes(sidecar.App.View.Current) == 2 && http.Serving.Count == 2 && pb.Serving.Count == 2,
            "both nodes healthy in the registry and behind both listeners", Patience);

        // Riak's HTTP interface through the proxy.
        using var client = new HttpClient();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("OK", await client.GetStringAsync(new Uri($"http://{http.LocalEndPoint}/ping")));
        }

        // Its protocol buffers: a ping, and which node answered, connection after connection.
        var answered = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            using var socket = await ConnectAsync(pb.LocalEndPoint);
            Assert.Equal(2, (await RoundTripAsync(socket, 1, [])).Code);
            var info = await RoundTripAsync(socket, 7, []);
            Assert.Equal(8, info.Code);
            answered.Add(ServerInfoNode(info.Body));
        }
        Assert.Equal(["riak1@127.0.0.1", "riak2@127.0.0.1"], answered.Order());

        // Prometheus discovers both executors through the sidecar and scrapes them.
        await using var prometheus = PrometheusServer.StartWithHttpSd(new Uri($"http://{sidecar.App.HttpEndPoint}/v1/prometheus/targets"));
        var up = await prometheus.QueryUntilAsync($"up{{cluster=\"ring\",kind=\"riak\",framework=\"{framework}\"}} == 1", r => r.GetArrayLength() == 2, Patience);
        Assert.Equal(["riak1", "riak2"], up.EnumerateArray().Select(s => s.GetProperty("metric").GetProperty("node").GetString()).Order());
        await prometheus.QueryUntilAsync("count(drover_executor_agent_connected{cluster=\"ring\"} == 1)", r => r.GetArrayLength() == 1 && r[0].GetProperty("value")[1].GetString() == "2", Patience);

        // riak1 is killed: its executor stops it and removes its record; every new connection goes to riak2.
        // With no task left and every update acknowledged, that executor then exits by itself.
        await first.Agent.KillAsync("riak1");
        await first.Agent.WaitForUpdateAsync("riak1", TaskState.TaskKilled, Patience);
        Assert.Equal(0, await first.Executor.WaitForExitAsync(Patience));
        await Eventually.TrueAsync(() => pb.Serving.Select(b => b.Node).SequenceEqual(["riak2"]), "the proxy to drop riak1", Patience);
        for (var i = 0; i < 4; i++)
        {
            using var socket = await ConnectAsync(pb.LocalEndPoint);
            Assert.Equal("riak2@127.0.0.1", ServerInfoNode((await RoundTripAsync(socket, 7, [])).Body));
        }
    }

    private async Task<RunningNode> StartNodeAsync(string framework, string name)
    {
        // Erlang long names need a dotted host: the agent says its hostname is 127.0.0.1, and so the record does.
        var agent = new MesosAgentEmulator(new MesosAgentEmulatorOptions { Hostname = "127.0.0.1", Checkpoint = true, WaitTimeout = Patience });
        await agent.StartAsync();
        var executor = agent.LaunchExecutor(ExecutorBinary.Path(), new ExecutorLaunchOptions { Checkpoint = true });
        await agent.WaitForSubscribeAsync(1, Patience);
        var spec = new NodeSpec
        {
            Cluster = "ring",
            Node = name,
            Kind = ServiceKind.Riak,
            InstallDir = _riak.Directory,
            Zookeeper = new ZooKeeperSpec { Connect = zk.Server.ConnectString, Root = SidecarFixture.Root, Framework = framework },
        };
        spec.Config["ring_size"] = "16";
        spec.Config["health.delay"] = "0secs";
        spec.Config["health.interval"] = "300ms";
        spec.Config["health.grace"] = "60secs";
        var builder = new TaskInfoBuilder(name, agent.AgentId).Cpus(0.1).Mem(64);
        foreach (var port in new[] { "http", "pb", "handoff", "disterl", "epmd", "metrics" })
        {
            var number = (uint)Drover.Testing.FreePort.Next();
            builder.Ports((number, number)).DiscoveryPort(port, number);
        }
        var task = builder.Build();
        task.Data = spec.ToByteString();
        await agent.LaunchAsync(task);
        return new RunningNode(agent, executor);
    }

    private static int HealthyNodes(View.ViewState view) =>
        view.Clusters.TryGetValue("ring", out var ring) ? ring.Nodes.Values.Count(node => node.Healthy == true) : 0;

    private static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint).Within("a connect to the proxy");
        return socket;
    }

    /// <summary>One Riak PB request (length, code, body) and its answer.</summary>
    private static async Task<(byte Code, byte[] Body)> RoundTripAsync(Socket socket, byte code, byte[] body)
    {
        var frame = new byte[5 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, 1 + body.Length);
        frame[4] = code;
        body.CopyTo(frame, 5);
        await socket.SendAsync(frame.AsMemory(), SocketFlags.None);
        var header = await ReadExactlyAsync(socket, 4);
        var answer = await ReadExactlyAsync(socket, BinaryPrimitives.ReadInt32BigEndian(header));
        return (answer[0], answer[1..]);
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        for (var read = 0; read < count;)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None).AsTask().Within("a Riak PB answer");
            if (n == 0)
            {
                throw new EndOfStreamException($"end of stream after {read} of {count} bytes");
            }
            read += n;
        }
        return buffer;
    }

    /// <summary>RpbGetServerInfoResp's node (field 1, bytes).</summary>
    private static string ServerInfoNode(byte[] body)
    {
        Assert.Equal(10, body[0]);
        return Encoding.UTF8.GetString(body, 2, body[1]);
    }

    /// <summary>An agent emulator and the executor it launched.</summary>
    private sealed record RunningNode(MesosAgentEmulator Agent, ExecutorProcess Executor) : IAsyncDisposable
    {
        /// <summary>
        /// SHUTDOWN to an executor still running, so it stops its node and deregisters it; one whose task
        /// ended has exited by itself already (or is exiting: its stream may close under the event). What
        /// is left after the wait, the agent's disposal kills.
        /// </summary>
        public async ValueTask DisposeAsync()
        {
            if (!Executor.HasExited && Agent.IsSubscribed)
            {
                try
                {
                    await Agent.ShutdownAsync();
                    await Executor.WaitForExitAsync(Patience);
                }
                catch (Exception e) when (e is IOException or TimeoutException)
                {
                    // Gone meanwhile, or stuck: disposal below ends it either way.
                }
            }
            await Agent.DisposeAsync();
        }
    }
}
