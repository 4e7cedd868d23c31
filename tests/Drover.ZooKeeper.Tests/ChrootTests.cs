using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper.Tests.Support;

namespace Drover.ZooKeeper.Tests;

[Collection(ServerCollection.Name)]
public sealed class ChrootTests(StandaloneServerFixture fixture)
{
    [Fact]
    public async Task Chroot_PrefixesRequests_AndStripsCreatedPathsAndWatchEvents()
    {
        await using var root = await fixture.ConnectAsync();
        var chroot = StandaloneServerFixture.UniquePath("chroot");
        await root.CreateAsync(chroot, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        await using var client = await fixture.ConnectAsync(fixture.Server.ConnectString + chroot);
        Assert.Equal(chroot, client.ChrootPath);

        var created = await client.CreateAsync("/app", "x"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Persistent);
        var sequential = await client.CreateAsync("/app/n-", default, Ids.OpenAclUnsafe, CreateMode.EphemeralSequential);
        var fromMulti = await client.MultiAsync([Op.Create("/app/m-", default, Ids.OpenAclUnsafe, CreateMode.PersistentSequential)]);

        Assert.Equal("/app", created);
        Assert.Equal("/app/n-0000000000", sequential);
        Assert.Equal("/app/m-0000000001", Assert.IsType<OpResult.Create>(Assert.Single(fromMulti)).Path);
        Assert.NotNull(await root.ExistsAsync(chroot + "/app/n-0000000000"));
        Assert.Equal(["app"], (await client.GetChildrenAsync("/")).Children);

        var recorder = new WatchRecorder();
        await client.GetDataAsync("/app", recorder.Watcher);
        await root.SetDataAsync(chroot + "/app", "y"u8.ToArray());
        Assert.Equal(new WatchedEvent(EventType.NodeDataChanged, KeeperState.SyncConnected, "/app"), await recorder.NextNodeEventAsync());

        var rootWatch = new WatchRecorder();
        await client.GetChildrenAsync("/", rootWatch.Watcher);
        await root.CreateAsync(chroot + "/other", default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        Assert.Equal(new WatchedEvent(EventType.NodeChildrenChanged, KeeperState.SyncConnected, "/"), await rootWatch.NextNodeEventAsync());
    }
}
