using Drover.Testing;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper.Tests.Support;

namespace Drover.ZooKeeper.Tests;

[Collection(EnsembleCollection.Name)]
public sealed class EnsembleTests(EnsembleFixture fixture)
{
    [Fact]
    public async Task KillingTheConnectedMember_MovesTheClient_WithItsSessionEphemeralsAndWatches()
    {
        var ensemble = fixture.Ensemble;
        await using var client = await StandaloneServerFixture.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = ensemble.ConnectString,
            // Room for a leader election if the member we kill is the leader.
            SessionTimeout = TimeSpan.FromSeconds(12),
        });
        var states = new StateLog(client);
        var path = StandaloneServerFixture.UniquePath("ensemble");
        await client.CreateAsync(path, "x"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Ephemeral);
        var watch = new WatchRecorder();
        await client.GetDataAsync(path, watch.Watcher);
        var sessionId = client.SessionId;
        var first = client.ConnectedServer!;
        var victim = ensemble.ServerAt(first);

        victim.Kill();
        try
        {
            await Eventually.TrueAsync(
                () => client.State == ZooKeeperState.Connected && client.ConnectedServer is { } now && now != first,
                "the client to move to another member", TimeSpan.FromSeconds(30));

            Assert.True(states.Saw(ZooKeeperState.Disconnected), $"states: {states}");
            Assert.Equal(sessionId, client.SessionId);
            Assert.Equal(sessionId, (await client.ExistsAsync(path))?.EphemeralOwner);

            var survivor = ensemble.Servers.First(s => s != victim && s.ClientPort != client.ConnectedServer!.Port);
            await using var other = await StandaloneServerFixture.ConnectAsync(new ZooKeeperClientOptions { ConnectString = survivor.ConnectString });
            await other.SetDataAsync(path, "y"u8.ToArray());
            Assert.Equal(new WatchedEvent(EventType.NodeDataChanged, KeeperState.SyncConnected, path), await watch.NextNodeEventAsync());
        }
        finally
        {
            // Whole again for the next test of this collection.
            await victim.RestartAsync();
        }
    }

    [Fact]
    public async Task WritesThroughOneMember_AreSeenThroughAnother_AfterSync()
    {
        var servers = fixture.Ensemble.Servers;
        await using var writer = await StandaloneServerFixture.ConnectAsync(new ZooKeeperClientOptions { ConnectString = servers[0].ConnectString });
        await using var reader = await StandaloneServerFixture.ConnectAsync(new ZooKeeperClientOptions { ConnectString = servers[2].ConnectString });
        var path = StandaloneServerFixture.UniquePath("replicated");

        await writer.CreateAsync(path, "v"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Persistent);
        await reader.SyncAsync(path);

        Assert.Equal("v"u8.ToArray(), (await reader.GetDataAsync(path)).Data);
        var modes = await Task.WhenAll(servers.Select(s => s.ModeAsync()));
        Assert.Equal(1, modes.Count(m => m == "leader"));
        Assert.Equal(2, modes.Count(m => m == "follower"));
    }
}
