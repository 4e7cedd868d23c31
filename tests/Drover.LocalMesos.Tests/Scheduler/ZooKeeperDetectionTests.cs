using Drover.LocalMesos.Tests.Support;
using Drover.Mesos.Scheduler;
using Drover.Testing.ZooKeeper;

namespace Drover.LocalMesos.Tests.Scheduler;

/// <summary>zk:// detection against a real ZooKeeper where the local masters register as json.info_ znodes.</summary>
public sealed class ZooKeeperDetectionTests(ZooKeeperServerFixture zooKeeper) : IClassFixture<ZooKeeperServerFixture>
{
    [Fact]
    public async Task TheClientFindsTheLeaderInZooKeeper_AndFollowsALeaderChange()
    {
        var path = TestClients.UniquePath("mesos");
        var zk = $"zk://{zooKeeper.Server.ConnectString}{path}";
        await using var mesos = await Local.StartAsync(agents: 1, standbys: 1, zooKeeper: zk);
        await using var scheduler = SchedulerHarness.Start(MasterAddress.Parse(zk));

        var first = await scheduler.WaitForAsync<Connected>(_ => true, "subscribed to the leader found in ZooKeeper");
        Assert.Equal(mesos.Masters[0], first.Endpoint);
        Assert.Equal("1.12.0", first.Master.Version);

        var mark = scheduler.Mark;
        await mesos.FailoverAsync();
        var second = await scheduler.WaitForAsync<Connected>(_ => true, "subscribed to the new leader", mark);

        Assert.Equal(mesos.Masters[1], second.Endpoint);
        Assert.Equal(first.Master.Version, second.Master.Version);
        Assert.NotEqual(first.Master.Id, second.Master.Id);
    }
}
