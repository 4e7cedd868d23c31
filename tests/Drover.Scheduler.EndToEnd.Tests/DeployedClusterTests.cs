using System.Globalization;
using System.Text.Json;
using Drover.Registry;
using Drover.Scheduler.EndToEnd.Tests.Support;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Testing.ZooKeeper;

namespace Drover.Scheduler.EndToEnd.Tests;

/// <summary>One three-node cluster deployed once (the sample spec of packaging/examples), then looked at every way an operator can.</summary>
public sealed class Deployment : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (TestBed Bed, SchedulerProcess Scheduler, SchedulerSnapshot Deployed)? _value;

    public async Task<(TestBed Bed, SchedulerProcess Scheduler, SchedulerSnapshot Deployed)> GetAsync(ZooKeeperServerFixture zooKeeper)
    {
        await _gate.WaitAsync();
        try
        {
            if (_value is null)
            {
                var bed = await TestBed.StartAsync(zooKeeper, agents: 3);
                var scheduler = bed.StartScheduler();
                await scheduler.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed, "subscribed");
                await scheduler.PutClusterAsync(TestBed.Spec(count: 3, uniqueHosts: true));
                var deployed = await scheduler.UntilAsync(s => TestBed.Deployed(s, 3), "three nodes running and healthy");
                _value = (bed, scheduler, deployed);
            }

            return _value.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_value is { } value)
        {
            await value.Bed.DisposeAsync();
        }
    }
}

[Collection(EndToEndCollection.Name)]
public sealed class DeployedClusterTests(ZooKeeperServerFixture zooKeeper, Deployment deployment) : IClassFixture<Deployment>
{
    [Fact]
    public async Task Deploy_ThreeNodes_ReservedWithVolumes_Launched_Healthy_Registered()
    {
        var (bed, scheduler, _) = await deployment.GetAsync(zooKeeper);
        var state = await scheduler.StateAsync();
        var nodes = state.Clusters.Single().Nodes;
        var mesos = await bed.MesosAsync();

        // Launched: one running task per node, on three agents (unique_hostname), under the stored framework id.
        var tasks = mesos.TasksOf(state.Framework.Id!);
        Assert.Equal(nodes.Select(n => n.TaskId).Order(), tasks.Select(t => t.Id).Order());
        Assert.All(tasks, t => Assert.Equal("TASK_RUNNING", t.State));
        Assert.Equal(3, tasks.Select(t => t.AgentId).Distinct().Count());

        // Reserved with the framework's labels, a persistent volume in each reservation, nothing else of ours.
        Assert.Equal(nodes.Select(n => n.PersistenceId!).ToHashSet(), mesos.EntriesOf(bed.Framework));
        foreach (var node in nodes)
        {
            var reserved = mesos.Reservations.Where(r => r.Entry == node.PersistenceId).ToList();
            Assert.All(reserved, r => Assert.Equal(node.AgentId, r.AgentId));
            Assert.Contains(reserved, r => r.Name == "disk" && r.PersistenceId == node.PersistenceId);
            Assert.Contains(reserved, r => r.Name == "ports");

            // The service wrote into its volume, and serves it on its reserved port.
            var volume = await bed.Mesos.VolumePathAsync(node.AgentId!, "drover", node.PersistenceId!);
            Assert.Contains($"hello from {node.TaskId}", await File.ReadAllTextAsync(Path.Combine(volume, "index.html")), StringComparison.Ordinal);
            using var http = new HttpClient();
            Assert.Contains($"hello from {node.TaskId}", await http.GetStringAsync($"http://127.0.0.1:{node.Ports["http"].ToString(CultureInfo.InvariantCulture)}/"), StringComparison.Ordinal);
        }

        // Registered by their executors; the scheduler shows those records' endpoints and health.
        await using var client = await zooKeeper.ObserverAsync();
        foreach (var node in nodes)
        {
            var data = await client.GetDataAsync($"/drover/{bed.Framework}/clusters/web/nodes/{node.Name}");
            var record = NodeRecordJson.Parse(data.Data);
            Assert.Equal(node.TaskId, record.TaskId);
            Assert.Equal(node.AgentId, record.AgentId);
            Assert.Equal(node.Hostname, record.Host);
            Assert.Equal(NodeState.Running, record.State);
            Assert.True(record.Healthy);
            Assert.Equal(node.Ports["http"], record.Port("http"));
            Assert.Equal($"{record.Host}:{record.Port("http")?.ToString(CultureInfo.InvariantCulture)}", node.Endpoints["http"]);
        }

        var (status, body) = await scheduler.SendAsync(HttpMethod.Get, "v1/clusters/web/endpoints?port=http");
        Assert.Equal(200, status);
        var addresses = JsonDocument.Parse(body).RootElement.GetProperty("ports").GetProperty("http").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(nodes.Select(n => n.Endpoints["http"]), addresses);

        var (_, metrics) = await scheduler.SendAsync(HttpMethod.Get, "metrics");
        Assert.Contains("drover_scheduler_nodes_healthy{cluster=\"web\"} 3", metrics, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_subscription_state{state=\"SUBSCRIBED\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("process_resident_memory_bytes", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_ShowsTheClusterItsNodesTheirEndpointsAndThePlan()
    {
        var (_, scheduler, deployed) = await deployment.GetAsync(zooKeeper);
        var nodes = deployed.Clusters.Single().Nodes;

        var status = await CliRunner.RunAsync(scheduler, "status");
        Assert.True(status.Exit == 0, status.ToString());
        Assert.Contains("SUBSCRIBED", status.Out, StringComparison.Ordinal);
        Assert.Contains(deployed.Framework.Id!, status.Out, StringComparison.Ordinal);

        var list = await CliRunner.RunAsync(scheduler, "nodes", "list", "web");
        Assert.True(list.Exit == 0, list.ToString());
        foreach (var node in nodes)
        {
            var line = list.Out.Split('\n').Single(l => l.Contains($" {node.Name} ", StringComparison.Ordinal));
            Assert.Contains("RUNNING", line, StringComparison.Ordinal);
            Assert.Contains("healthy", line, StringComparison.Ordinal);
            Assert.Contains(node.Endpoints["http"], line, StringComparison.Ordinal);
            Assert.Contains(node.Hostname!, line, StringComparison.Ordinal);
        }

        var endpoints = await CliRunner.RunAsync(scheduler, "endpoints", "web", "--port", "http");
        Assert.True(endpoints.Exit == 0, endpoints.ToString());
        Assert.Equal(nodes.Select(n => n.Endpoints["http"]), endpoints.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var plan = await CliRunner.RunAsync(scheduler, "plans", "show", "web", "deploy");
        Assert.True(plan.Exit == 0, plan.ToString());
        Assert.Contains("COMPLETE", plan.Out, StringComparison.Ordinal);
        Assert.All(nodes, n => Assert.Contains(n.Name, plan.Out, StringComparison.Ordinal));

        // The watch of a plan that is complete ends at once, with success.
        var watch = await CliRunner.RunAsync(scheduler, "plans", "show", "web", "deploy", "--watch");
        Assert.True(watch.Exit == 0, watch.ToString());

        var json = await CliRunner.RunAsync(scheduler, "--json", "nodes", "list", "web");
        Assert.True(json.Exit == 0, json.ToString());
        var parsed = JsonDocument.Parse(json.Out).RootElement.GetProperty("nodes");
        Assert.Equal(3, parsed.GetArrayLength());
        Assert.All(parsed.EnumerateArray(), n => Assert.Equal("RUNNING", n.GetProperty("phase").GetString()));

        var missing = await CliRunner.RunAsync(scheduler, "nodes", "show", "web", "web-9");
        Assert.Equal(3, missing.Exit);
        Assert.Contains("web-9", missing.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OperatorApi_BadInputs_AreRefusedNamingTheField_AndChangeNothing()
    {
        var (_, scheduler, _) = await deployment.GetAsync(zooKeeper);
        var before = (await scheduler.StateAsync()).Clusters.Single();
        var spec = TestBed.Spec(count: 3, uniqueHosts: true);

        async Task Refused(HttpMethod method, string path, string? json, int expected, string field)
        {
            var (status, body) = await scheduler.SendAsync(method, path, json);
            Assert.True(status == expected, $"{method} {path}: {status} {body}");
            Assert.Contains(field, body, StringComparison.Ordinal);
        }

        await Refused(HttpMethod.Put, "v1/clusters/web", spec.Replace("\"count\":3", "\"count\":3,\"colour\":\"blue\"", StringComparison.Ordinal), 400, "colour");
        await Refused(HttpMethod.Put, "v1/clusters/web", spec.Replace("\"count\":3", "\"count\":\"three\"", StringComparison.Ordinal), 400, "count");
        await Refused(HttpMethod.Put, "v1/clusters/web", spec.Replace("\"cpus\":0.1", "\"cpus\":100000", StringComparison.Ordinal), 400, "resources.cpus");
        await Refused(HttpMethod.Put, "v1/clusters/web", """
            {"name":"web","kind":"CASSANDRA","count":3,"resources":{"cpus":1,"mem":2048,"volume":1024},
             "ports":[{"name":"native"},{"name":"storage"},{"name":"jmx"}],"service":{"install_dir":"/opt/cassandra"}}
            """, 409, "kind");
        await Refused(HttpMethod.Put, "v1/clusters/Web_1", spec.Replace("\"name\":\"web\"", "\"name\":\"Web_1\"", StringComparison.Ordinal), 400, "name");
        await Refused(HttpMethod.Put, "v1/clusters/web", "{\"name\":\"web\",", 400, "JSON");
        await Refused(HttpMethod.Post, "v1/clusters/web/scale", "{\"count\":-1}", 400, "count");
        await Refused(HttpMethod.Post, "v1/clusters/nope/scale", "{\"count\":1}", 404, "nope");
        await Refused(HttpMethod.Get, "v1/clusters/nope", null, 404, "nope");
        await Refused(HttpMethod.Post, "v1/clusters/web/nodes/web-0/admin", "{\"operation\":\"rm -rf\"}", 400, "operation");
        await Refused(HttpMethod.Post, "v1/clusters/web/nodes/web-7/restart", null, 404, "web-7");

        var after = (await scheduler.StateAsync()).Clusters.Single();
        Assert.Equal(before.Generation, after.Generation);
        Assert.Equal(3, after.Spec.Count);
        Assert.Equal(before.Nodes.Select(n => n.TaskId), after.Nodes.Select(n => n.TaskId));
        Assert.All(after.Nodes, n => Assert.Equal(NodePhase.Running, n.Phase));
    }

    [Fact]
    public async Task AdminOperation_GoesToTheExecutor_AndItsReplyIsTracked()
    {
        var (_, scheduler, _) = await deployment.GetAsync(zooKeeper);

        var (status, body) = await scheduler.SendAsync(HttpMethod.Post, "v1/clusters/web/nodes/web-1/admin", "{\"operation\":\"repair\",\"arguments\":{\"keyspace\":\"shop\"}}");
        Assert.True(status == 202, $"{status} {body}");
        var requestId = JsonDocument.Parse(body).RootElement.GetProperty("request_id").GetString()!;

        // A GENERIC node has no admin operations: its executor answers REJECTED, saying why, in an AdminReply.
        var state = await scheduler.UntilAsync(s => s.AdminOperations.Any(a => a.RequestId == requestId && a.State != AdminOperationState.Sent && a.State != AdminOperationState.Pending),
            "the executor's reply");
        var operation = state.AdminOperations.Single(a => a.RequestId == requestId);
        Assert.Equal(AdminOperationState.Rejected, operation.State);
        Assert.Contains("repair", operation.Output, StringComparison.Ordinal);
        Assert.NotNull(operation.Replied);

        var (getStatus, getBody) = await scheduler.SendAsync(HttpMethod.Get, $"v1/admin/{requestId}");
        Assert.Equal(200, getStatus);
        Assert.Contains("REJECTED", getBody, StringComparison.Ordinal);
    }
}
