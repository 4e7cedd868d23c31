using System.Net;
using System.Net.Sockets;
using Drover.Registry;
using Drover.Sidecar.Proxy;
using Drover.Sidecar.Tests.Support;
using Drover.Testing;
using Drover.Testing.ZooKeeper;
using FsCheck;
using FsCheck.Fluent;
using Grpc.Core;
using Grpc.Health.V1;

namespace Drover.Sidecar.Tests;

/// <summary>Bad data and lost ZooKeeper: the sidecar skips, re-reads, keeps serving, and says how old its answer is.</summary>
[Collection(SidecarCollection.Name)]
public sealed class FaultTests(SidecarFixture zk)
{
    [Fact]
    public async Task AMalformedRecord_IsSkippedWithALogLineAndAMetric_NeverACrash()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var client = await zk.ClientAsync();
        var registry = new RegistryWriter(client, framework);
        await registry.PutAsync(Nodes.Record("ring", "good"));
        await registry.PutRawAsync("ring", "junk", "{\"cluster\": \"ring\", \"node\":"u8.ToArray());
        await registry.PutRawAsync("ring", "impostor", NodeRecordJson.Write(Nodes.Record("ring", "good")));
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework));
        await sidecar.UntilNodesAsync("ring", "good");

        Assert.True(sidecar.Log.Contains("cluster ring: skipping node junk"), string.Join("\n", sidecar.Log.Lines));
        Assert.True(sidecar.Log.Contains("cluster ring: skipping node impostor"));
        Assert.Equal(2, sidecar.App.Metrics.InvalidRecords.WithLabels("ring").Value);

        // Whatever bytes land there, the sidecar goes on serving the good node.
        var count = 0;
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(20), Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            registry.PutRawAsync("ring", $"random-{count++}", bytes ?? []).GetAwaiter().GetResult();
            return true;
        }));
        await registry.PutAsync(Nodes.Record("ring", "late"));
        await sidecar.UntilNodesAsync("ring", "good", "late");
        Assert.Equal(2 + count, sidecar.App.Metrics.InvalidRecords.WithLabels("ring").Value);

        // Repaired, the node is served.
        await registry.PutAsync(Nodes.Record("ring", "junk"));
        await sidecar.UntilNodesAsync("ring", "good", "junk", "late");
    }

    [Fact]
    public async Task ASessionExpiry_RereadsEverything_AndRearmsTheWatches()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        await using var client = await zk.ClientAsync();
        var registry = new RegistryWriter(client, framework);
        await registry.PutAsync(Nodes.Record("ring", "a"));
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework, connectString: proxy.ConnectString));
        await sidecar.UntilNodesAsync("ring", "a");
        var victim = sidecar.App.Session.Current!;

        proxy.Pause();
        await registry.PutAsync(Nodes.Record("ring", "b"));
        await registry.DeleteAsync("ring", "a");
        await registry.PutAsync(Nodes.Record("other", "x"));
        await zk.ExpireAsync(victim);
        proxy.Resume();

        await sidecar.UntilNodesAsync("ring", "b");
        await sidecar.UntilNodesAsync("other", "x");
        Assert.Equal(2, sidecar.App.Session.Statistics.SessionsStarted);

        // The new session's watches fire.
        await registry.PutAsync(Nodes.Record("ring", "c"));
        await sidecar.UntilNodesAsync("ring", "b", "c");
        await registry.PutAsync(Nodes.Record("ring", "b", healthy: false));
        await Eventually.TrueAsync(async () => (await sidecar.Discovery.ListNodesAsync(new V1.ListNodesRequest { Cluster = "ring", OnlyHealthy = true })).Nodes.Select(n => n.Name).SequenceEqual(["c"]), "b's health change");
        var response = await sidecar.Discovery.ListNodesAsync(new V1.ListNodesRequest { Cluster = "ring" });
        Assert.True(response.Freshness.Live);
    }

    [Fact]
    public async Task ZooKeeperUnreachable_TheLastStateIsServed_AndSaysHowOldItIs()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        await using var client = await zk.ClientAsync();
        var registry = new RegistryWriter(client, framework);
        await registry.PutAsync(Nodes.Record("ring", "a"));
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework, connectString: proxy.ConnectString));
        await sidecar.UntilNodesAsync("ring", "a");
        using var watch = sidecar.Discovery.WatchNodes(new V1.WatchNodesRequest { Cluster = "ring" });
        Assert.Equal(V1.WatchNodesResponse.Types.Type.Snapshot, (await DiscoveryTests.NextAsync(watch.ResponseStream)).Type);

        proxy.Pause();

        var stale = await DiscoveryTests.NextAsync(watch.ResponseStream);
        Assert.Equal((V1.WatchNodesResponse.Types.Type.Freshness, false), (stale.Type, stale.Freshness.Live));
        await Eventually.TrueAsync(async () =>
        {
            var nodes = await sidecar.Discovery.ListNodesAsync(new V1.ListNodesRequest { Cluster = "ring" });
            return nodes.Freshness.Age.ToTimeSpan() >= TimeSpan.FromMilliseconds(500);
        }, "the answer to age");
        var call = sidecar.Discovery.ListNodesAsync(new V1.ListNodesRequest { Cluster = "ring" });
        var answer = await call.ResponseAsync;
        Assert.Equal(["a"], answer.Nodes.Select(n => n.Name));
        Assert.False(answer.Freshness.Live);
        Assert.NotNull(answer.Freshness.ConfirmedAt);
        Assert.True(long.Parse((await call.ResponseHeadersAsync).GetValue("drover-view-age-ms")!, System.Globalization.CultureInfo.InvariantCulture) >= 500);
        Assert.Equal("127.0.0.1", (await sidecar.Discovery.ResolveAsync(new V1.ResolveRequest { Cluster = "ring", Node = "a", PortName = "pb" })).Host);
        Assert.Single((await sidecar.Discovery.ListClustersAsync(new V1.ListClustersRequest())).Clusters);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await new Health.HealthClient(sidecar.Channel).CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal("Degraded", await sidecar.Http.GetStringAsync(new Uri("/health", UriKind.Relative)));

        proxy.Resume();
        var live = await DiscoveryTests.NextAsync(watch.ResponseStream);
        Assert.Equal((V1.WatchNodesResponse.Types.Type.Freshness, true), (live.Type, live.Freshness.Live));
    }

    [Fact]
    public async Task ZooKeeperNeverReached_IsUnavailable_AndNotServing()
    {
        var framework = SidecarFixture.UniqueFramework();
        var nowhere = $"127.0.0.1:{FreePort.Next()}";
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework, connectString: nowhere));

        await DiscoveryTests.ExpectAsync(StatusCode.Unavailable, "not been read from ZooKeeper yet", () => sidecar.Discovery.ListClustersAsync(new V1.ListClustersRequest()).ResponseAsync);
        await DiscoveryTests.ExpectAsync(StatusCode.Unavailable, "not been read from ZooKeeper yet", () => sidecar.Discovery.ListNodesAsync(new V1.ListNodesRequest { Cluster = "ring" }).ResponseAsync);
        await DiscoveryTests.ExpectAsync(StatusCode.InvalidArgument, "cluster: is required", () => sidecar.Discovery.ListNodesAsync(new V1.ListNodesRequest()).ResponseAsync);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await new Health.HealthClient(sidecar.Channel).CheckAsync(new HealthCheckRequest())).Status);
        var targets = await sidecar.Http.GetAsync(new Uri("/v1/prometheus/targets", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, targets.StatusCode);
        var health = await sidecar.Http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
    }

    [Fact]
    public async Task ANodeKilledMidStream_NewConnectionsGoElsewhere_WithoutAFailure()
    {
        var framework = SidecarFixture.UniqueFramework();
        var a = new TestBackend("a");
        await using var b = new TestBackend("b");
        var options = new RegistryOptions { ConnectString = zk.Server.ConnectString, Root = SidecarFixture.Root, Framework = framework, SessionTimeout = TestClients.DefaultSessionTimeout };
        // Two executors, each with its session: the node's records are ephemeral, as the executor writes them.
        var executorA = new NodeRegistry(options);
        await using var executorB = new NodeRegistry(options);
        await executorA.RegisterAsync(Nodes.Record("ring", "a", ports: [new NamedPort("pb", a.Port)]) with { State = NodeState.Starting });
        await executorA.UpdateAsync(NodeState.Running, true);
        await executorB.RegisterAsync(Nodes.Record("ring", "b", ports: [new NamedPort("pb", b.Port)]) with { State = NodeState.Starting });
        await executorB.UpdateAsync(NodeState.Running, true);
        var listener = new ProxySettings { Cluster = "ring", PortName = "pb", Listen = new IPEndPoint(IPAddress.Loopback, 0), OnNodeLoss = NodeLossPolicy.Close };
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework, proxies: [listener]));
        var proxy = sidecar.App.Proxies.Single();
        await Eventually.TrueAsync(() => proxy.Serving.Count == 2, "the proxy to balance over both nodes");

        // A stream of new connections while a is killed: its process dies, then its session ends.
        using var onA = await ConnectToAsync(proxy, "a");
        var served = new List<string>();
        var killed = false;
        for (var i = 0; i < 60; i++)
        {
            if (i == 20)
            {
                await a.DisposeAsync();
                await executorA.DisposeAsync();
                killed = true;
            }
            var node = await ConnectOnceAsync(proxy);
            if (killed)
            {
                served.Add(node);
            }
        }

        Assert.All(served, node => Assert.Equal("b", node));
        Assert.True(await ProxyHarness.ClosedAsync(onA));
        await Eventually.TrueAsync(() => proxy.Serving.Select(s => s.Node).SequenceEqual(["b"]), "the proxy to drop the killed node");
    }

    private static async Task<string> ConnectOnceAsync(ProxyListener proxy)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy.LocalEndPoint).Within("a connect to the proxy");
        return await ProxyHarness.ReadLineAsync(socket);
    }

    private static async Task<Socket> ConnectToAsync(ProxyListener proxy, string node)
    {
        while (true)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(proxy.LocalEndPoint).Within("a connect to the proxy");
            if (await ProxyHarness.ReadLineAsync(socket) == node)
            {
                return socket;
            }
            socket.Dispose();
        }
    }
}
