using System.Text.Json;
using Drover.Registry;
using Drover.Sidecar.Tests.Support;
using Drover.Testing;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace Drover.Sidecar.Tests;

/// <summary>gRPC discovery, health, reflection and the Prometheus targets, against a real ZooKeeper.</summary>
[Collection(SidecarCollection.Name)]
public sealed class DiscoveryTests(SidecarFixture zk)
{
    [Fact]
    public async Task ListClustersAndNodes_ShowTheRegistry_AndOnlyHealthyLeavesOutTheSick()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var client = await zk.ClientAsync();
        var registry = new RegistryWriter(client, framework);
        await registry.PutAsync(Nodes.Record("ring", "riak-1"));
        await registry.PutAsync(Nodes.Record("ring", "riak-2", healthy: false));
        await registry.PutAsync(Nodes.Record("ring", "riak-3", state: NodeState.Starting, healthy: null));
        await registry.CreateClusterAsync("empty");
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework));

        await sidecar.UntilNodesAsync("ring", "riak-1", "riak-2", "riak-3");
        var clusters = await sidecar.Discovery.ListClustersAsync(new V1.ListClustersRequest());
        Assert.Equal([("empty", 0u, 0u), ("ring", 3u, 1u)], clusters.Clusters.Select(c => (c.Name, c.Nodes, c.Serving)));
        Assert.True(clusters.Freshness.Live);

        var all = await sidecar.Discovery.ListNodesAsync(new V1.ListNodesRequest { Cluster = "ring" });
        var first = all.Nodes[0];
        Assert.Equal(("ring", "riak-1", "riak", "127.0.0.1", V1.NodeLifecycle.Running, V1.NodeHealth.Healthy, true),
            (first.Cluster, first.Name, first.Kind, first.Host, first.State, first.Health, first.Serving));
        Assert.Equal([("http", 8098u), ("pb", 8087u)], first.Ports.Select(p => (p.Name, p.Number)));
        Assert.Equal(("riak-1-task", "agent-S1", "riak-1-executor", "3.2.0"), (first.TaskId, first.AgentId, first.ExecutorId, first.Version));
        Assert.Equal((V1.NodeHealth.Unhealthy, false), (all.Nodes[1].Health, all.Nodes[1].Serving));
        Assert.Equal((V1.NodeLifecycle.Starting, V1.NodeHealth.Unknown, false), (all.Nodes[2].State, all.Nodes[2].Health, all.Nodes[2].Serving));
        Assert.True(all.Freshness.Live);
        Assert.Equal(TimeSpan.Zero, all.Freshness.Age.ToTimeSpan());

        var healthy = await sidecar.Discovery.ListNodesAsync(new V1.ListNodesRequest { Cluster = "ring", OnlyHealthy = true });
        Assert.Equal(["riak-1"], healthy.Nodes.Select(n => n.Name));
    }

    [Fact]
    public async Task Resolve_GivesANodesNamedPort_OrTakesServingNodesInTurn()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var client = await zk.ClientAsync();
        var registry = new RegistryWriter(client, framework);
        await registry.PutAsync(Nodes.Record("ring", "a", host: "10.0.0.1"));
        await registry.PutAsync(Nodes.Record("ring", "b", host: "10.0.0.2"));
        await registry.PutAsync(Nodes.Record("ring", "c", host: "10.0.0.3", healthy: false));
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework));
        await sidecar.UntilNodesAsync("ring", "a", "b", "c");

        var c = await sidecar.Discovery.ResolveAsync(new V1.ResolveRequest { Cluster = "ring", Node = "c", PortName = "pb" });
        Assert.Equal(("10.0.0.3", 8087u, "c"), (c.Host, c.Port, c.Node.Name));

        var any = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            any.Add((await sidecar.Discovery.ResolveAsync(new V1.ResolveRequest { Cluster = "ring", PortName = "http" })).Host);
        }
        Assert.Equal(["10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2"], any.Order());
    }

    [Fact]
    public async Task BadRequests_AreInvalidArgumentNamingTheField_AndWhatDoesNotExistIsNotFound()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var client = await zk.ClientAsync();
        var registry = new RegistryWriter(client, framework);
        await registry.PutAsync(Nodes.Record("ring", "a"));
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework));
        await sidecar.UntilNodesAsync("ring", "a");
        var discovery = sidecar.Discovery;

        await ExpectAsync(StatusCode.InvalidArgument, "cluster: is required", () => discovery.ListNodesAsync(new V1.ListNodesRequest()).ResponseAsync);
        await ExpectAsync(StatusCode.InvalidArgument, "cluster: 'a/b' is not a valid name", () => discovery.ListNodesAsync(new V1.ListNodesRequest { Cluster = "a/b" }).ResponseAsync);
        await ExpectAsync(StatusCode.InvalidArgument, "port_name: is required", () => discovery.ResolveAsync(new V1.ResolveRequest { Cluster = "ring", Node = "a" }).ResponseAsync);
        await ExpectAsync(StatusCode.InvalidArgument, "node: '..' is not a valid name", () => discovery.ResolveAsync(new V1.ResolveRequest { Cluster = "ring", Node = "..", PortName = "pb" }).ResponseAsync);
        await ExpectAsync(StatusCode.InvalidArgument, "cluster: is required", () => FirstAsync(discovery.WatchNodes(new V1.WatchNodesRequest())));

        await ExpectAsync(StatusCode.NotFound, "cluster 'nope' is not in the registry (clusters: ring)", () => discovery.ListNodesAsync(new V1.ListNodesRequest { Cluster = "nope" }).ResponseAsync);
        await ExpectAsync(StatusCode.NotFound, "cluster 'ring' has no node 'z' (nodes: a)", () => discovery.ResolveAsync(new V1.ResolveRequest { Cluster = "ring", Node = "z", PortName = "pb" }).ResponseAsync);
        await ExpectAsync(StatusCode.NotFound, "has no port named 'native' (ports: http, pb)", () => discovery.ResolveAsync(new V1.ResolveRequest { Cluster = "ring", Node = "a", PortName = "native" }).ResponseAsync);
        await ExpectAsync(StatusCode.NotFound, "no serving node with a port named 'native'", () => discovery.ResolveAsync(new V1.ResolveRequest { Cluster = "ring", PortName = "native" }).ResponseAsync);
        await ExpectAsync(StatusCode.NotFound, "cluster 'nope'", () => FirstAsync(discovery.WatchNodes(new V1.WatchNodesRequest { Cluster = "nope" })));
    }

    [Fact]
    public async Task WatchNodes_StartsWithASnapshot_ThenAddedHealthPortsAndRemoved()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var client = await zk.ClientAsync();
        var registry = new RegistryWriter(client, framework);
        await registry.PutAsync(Nodes.Record("ring", "a"));
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework));
        await sidecar.UntilNodesAsync("ring", "a");
        using var call = sidecar.Discovery.WatchNodes(new V1.WatchNodesRequest { Cluster = "ring" });
        var stream = call.ResponseStream;

        var snapshot = await NextAsync(stream);
        Assert.Equal((V1.WatchNodesResponse.Types.Type.Snapshot, "a"), (snapshot.Type, snapshot.Nodes.Single().Name));
        Assert.True(snapshot.Freshness.Live);

        await registry.PutAsync(Nodes.Record("ring", "b"));
        var added = await NextAsync(stream);
        Assert.Equal((V1.WatchNodesResponse.Types.Type.Added, "b"), (added.Type, added.Nodes.Single().Name));

        await registry.PutAsync(Nodes.Record("ring", "a", healthy: false));
        var sick = await NextAsync(stream);
        Assert.Equal((V1.WatchNodesResponse.Types.Type.Updated, "a", false), (sick.Type, sick.Nodes.Single().Name, sick.Nodes.Single().Serving));
        Assert.Equal([V1.WatchNodesResponse.Types.Change.Health], sick.Changes);

        await registry.PutAsync(Nodes.Record("ring", "b", ports: [new NamedPort("http", 9000)]));
        var ports = await NextAsync(stream);
        Assert.Equal([V1.WatchNodesResponse.Types.Change.Ports], ports.Changes);
        Assert.Equal(9000u, ports.Nodes.Single().Ports.Single().Number);

        await registry.DeleteAsync("ring", "a");
        var removed = await NextAsync(stream);
        Assert.Equal((V1.WatchNodesResponse.Types.Type.Removed, "a"), (removed.Type, removed.Nodes.Single().Name));
    }

    [Fact]
    public async Task HealthService_SaysServing_AndReflectionListsTheServices()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var client = await zk.ClientAsync();
        await new RegistryWriter(client, framework).PutAsync(Nodes.Record("ring", "a"));
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework));
        await sidecar.UntilNodesAsync("ring", "a");

        var health = new Health.HealthClient(sidecar.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "drover.v1.Discovery" })).Status);

        var reflection = new ServerReflection.ServerReflectionClient(sidecar.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "drover.v1.Discovery" });
        await call.RequestStream.CompleteAsync();
        var services = await NextAsync(call.ResponseStream);
        Assert.Contains("drover.v1.Discovery", services.ListServicesResponse.Service.Select(s => s.Name));
        Assert.Contains("grpc.health.v1.Health", services.ListServicesResponse.Service.Select(s => s.Name));
        var file = await NextAsync(call.ResponseStream);
        var descriptor = Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(file.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal(("drover/v1/discovery.proto", "drover.v1"), (descriptor.Name, descriptor.Package));

        var http = await sidecar.Http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.OK, http.StatusCode);
        Assert.Equal("Healthy", await http.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PrometheusTargets_ListEveryNodesMetricsPort_WithItsLabels()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var client = await zk.ClientAsync();
        var registry = new RegistryWriter(client, framework);
        await registry.PutAsync(Nodes.Record("ring", "a", ports: [new NamedPort("http", 8098), new NamedPort("metrics", 9100)]));
        await registry.PutAsync(Nodes.Record("ring", "b", host: "::1", healthy: false, ports: [new NamedPort("metrics", 9101)]));
        await registry.PutAsync(Nodes.Record("ring", "no-metrics"));
        await registry.PutAsync(Nodes.Record("other", "x", ports: [new NamedPort("metrics", 9102)]));
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework));
        await sidecar.UntilNodesAsync("ring", "a", "b", "no-metrics");
        await sidecar.UntilNodesAsync("other", "x");

        var response = await sidecar.Http.GetAsync(new Uri("/v1/prometheus/targets?cluster=ring", UriKind.Relative));
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("0", response.Headers.GetValues("drover-view-age-ms").Single());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var groups = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, groups.Count);
        Assert.Equal("127.0.0.1:9100", groups[0].GetProperty("targets")[0].GetString());
        Assert.Equal("[::1]:9101", groups[1].GetProperty("targets")[0].GetString());
        var labels = groups[0].GetProperty("labels");
        Assert.Equal(("ring", "a", "riak", framework), (labels.GetProperty("cluster").GetString(), labels.GetProperty("node").GetString(), labels.GetProperty("kind").GetString(), labels.GetProperty("framework").GetString()));
        Assert.Equal("false", groups[1].GetProperty("labels").GetProperty("__meta_drover_serving").GetString());

        using var everything = JsonDocument.Parse(await sidecar.Http.GetStringAsync(new Uri("/v1/prometheus/targets", UriKind.Relative)));
        Assert.Equal(3, everything.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Metrics_AreServedInTheTextFormat_AndPassPromtool()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var client = await zk.ClientAsync();
        await new RegistryWriter(client, framework).PutAsync(Nodes.Record("ring", "a"));
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework));
        await sidecar.UntilNodesAsync("ring", "a");

        var response = await sidecar.Http.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Contains("drover_sidecar_cluster_nodes{cluster=\"ring\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("drover_sidecar_view_live{cluster=\"ring\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("drover_sidecar_zookeeper_connected 1", text, StringComparison.Ordinal);
        Assert.Contains("process_resident_memory_bytes", text, StringComparison.Ordinal);
        var (exit, output) = await Drover.Testing.Prometheus.ExternalProcess.RunAsync(Drover.Testing.Prometheus.ExternalProcess.Promtool, "check metrics", text);
        Assert.True(exit == 0, $"promtool check metrics:\n{output}\n{text}");

        using var head = new HttpRequestMessage(HttpMethod.Head, new Uri("/metrics", UriKind.Relative));
        var headResponse = await sidecar.Http.SendAsync(head);
        Assert.Equal(System.Net.HttpStatusCode.OK, headResponse.StatusCode);
        Assert.Empty(await headResponse.Content.ReadAsByteArrayAsync());
    }

    internal static async Task<T> NextAsync<T>(IAsyncStreamReader<T> stream)
    {
        Assert.True(await stream.MoveNext(CancellationToken.None).Within("the next message of the stream"));
        return stream.Current;
    }

    internal static async Task ExpectAsync(StatusCode code, string message, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, error.StatusCode);
        Assert.Contains(message, error.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task FirstAsync(AsyncServerStreamingCall<V1.WatchNodesResponse> call)
    {
        using (call)
        {
            await call.ResponseStream.MoveNext(CancellationToken.None).Within("the stream's first message or error");
        }
    }
}
