using Drover.ZooKeeper.Tests.Support;

namespace Drover.ZooKeeper.Tests;

[Collection(ServerCollection.Name)]
public sealed class MultiTests(StandaloneServerFixture fixture)
{
    [Fact]
    public async Task Multi_AppliesAllOperations_AndReturnsTheirResults()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("multi");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        await client.CreateAsync(path + "/old", default, Ids.OpenAclUnsafe, CreateMode.Persistent);

        var results = await client.MultiAsync(
        [
            Op.Check(path, 0),
            Op.Create(path + "/seq-", "a"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.PersistentSequential),
            Op.SetData(path, "b"u8.ToArray(), 0),
            Op.Delete(path + "/old", 0),
        ]);

        Assert.Collection(results,
            r => Assert.IsType<OpResult.Check>(r),
            r => Assert.Equal(path + "/seq-0000000001", Assert.IsType<OpResult.Create>(r).Path),
            r => Assert.Equal(1, Assert.IsType<OpResult.SetData>(r).Stat.Version),
            r => Assert.IsType<OpResult.Delete>(r));
        Assert.Null(await client.ExistsAsync(path + "/old"));
        Assert.Equal("b"u8.ToArray(), (await client.GetDataAsync(path)).Data);
    }

    [Fact]
    public async Task Multi_WithOneFailingOperation_RollsBackAsAWhole()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("multi-fail");
        await client.CreateAsync(path, "before"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Persistent);

        var error = await Assert.ThrowsAsync<BadVersionException>(() => client.MultiAsync(
        [
            Op.Create(path + "/a", default, Ids.OpenAclUnsafe, CreateMode.Persistent),
            Op.SetData(path, "after"u8.ToArray(), -1),
            Op.Check(path, 42),
            Op.Delete(path + "/missing", -1),
        ]));

        Assert.Equal(path, error.Path);
        Assert.Equal(
            [
                new OpResult.Error(KeeperErrorCode.Ok),
                new OpResult.Error(KeeperErrorCode.Ok),
                new OpResult.Error(KeeperErrorCode.BadVersion),
                new OpResult.Error(KeeperErrorCode.RuntimeInconsistency),
            ],
            error.MultiResults);
        Assert.Null(await client.ExistsAsync(path + "/a"));
        var data = await client.GetDataAsync(path);
        Assert.Equal("before"u8.ToArray(), data.Data);
        Assert.Equal(0, data.Stat.Version);
    }

    [Fact]
    public async Task Multi_Empty_ReturnsNoResults()
    {
        await using var client = await fixture.ConnectAsync();
        Assert.Empty(await client.MultiAsync([]));
    }
}
