using System.Net;
using Drover.Registry;
using Drover.Registry.Epmd;
using Drover.Testing.ZooKeeper;

namespace Drover.Epmd.Tests.Support;

/// <summary>
/// One real ZooKeeper server for the ZooKeeper-backed cEPMD tests (<see cref="ZooKeeperServerFixture"/>); each test
/// works under a framework of its own, and each cEPMD gets its own store and session, as each agent's executor has.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EpmdZooKeeperCollection : ICollectionFixture<ZooKeeperServerFixture>
{
    public const string Name = "cEPMD on ZooKeeper";
}

/// <summary>A cEPMD on its own ZooKeeper store (own session), disposed together.</summary>
internal sealed class ZkCepmd : IAsyncDisposable
{
    private ZkCepmd(EpmdServer server, ZooKeeperEpmdRegistry registry)
    {
        Server = server;
        Registry = registry;
    }

    public EpmdServer Server { get; }

    public ZooKeeperEpmdRegistry Registry { get; }

    public IPEndPoint EndPoint => Server.LocalEndPoint;

    /// <param name="bind">The address it listens on (default 127.0.0.1; another loopback address stands for another agent).</param>
    public static async Task<ZkCepmd> StartAsync(RegistryOptions options, string cluster, string? host = "127.0.0.1", int port = 0, TimeSpan? operationTimeout = null, IPAddress? bind = null)
    {
        var registry = new ZooKeeperEpmdRegistry(options, cluster, operationTimeout: operationTimeout);
        var server = new EpmdServer(new EpmdServerOptions { Host = host }, registry);
        await server.StartAsync(new IPEndPoint(bind ?? IPAddress.Loopback, port));
        return new ZkCepmd(server, registry);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Registry.DisposeAsync();
    }
}
