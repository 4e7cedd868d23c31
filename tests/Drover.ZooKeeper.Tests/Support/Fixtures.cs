using Drover.Testing.ZooKeeper;

namespace Drover.ZooKeeper.Tests.Support;

/// <summary>One standalone server shared by the tests of a collection; each test works under its own path.</summary>
public sealed class StandaloneServerFixture : ZooKeeperServerFixture
{
    /// <summary>A client of this server, with short timeouts fit for tests.</summary>
    public Task<ZooKeeperClient> ConnectAsync(string? connectString = null, TimeSpan? sessionTimeout = null, Action<WatchedEvent>? defaultWatcher = null) =>
        Server.ConnectAsync(connectString, sessionTimeout, defaultWatcher);

    public static Task<ZooKeeperClient> ConnectAsync(ZooKeeperClientOptions options) => TestClients.ConnectAsync(options);

    public static string UniquePath(string name) => TestClients.UniquePath(name);
}

public sealed class EnsembleFixture : IAsyncLifetime
{
    private ZooKeeperEnsemble? _ensemble;

    public ZooKeeperEnsemble Ensemble => _ensemble ?? throw new InvalidOperationException("The ensemble is not started.");

    public async Task InitializeAsync() => _ensemble = await ZooKeeperEnsemble.StartAsync();

    public async Task DisposeAsync()
    {
        if (_ensemble is not null)
        {
            await _ensemble.DisposeAsync();
        }
    }
}

/// <summary>Fast operations against one shared server.</summary>
[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<StandaloneServerFixture>
{
    public const string Name = "standalone server";
}

/// <summary>Session lifetime tests: they restart, partition and expire, so they get a server of their own.</summary>
[CollectionDefinition(Name)]
public sealed class SessionCollection : ICollectionFixture<StandaloneServerFixture>
{
    public const string Name = "session server";
}

[CollectionDefinition(Name)]
public sealed class EnsembleCollection : ICollectionFixture<EnsembleFixture>
{
    public const string Name = "three-server ensemble";
}

/// <summary>Three servers on 127.0.0.1, .2 and .3, one client port: the shape Exhibitor's list describes.</summary>
public sealed class SpreadEnsembleFixture : IAsyncLifetime
{
    private ZooKeeperEnsemble? _ensemble;

    public ZooKeeperEnsemble Ensemble => _ensemble ?? throw new InvalidOperationException("The ensemble is not started.");

    public async Task InitializeAsync() => _ensemble = await ZooKeeperEnsemble.StartAsync(distinctAddresses: true);

    public async Task DisposeAsync()
    {
        if (_ensemble is not null)
        {
            await _ensemble.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SpreadEnsembleCollection : ICollectionFixture<SpreadEnsembleFixture>
{
    public const string Name = "three-server ensemble on three addresses";
}
