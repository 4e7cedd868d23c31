using System.Diagnostics;
using System.Globalization;
using Drover.Testing;
using Drover.Registry;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper;
using Grpc.Net.Client;

namespace Drover.Sidecar.Bench;

/// <summary>
/// WatchNodes fan-out: 10,000 nodes registered in one cluster, 100 WatchNodes streams on the sidecar
/// (four HTTP/2 connections, 25 streams each), then one node's record changed at a time; each sample is
/// the time from just before the ZooKeeper write to the moment the last of the 100 streams has the
/// UPDATED message for that node.
/// </summary>
public static class FanoutBench
{
    public const int NodeCount = 10_000;
    public const int StreamCount = 100;
    public const int Channels = 4;

    public static async Task RunAsync(string sidecarBinary, int changes)
    {
        await using var zookeeper = await ZooKeeperServer.StartStandaloneAsync("-Xmx1g -XX:+UseParallelGC");
        await using var client = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectString = zookeeper.ConnectString });
        var paths = new RegistryPaths(RegistryPaths.DefaultRoot, "bench").Cluster("fan");
        await RegisterAsync(client, paths);

        var grpcPort = FreePort.Next();
        using var sidecar = ProxyBench.Start(sidecarBinary,
            "--zookeeper", zookeeper.ConnectString, "--framework", "bench", "--cluster", "fan",
            "--grpc", $"127.0.0.1:{grpcPort}", "--http", $"127.0.0.1:{FreePort.Next()}", "--log-level", "warning");
        try
        {
            await MeasureAsync(sidecar, client, paths, grpcPort, changes);
        }
        finally
        {
            if (!sidecar.HasExited)
            {
                sidecar.Kill();
            }
        }
    }

    private static async Task MeasureAsync(Process sidecar, ZooKeeperClient client, ClusterPaths paths, int grpcPort, int changes)
    {
        var channels = Enumerable.Range(0, Channels).Select(_ => GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}", new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20 })).ToList();
        var arrivals = new long[changes][];
        var remaining = new int[changes];
        var done = new TaskCompletionSource[changes];
        for (var k = 0; k < changes; k++)
        {
            arrivals[k] = new long[StreamCount];
            remaining[k] = StreamCount;
            done[k] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        // The sidecar has read the cluster once it lists every node.
        var probe = new V1.Discovery.DiscoveryClient(channels[0]);
        var started = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await probe.ListNodesAsync(new V1.ListNodesRequest { Cluster = "fan" })).Nodes.Count == NodeCount)
                {
                    break;
                }
            }
            catch (Grpc.Core.RpcException) when (started.Elapsed < TimeSpan.FromMinutes(2))
            {
            }
            await Task.Delay(100);
        }
        Console.WriteLine($"the sidecar listed {NodeCount} nodes {started.Elapsed.TotalSeconds:0.0} s after it was started");
        var ready = new CountdownEvent(StreamCount);
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var streams = new List<Task>();
        for (var s = 0; s < StreamCount; s++)
        {
            var stream = s;
            var discovery = new V1.Discovery.DiscoveryClient(channels[s % Channels]);
            streams.Add(Task.Run(() => FollowAsync(discovery, stream, arrivals, remaining, done, ready, stop.Token)));
        }
        if (!await Task.Run(() => ready.Wait(TimeSpan.FromMinutes(5))))
        {
            throw new TimeoutException($"only {StreamCount - ready.CurrentCount} of {StreamCount} streams had their snapshot after 5 minutes");
        }
        Console.WriteLine($"{StreamCount} streams each had the {NodeCount}-node snapshot after {clock.Elapsed.TotalSeconds:0.0} s; sidecar RSS {ProxyBench.Rss(sidecar.Id)}; load average {Program.LoadAverage()}");

        var latencies = new List<double>();
        for (var k = 0; k < changes; k++)
        {
            var node = Node(k);
            var record = Record(node) with { Healthy = false };
            var start = Stopwatch.GetTimestamp();
            await client.SetDataAsync(paths.Node(node), NodeRecordJson.Write(record));
            await done[k].Task.WaitAsync(TimeSpan.FromSeconds(60));
            latencies.Add((arrivals[k].Max() - start) * 1000.0 / Stopwatch.Frequency);
        }
        await stop.CancelAsync();
        Console.WriteLine($"sidecar RSS after the changes {ProxyBench.Rss(sidecar.Id)}; load average at the end {Program.LoadAverage()}");
        var sorted = latencies.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        Console.WriteLine();
        Console.WriteLine("| changes | streams | nodes | p50 ms | p90 ms | p99 ms | max ms |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {changes} | {StreamCount} | {NodeCount} | {At(0.5):0.0} | {At(0.9):0.0} | {At(0.99):0.0} | {sorted[^1]:0.0} |"));
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
    }

    private static async Task FollowAsync(V1.Discovery.DiscoveryClient discovery, int stream, long[][] arrivals, int[] remaining, TaskCompletionSource[] done, CountdownEvent ready, CancellationToken stop)
    {
        using var call = discovery.WatchNodes(new V1.WatchNodesRequest { Cluster = "fan" }, cancellationToken: stop);
        try
        {
            while (await call.ResponseStream.MoveNext(stop))
            {
                var message = call.ResponseStream.Current;
                if (message.Type == V1.WatchNodesResponse.Types.Type.Snapshot)
                {
                    if (message.Nodes.Count != NodeCount)
                    {
                        throw new InvalidOperationException($"stream {stream}: a snapshot of {message.Nodes.Count} nodes");
                    }
                    ready.Signal();
                    continue;
                }
                if (message.Type != V1.WatchNodesResponse.Types.Type.Updated)
                {
                    continue;
                }
                var now = Stopwatch.GetTimestamp();
                var k = int.Parse(message.Nodes[0].Name.AsSpan(1), CultureInfo.InvariantCulture);
                if (k < arrivals.Length)
                {
                    arrivals[k][stream] = now;
                    if (Interlocked.Decrement(ref remaining[k]) == 0)
                    {
                        done[k].TrySetResult();
                    }
                }
            }
        }
        catch (Grpc.Core.RpcException) when (stop.IsCancellationRequested)
        {
        }
    }

    private static async Task RegisterAsync(ZooKeeperClient client, ClusterPaths paths)
    {
        foreach (var path in new[] { RegistryPaths.DefaultRoot, $"{RegistryPaths.DefaultRoot}/bench", $"{RegistryPaths.DefaultRoot}/bench/clusters", paths.Path, paths.Nodes })
        {
            await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        }
        for (var batch = 0; batch < NodeCount; batch += 500)
        {
            await client.MultiAsync(Enumerable.Range(batch, 500).Select(i =>
                Op.Create(paths.Node(Node(i)), NodeRecordJson.Write(Record(Node(i))), Ids.OpenAclUnsafe, CreateMode.Persistent)));
        }
    }

    private static string Node(int i) => $"n{i}";

    private static NodeRecord Record(string node) => new()
    {
        Cluster = "fan",
        Node = node,
        Kind = "cassandra",
        Host = "10.0.0.1",
        Ports = [new NamedPort("native", 9042), new NamedPort("storage", 7000), new NamedPort("jmx", 7199), new NamedPort("metrics", 9100)],
        TaskId = $"{node}-task",
        AgentId = "agent-S1",
        ExecutorId = $"{node}-executor",
        State = NodeState.Running,
        Healthy = true,
        Version = "4.1.3",
    };
}
