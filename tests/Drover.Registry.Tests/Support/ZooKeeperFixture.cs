using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper;

namespace Drover.Registry.Tests.Support;

/// <summary>One real ZooKeeper server per collection; each test works under a framework name of its own.</summary>
public sealed class ZooKeeperFixture : ZooKeeperServerFixture
{
    /// <summary>Registry options for one test: a fresh framework, short session, quick retries.</summary>
    public RegistryOptions Options(string? connectString = null, DigestCredentials? credentials = null, TimeSpan? sessionTimeout = null, TimeSpan? conflictTimeout = null)
    {
        var options = new RegistryOptions
        {
            ConnectString = connectString ?? Server.ConnectString,
            Framework = $"fw-{Guid.NewGuid():N}",
            SessionTimeout = sessionTimeout ?? TestClients.DefaultSessionTimeout,
            Credentials = credentials,
            InitialBackoff = TimeSpan.FromMilliseconds(20),
            MaxBackoff = TimeSpan.FromMilliseconds(500),
        };
        return conflictTimeout is { } timeout ? With(options, conflictTimeout: timeout) : options;
    }

    /// <summary>The same registry (root, framework, credentials) reached another way, e.g. through a proxy.</summary>
    public static RegistryOptions With(RegistryOptions options, string? connectString = null, TimeSpan? sessionTimeout = null, TimeSpan? conflictTimeout = null) => new()
    {
        ConnectString = connectString ?? options.ConnectString,
        Root = options.Root,
        Framework = options.Framework,
        SessionTimeout = sessionTimeout ?? options.SessionTimeout,
        Credentials = options.Credentials,
        InitialBackoff = options.InitialBackoff,
        MaxBackoff = options.MaxBackoff,
        ConflictTimeout = conflictTimeout ?? options.ConflictTimeout,
    };

    /// <summary>A plain client (no credentials) for looking at what the registry wrote.</summary>
    public Task<ZooKeeperClient> ObserverAsync() => Server.ConnectAsync();

    /// <summary>Ends a session from outside, as ZooKeeper would at expiry: another client takes its id and password and closes it.</summary>
    public Task ExpireAsync(ZooKeeperClient victim) => TestClients.ExpireAsync(Server.ConnectString, victim);
}

[CollectionDefinition(Name)]
public sealed class RegistryCollection : ICollectionFixture<ZooKeeperFixture>
{
    public const string Name = "registry server";
}

[CollectionDefinition(Name)]
public sealed class WatcherCollection : ICollectionFixture<ZooKeeperFixture>
{
    public const string Name = "watcher server";
}
