using Drover.Testing;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper.Tests.Support;

namespace Drover.ZooKeeper.Tests;

/// <summary>
/// Each watch kind fires exactly once. "Once" is checked without waiting for time to pass: ZooKeeper
/// delivers a watch event before the reply to any later request of the same client, so once a later
/// read has returned, any second event would already have been recorded.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class WatchTests(StandaloneServerFixture fixture)
{
    [Fact]
    public async Task DataWatch_FiresOnceOnChange()
    {
        await using var watching = await fixture.ConnectAsync();
        await using var writer = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("data-watch");
        await writer.CreateAsync(path, "0"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Persistent);
        var recorder = new WatchRecorder();

        await watching.GetDataAsync(path, recorder.Watcher);
        await writer.SetDataAsync(path, "1"u8.ToArray());

        Assert.Equal(new WatchedEvent(EventType.NodeDataChanged, KeeperState.SyncConnected, path), await recorder.NextNodeEventAsync());
        await writer.SetDataAsync(path, "2"u8.ToArray());
        await watching.SyncAsync(path);
        await watching.GetDataAsync(path);
        Assert.Single(recorder.NodeEvents);
    }

    [Fact]
    public async Task DataWatch_FiresOnDelete()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("data-watch-delete");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        var recorder = new WatchRecorder();

        await client.GetDataAsync(path, recorder.Watcher);
        await client.DeleteAsync(path);

        Assert.Equal(EventType.NodeDeleted, (await recorder.NextNodeEventAsync()).Type);
    }

    [Fact]
    public async Task ExistWatch_OnMissingNode_FiresOnceOnCreate()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("exist-watch");
        var recorder = new WatchRecorder();

        Assert.Null(await client.ExistsAsync(path, recorder.Watcher));
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);

        Assert.Equal(new WatchedEvent(EventType.NodeCreated, KeeperState.SyncConnected, path), await recorder.NextNodeEventAsync());
        await client.SetDataAsync(path, "changed"u8.ToArray());
        await client.DeleteAsync(path);
        await client.ExistsAsync(path);
        Assert.Single(recorder.NodeEvents);
    }

    [Fact]
    public async Task ExistWatch_OnExistingNode_FiresOnChange()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("exist-watch-existing");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        var recorder = new WatchRecorder();

        Assert.NotNull(await client.ExistsAsync(path, recorder.Watcher));
        await client.SetDataAsync(path, "x"u8.ToArray());

        Assert.Equal(EventType.NodeDataChanged, (await recorder.NextNodeEventAsync()).Type);
    }

    [Fact]
    public async Task ChildWatch_FiresOnceOnChildChange_AndOnDeleteOfTheNode()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("child-watch");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        var recorder = new WatchRecorder();

        await client.GetChildrenAsync(path, recorder.Watcher);
        await client.SetDataAsync(path, "data changes do not fire child watches"u8.ToArray());
        await client.CreateAsync(path + "/kid", default, Ids.OpenAclUnsafe, CreateMode.Ephemeral);

        Assert.Equal(new WatchedEvent(EventType.NodeChildrenChanged, KeeperState.SyncConnected, path), await recorder.NextNodeEventAsync());
        await client.DeleteAsync(path + "/kid");
        await client.GetChildrenAsync(path);
        Assert.Single(recorder.NodeEvents);

        var again = new WatchRecorder();
        await client.GetChildrenAsync(path, again.Watcher);
        await client.DeleteAsync(path);
        Assert.Equal(EventType.NodeDeleted, (await again.NextNodeEventAsync()).Type);
    }

    [Fact]
    public async Task SameWatcherOnSamePath_IsOneWatch_DifferentWatchersEachFire()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("watchers");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        var first = new WatchRecorder();
        var second = new WatchRecorder();

        await client.GetDataAsync(path, first.Watcher);
        await client.ExistsAsync(path, first.Watcher);
        await client.GetDataAsync(path, second.Watcher);
        await client.SetDataAsync(path, "x"u8.ToArray());
        await client.GetDataAsync(path);

        Assert.Single(first.NodeEvents);
        Assert.Single(second.NodeEvents);
    }

    [Fact]
    public async Task DefaultWatcher_GetsSessionEvents_AndWatchTrueEvents()
    {
        var recorder = new WatchRecorder();
        await using var client = await fixture.ConnectAsync(defaultWatcher: recorder.Watcher);
        var path = StandaloneServerFixture.UniquePath("default-watcher");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);

        await client.GetDataAsync(path, watch: true);
        await client.DeleteAsync(path);

        Assert.Equal(new WatchedEvent(EventType.NodeDeleted, KeeperState.SyncConnected, path), await recorder.NextNodeEventAsync());
        Assert.Equal(KeeperState.SyncConnected, recorder.States[0]);
    }

    [Fact]
    public async Task ThrowingWatcher_IsReported_AndLaterEventsStillArrive()
    {
        await using var client = await fixture.ConnectAsync();
        var failures = new List<Exception>();
        client.CallbackFailed += (_, e) =>
        {
            lock (failures)
            {
                failures.Add(e);
            }
        };
        var path = StandaloneServerFixture.UniquePath("throwing");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        var recorder = new WatchRecorder();

        await client.GetDataAsync(path, _ => throw new InvalidOperationException("watcher bug"));
        await client.ExistsAsync(path, recorder.Watcher);
        await client.SetDataAsync(path, "x"u8.ToArray());

        Assert.Equal(EventType.NodeDataChanged, (await recorder.NextNodeEventAsync()).Type);
        await Eventually.TrueAsync(
            () =>
            {
                lock (failures)
                {
                    return failures.Count == 1;
                }
            },
            "the watcher's exception to be reported");
        lock (failures)
        {
            Assert.Equal("watcher bug", Assert.Single(failures).Message);
        }
    }

    [Fact]
    public async Task WatchEvent_IsDeliveredBeforeTheReplyThatShowsTheChange()
    {
        await using var watching = await fixture.ConnectAsync();
        await using var writer = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("ordering");
        await writer.CreateAsync(path, "0"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Persistent);
        for (var round = 1; round <= 20; round++)
        {
            var recorder = new WatchRecorder();
            await watching.GetDataAsync(path, recorder.Watcher);
            await writer.SetDataAsync(path, BitConverter.GetBytes(round));
            // Poll until this client reads the new data: the watch event must already be there.
            DataResult read;
            do
            {
                read = await watching.GetDataAsync(path);
            }
            while (read.Stat.Version < round);
            Assert.Single(recorder.NodeEvents);
        }
    }
}
