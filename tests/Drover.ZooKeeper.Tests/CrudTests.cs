using System.Text;
using Drover.Testing;
using Drover.ZooKeeper.Tests.Support;

namespace Drover.ZooKeeper.Tests;

[Collection(ServerCollection.Name)]
public sealed class CrudTests(StandaloneServerFixture fixture)
{
    [Fact]
    public async Task CreateReadUpdateDelete_WithVersions_FollowsZooKeeperSemantics()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("crud");

        var created = await client.CreateWithStatAsync(path, "v0"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Persistent);
        Assert.Equal(path, created.Path);
        Assert.Equal(0, created.Stat.Version);

        var read = await client.GetDataAsync(path);
        Assert.Equal("v0", Encoding.UTF8.GetString(read.Data));
        Assert.Equal(2, read.Stat.DataLength);
        Assert.Equal(0, read.Stat.EphemeralOwner);

        var updated = await client.SetDataAsync(path, "v1"u8.ToArray(), version: 0);
        Assert.Equal(1, updated.Version);
        await Assert.ThrowsAsync<BadVersionException>(() => client.SetDataAsync(path, "stale"u8.ToArray(), version: 0));
        Assert.Equal("v1", Encoding.UTF8.GetString((await client.GetDataAsync(path)).Data));

        var anyVersion = await client.SetDataAsync(path, "v2"u8.ToArray());
        Assert.Equal(2, anyVersion.Version);

        var badDelete = await Assert.ThrowsAsync<BadVersionException>(() => client.DeleteAsync(path, version: 1));
        Assert.Equal(KeeperErrorCode.BadVersion, badDelete.Code);
        Assert.Equal(path, badDelete.Path);
        await client.DeleteAsync(path, version: 2);

        Assert.Null(await client.ExistsAsync(path));
        await Assert.ThrowsAsync<NoNodeException>(() => client.GetDataAsync(path));
        await Assert.ThrowsAsync<NoNodeException>(() => client.DeleteAsync(path));
        await Assert.ThrowsAsync<NoNodeException>(() => client.SetDataAsync(path, "x"u8.ToArray()));
    }

    [Fact]
    public async Task Create_ExistingNode_ThrowsNodeExists_AndMissingParent_ThrowsNoNode()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("exists");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);

        await Assert.ThrowsAsync<NodeExistsException>(() => client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent));
        await Assert.ThrowsAsync<NoNodeException>(() => client.CreateAsync(path + "/missing/child", default, Ids.OpenAclUnsafe, CreateMode.Persistent));
    }

    [Fact]
    public async Task GetChildren_ReturnsNamesAndStat_AndDeleteOfParentWithChildren_ThrowsNotEmpty()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("children");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        await client.CreateAsync(path + "/a", default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        await client.CreateAsync(path + "/b", default, Ids.OpenAclUnsafe, CreateMode.Ephemeral);

        var children = await client.GetChildrenAsync(path);
        Assert.Equal(["a", "b"], children.Children.Order(StringComparer.Ordinal));
        Assert.Equal(2, children.Stat.NumChildren);
        Assert.Equal(2, children.Stat.Cversion);

        await Assert.ThrowsAsync<NotEmptyException>(() => client.DeleteAsync(path));
        await Assert.ThrowsAsync<NoChildrenForEphemeralsException>(
            () => client.CreateAsync(path + "/b/c", default, Ids.OpenAclUnsafe, CreateMode.Persistent));
    }

    [Fact]
    public async Task Sequential_AppendsTenDigitCounter_InCreationOrder()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("seq");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);

        var first = await client.CreateAsync(path + "/member_", default, Ids.OpenAclUnsafe, CreateMode.EphemeralSequential);
        var second = await client.CreateAsync(path + "/member_", default, Ids.OpenAclUnsafe, CreateMode.PersistentSequential);
        var bare = await client.CreateAsync(path + "/", default, Ids.OpenAclUnsafe, CreateMode.PersistentSequential);

        Assert.Equal(path + "/member_0000000000", first);
        Assert.Equal(path + "/member_0000000001", second);
        Assert.Equal(path + "/0000000002", bare);
        Assert.Equal(client.SessionId, (await client.ExistsAsync(first))!.EphemeralOwner);
    }

    [Fact]
    public async Task Container_IsDeletedByTheServer_AfterItsLastChildGoes()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("container");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Container);
        await client.CreateAsync(path + "/child", default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        Assert.NotNull(await client.ExistsAsync(path));

        await client.DeleteAsync(path + "/child");

        await Eventually.TrueAsync(async () => await client.ExistsAsync(path) is null, "the empty container to be removed");
    }

    [Fact]
    public async Task Data_NullEmptyAndLarge_RoundTrip()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("data");
        await client.CreateAsync(path, ReadOnlyMemory<byte>.Empty, Ids.OpenAclUnsafe, CreateMode.Persistent);
        Assert.Empty((await client.GetDataAsync(path)).Data);

        var large = new byte[512 * 1024];
        new Random(42).NextBytes(large);
        await client.SetDataAsync(path, large);
        var read = await client.GetDataAsync(path);
        Assert.Equal(large, read.Data);
        Assert.Equal(large.Length, read.Stat.DataLength);
    }

    [Fact]
    public async Task Request_LargerThanMaxPacketSize_FailsClearly_WithoutLosingTheConnection()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("big");
        var sessionId = client.SessionId;

        var error = await Assert.ThrowsAsync<MarshallingErrorException>(
            () => client.CreateAsync(path, new byte[ZooKeeperClientOptions.DefaultMaxPacketSize], Ids.OpenAclUnsafe, CreateMode.Persistent));
        Assert.Contains("max packet size of 1048575 bytes", error.Message, StringComparison.Ordinal);

        await client.CreateAsync(path, "fine"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Persistent);
        Assert.Equal(ZooKeeperState.Connected, client.State);
        Assert.Equal(sessionId, client.SessionId);
    }

    [Fact]
    public async Task Sync_Completes_AndInvalidPaths_AreRefusedBeforeSending()
    {
        await using var client = await fixture.ConnectAsync();
        await client.SyncAsync("/");

        Assert.Throws<ArgumentException>(() => { _ = client.GetDataAsync("relative"); });
        Assert.Throws<ArgumentException>(() => { _ = client.GetDataAsync("/trailing/"); });
        Assert.Throws<ArgumentException>(() => { _ = client.GetDataAsync("/a//b"); });
        Assert.Throws<ArgumentException>(() => { _ = client.GetDataAsync("/a/../b"); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = client.CreateAsync("/a", default, Ids.OpenAclUnsafe, (CreateMode)5); });
    }

    [Fact]
    public async Task PipelinedRequests_CompleteInOrder()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("pipeline");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);

        var order = new List<int>();
        var writes = Enumerable.Range(1, 200).Select(i => client.SetDataAsync(path, BitConverter.GetBytes(i)).ContinueWith(
            t =>
            {
                lock (order)
                {
                    order.Add(t.Result.Version);
                }
            },
            TaskScheduler.Default)).ToList();
        await Task.WhenAll(writes);

        Assert.Equal(Enumerable.Range(1, 200), order.Order());
        var final = await client.GetDataAsync(path);
        Assert.Equal(200, final.Stat.Version);
        Assert.Equal(200, BitConverter.ToInt32(final.Data));
    }

    [Fact]
    public async Task CancelledRequest_IsCancelled_AndLaterRequestsStillWork()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("cancel");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetDataAsync(path, cancellationToken: cancelled.Token));

        // Cancel while in flight: the reply is read and dropped, and the stream stays in sync.
        using var racing = new CancellationTokenSource();
        var inFlight = Enumerable.Range(0, 50).Select(_ => client.GetDataAsync(path, cancellationToken: racing.Token)).ToList();
        await racing.CancelAsync();
        foreach (var task in inFlight)
        {
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
            }
        }
        Assert.Equal(1, (await client.SetDataAsync(path, "after"u8.ToArray())).Version);
        Assert.Equal("after", Encoding.UTF8.GetString((await client.GetDataAsync(path)).Data));
        Assert.Equal(ZooKeeperState.Connected, client.State);
    }
}
