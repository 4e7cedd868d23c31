using Drover.Testing.ZooKeeper;

namespace Drover.Registry.Tests.Support;

/// <summary>One real ZooKeeper server per collection (<see cref="ZooKeeperServerFixture"/>); each test works under a framework name of its own.</summary>
[CollectionDefinition(Name)]
public sealed class RegistryCollection : ICollectionFixture<ZooKeeperServerFixture>
{
    public const string Name = "registry server";
}

[CollectionDefinition(Name)]
public sealed class WatcherCollection : ICollectionFixture<ZooKeeperServerFixture>
{
    public const string Name = "watcher server";
}
