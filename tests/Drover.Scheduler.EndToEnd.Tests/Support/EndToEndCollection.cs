using Drover.Testing.ZooKeeper;

namespace Drover.Scheduler.EndToEnd.Tests.Support;

/// <summary>
/// Every end-to-end test shares one ZooKeeper server and runs one at a time: each starts executors and services,
/// and several at once on CI's two cores would measure the machine rather than the scheduler. Each test has its
/// own framework name (its own state, registry and reservation labels) and its own local Mesos.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection : ICollectionFixture<ZooKeeperServerFixture>
{
    public const string Name = "end-to-end";
}
