using System.Collections.Concurrent;
using System.Net;
using Drover.Registry;
using Drover.Sidecar.Configuration;
using Drover.Sidecar.Hosting;
using Drover.Sidecar.Proxy;
using Drover.Testing;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace Drover.Sidecar.Tests.Support;

/// <summary>One real ZooKeeper per collection; each test runs its sidecar under a framework of its own.</summary>
public sealed class SidecarFixture : ZooKeeperServerFixture
{
    public const string Root = "/drover";

    public static string UniqueFramework() => $"fw-{Guid.NewGuid():N}"[..15];

    /// <summary>Settings for a sidecar of <paramref name="framework"/> on ports the kernel picks.</summary>
    public SidecarSettings Settings(string framework, string? connectString = null, IReadOnlyList<ProxySettings>? proxies = null, IReadOnlyList<string>? clusters = null) => new()
    {
        ZooKeeper = connectString ?? Server.ConnectString,
        Root = Root,
        Framework = framework,
        SessionTimeout = TestClients.DefaultSessionTimeout,
        Grpc = new IPEndPoint(IPAddress.Loopback, 0),
        Http = new IPEndPoint(IPAddress.Loopback, 0),
        Proxies = proxies ?? [],
        Clusters = clusters,
        LogLevel = LogLevel.Debug,
    };

    public Task<ZooKeeperClient> ClientAsync() => Server.ConnectAsync();

}

[CollectionDefinition(Name)]
public sealed class SidecarCollection : ICollectionFixture<SidecarFixture>
{
    public const string Name = "sidecar against ZooKeeper";
}

/// <summary>Writes endpoint records straight into ZooKeeper, as executors do (persistent here, so the test controls their life).</summary>
public sealed class RegistryWriter(ZooKeeperClient client, string framework)
{
    public RegistryPaths Paths { get; } = new(SidecarFixture.Root, framework);

    public ZooKeeperClient Client => client;

    public async Task PutAsync(NodeRecord record) => await PutRawAsync(record.Cluster, record.Node, NodeRecordJson.Write(record));

    public async Task PutRawAsync(string cluster, string node, byte[] data)
    {
        var path = Paths.Cluster(cluster).Node(node);
        if (await client.ExistsAsync(path) is null)
        {
            await EnsureAsync(Paths.Cluster(cluster).Nodes);
            await client.CreateAsync(path, data, Ids.OpenAclUnsafe, CreateMode.Persistent);
        }
        else
        {
            await client.SetDataAsync(path, data);
        }
    }

    public Task DeleteAsync(string cluster, string node) => client.DeleteAsync(Paths.Cluster(cluster).Node(node));

    /// <summary>A cluster znode with no nodes yet.</summary>
    public Task CreateClusterAsync(string cluster) => EnsureAsync(Paths.Cluster(cluster).Path);

    private async Task EnsureAsync(string path)
    {
        var current = "";
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current += "/" + part;
            try
            {
                await client.CreateAsync(current, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
            }
            catch (NodeExistsException)
            {
            }
        }
    }
}

/// <summary>A running sidecar with a gRPC channel to it and the log lines it wrote.</summary>
public sealed class RunningSidecar : IAsyncDisposable
{
    private RunningSidecar(SidecarApp app, LogLines log)
    {
        App = app;
        Log = log;
        Channel = GrpcChannel.ForAddress($"http://{app.GrpcEndPoint}");
        Discovery = new V1.Discovery.DiscoveryClient(Channel);
        Http = new HttpClient { BaseAddress = new Uri($"http://{app.HttpEndPoint}") };
    }

    public SidecarApp App { get; }

    public LogLines Log { get; }

    public GrpcChannel Channel { get; }

    public V1.Discovery.DiscoveryClient Discovery { get; }

    public HttpClient Http { get; }

    public static async Task<RunningSidecar> StartAsync(SidecarSettings settings)
    {
        var log = new LogLines();
        var app = await SidecarApp.StartAsync(settings, new SidecarAppOptions { ConfigureLogging = logging => logging.AddProvider(log) }).Within("the sidecar to start");
        return new RunningSidecar(app, log);
    }

    /// <summary>Waits until the cluster's nodes are the given ones as the sidecar serves them.</summary>
    public Task UntilNodesAsync(string cluster, params string[] nodes) => Eventually.TrueAsync(async () =>
    {
        try
        {
            var response = await Discovery.ListNodesAsync(new V1.ListNodesRequest { Cluster = cluster });
            return response.Nodes.Select(n => n.Name).SequenceEqual(nodes);
        }
        catch (Grpc.Core.RpcException)
        {
            return false;
        }
    }, $"cluster {cluster} to list [{string.Join(", ", nodes)}]");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Channel.Dispose();
        await App.DisposeAsync();
    }
}

/// <summary>Every line the sidecar logs, for tests that check what it said.</summary>
public sealed class LogLines : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public bool Contains(string text) => _lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogLines sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
    }
}
