using System.Diagnostics;
using Drover.Testing;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper.Tests.Support;

namespace Drover.ZooKeeper.Tests;

/// <summary>Session lifetime against a real server: ephemerals, reconnection, restart, expiry.</summary>
[Collection(SessionCollection.Name)]
public sealed class SessionTests(StandaloneServerFixture fixture)
{
    private static readonly TimeSpan ShortSession = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Connect_NegotiatesTheSessionTimeout_WithinTheServersBounds()
    {
        await using var asked = await fixture.ConnectAsync(sessionTimeout: TimeSpan.FromSeconds(3));
        await using var tooShort = await fixture.ConnectAsync(sessionTimeout: TimeSpan.FromMilliseconds(50));

        Assert.Equal(TimeSpan.FromSeconds(3), asked.SessionTimeout);
        // minSessionTimeout defaults to two ticks.
        Assert.Equal(TimeSpan.FromMilliseconds(2 * ZooKeeperServer.TickTimeMs), tooShort.SessionTimeout);
        Assert.NotEqual(0, asked.SessionId);
        Assert.NotEqual(asked.SessionId, tooShort.SessionId);
    }

    [Fact]
    public async Task Ephemeral_VanishesAtOnce_AfterACleanClose()
    {
        await using var observer = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("ephemeral-close");
        var owner = await fixture.ConnectAsync(sessionTimeout: TimeSpan.FromSeconds(30));
        await owner.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Ephemeral);
        var watch = new WatchRecorder();
        Assert.NotNull(await observer.ExistsAsync(path, watch.Watcher));

        await owner.CloseAsync();

        // Long before the 30 s session timeout: closeSession ended the session.
        Assert.Equal(EventType.NodeDeleted, (await watch.NextNodeEventAsync(TimeSpan.FromSeconds(10))).Type);
        Assert.Null(await observer.ExistsAsync(path));
        Assert.Equal(ZooKeeperState.Closed, owner.State);
        await Assert.ThrowsAsync<SessionExpiredException>(() => owner.GetDataAsync("/"));
    }

    [Fact]
    public async Task Ephemeral_VanishesWithinTheSessionTimeout_AfterItsProcessIsKilled()
    {
        await using var observer = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("ephemeral-sigkill");
        var (child, sessionId) = await EphemeralOwnerProgram.StartAsync(fixture.Server.ConnectString, path, ShortSession);
        await using (child)
        {
            var stat = await observer.ExistsAsync(path);
            Assert.Equal(sessionId, stat?.EphemeralOwner);

            await child.KillAsync(); // SIGKILL: no closeSession, the socket just dies with the process
            var killedAt = Stopwatch.StartNew();

            // The server keeps the session until its timeout passes...
            Assert.NotNull(await observer.ExistsAsync(path));
            // ...and then deletes the ephemeral (expiry runs on tick boundaries: allow a little slack).
            await Eventually.TrueAsync(async () => await observer.ExistsAsync(path) is null, "the ephemeral node to vanish", ShortSession * 3);
            Assert.True(killedAt.Elapsed < ShortSession + TimeSpan.FromSeconds(2), $"vanished after {killedAt.Elapsed}");
        }
    }

    [Fact]
    public async Task ServerRestart_KeepsTheSession_ItsEphemerals_AndItsWatches()
    {
        // The restarted server gives the session a fresh timeout; it must outlast a JVM start on a loaded machine.
        await using var client = await fixture.ConnectAsync(sessionTimeout: TimeSpan.FromSeconds(30));
        var states = new StateLog(client);
        var path = StandaloneServerFixture.UniquePath("restart");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Ephemeral);
        var dataWatch = new WatchRecorder();
        var existWatch = new WatchRecorder();
        await client.GetDataAsync(path, dataWatch.Watcher);
        await client.ExistsAsync(path + "-later", existWatch.Watcher);
        var sessionId = client.SessionId;

        await fixture.Server.RestartAsync();
        try
        {
            await client.WaitForStateAsync(ZooKeeperState.Connected).Within("the client to reconnect");
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"no reconnection: states {states}; last error: {client.LastConnectionError}\n{fixture.Server.LogTail()}", e);
        }
        await Eventually.TrueAsync(() => client.State == ZooKeeperState.Connected && states.Saw(ZooKeeperState.Disconnected), "a disconnection and reconnection");

        Assert.Equal(sessionId, client.SessionId);
        Assert.Equal(sessionId, (await client.ExistsAsync(path))?.EphemeralOwner);
        // Disconnected, then SyncConnected (a server still starting up may drop a first reconnection: more
        // pairs are legitimate); never Expired.
        var seen = string.Join(", ", dataWatch.States);
        Assert.True(dataWatch.States is [KeeperState.Disconnected, .., KeeperState.SyncConnected], $"watcher saw: {seen}; last error: {client.LastConnectionError}");
        Assert.DoesNotContain(KeeperState.Expired, dataWatch.States);

        // The watches were re-registered with SetWatches: changes made after the restart fire them.
        await using var other = await fixture.ConnectAsync();
        await other.SetDataAsync(path, "changed"u8.ToArray());
        await other.CreateAsync(path + "-later", default, Ids.OpenAclUnsafe, CreateMode.Ephemeral);
        Assert.Equal(new WatchedEvent(EventType.NodeDataChanged, KeeperState.SyncConnected, path), await dataWatch.NextNodeEventAsync());
        Assert.Equal(new WatchedEvent(EventType.NodeCreated, KeeperState.SyncConnected, path + "-later"), await existWatch.NextNodeEventAsync());
    }

    [Fact]
    public async Task ChangesMadeWhileDisconnected_FireTheWatches_OnReconnection()
    {
        await using var proxy = new TcpProxy(fixture.Server.ClientPort);
        await using var client = await fixture.ConnectAsync(proxy.ConnectString, TimeSpan.FromSeconds(10));
        await using var other = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("offline");
        await other.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        var data = new WatchRecorder();
        var exist = new WatchRecorder();
        var child = new WatchRecorder();
        await client.GetDataAsync(path, data.Watcher);
        await client.ExistsAsync(path + "/new", exist.Watcher);
        await client.GetChildrenAsync(path, child.Watcher);

        proxy.Pause();
        await client.WaitForStateAsync(ZooKeeperState.Disconnected).Within("the client to notice the partition");
        var pending = client.GetDataAsync(path);
        await other.SetDataAsync(path, "while away"u8.ToArray());
        await other.CreateAsync(path + "/new", default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        proxy.Resume();

        // SetWatches carries the last zxid the client saw; the server fires what changed after it.
        Assert.Equal(EventType.NodeDataChanged, (await data.NextNodeEventAsync()).Type);
        Assert.Equal(EventType.NodeCreated, (await exist.NextNodeEventAsync()).Type);
        Assert.Equal(EventType.NodeChildrenChanged, (await child.NextNodeEventAsync()).Type);
        await client.WaitForStateAsync(ZooKeeperState.Connected);
        // A request made while disconnected either waited for the new connection or failed as a connection loss.
        try
        {
            await pending;
        }
        catch (ConnectionLossException)
        {
        }
    }

    [Fact]
    public async Task PartitionLongerThanTheTimeout_SurfacesExpired_AndAFreshSessionCanBeMade()
    {
        await using var proxy = new TcpProxy(fixture.Server.ClientPort);
        var options = new ZooKeeperClientOptions { ConnectString = proxy.ConnectString, SessionTimeout = ShortSession };
        await using var client = await StandaloneServerFixture.ConnectAsync(options);
        await using var observer = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("expire-partition");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Ephemeral);
        var watch = new WatchRecorder();
        await client.GetDataAsync(path, watch.Watcher);

        proxy.Pause();
        await Eventually.TrueAsync(async () => await observer.ExistsAsync(path) is null, "the server to expire the partitioned session");
        proxy.Resume();

        await client.WaitForStateAsync(ZooKeeperState.Expired).Within("the client to learn of the expiry");
        Assert.Equal(KeeperState.Expired, watch.States[^1]);
        Assert.Empty(watch.NodeEvents);
        await Assert.ThrowsAsync<SessionExpiredException>(() => client.GetDataAsync(path));
        await Assert.ThrowsAsync<SessionExpiredException>(() => client.WaitForStateAsync(ZooKeeperState.Connected));

        await using var fresh = await StandaloneServerFixture.ConnectAsync(options);
        Assert.NotEqual(client.SessionId, fresh.SessionId);
        await fresh.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Ephemeral);
    }

    [Fact]
    public async Task SessionClosedByAnotherClientWithItsIdAndPassword_SurfacesExpired()
    {
        var recorder = new WatchRecorder();
        await using var client = await fixture.ConnectAsync(sessionTimeout: TimeSpan.FromSeconds(10), defaultWatcher: recorder.Watcher);
        var path = StandaloneServerFixture.UniquePath("expire-forced");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Ephemeral);

        var impostor = await StandaloneServerFixture.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = fixture.Server.ConnectString,
            SessionTimeout = TimeSpan.FromSeconds(10),
            SessionId = client.SessionId,
            SessionPassword = client.SessionPassword,
        });
        Assert.Equal(client.SessionId, impostor.SessionId);
        await impostor.CloseAsync();

        await client.WaitForStateAsync(ZooKeeperState.Expired).Within("the client to learn of the expiry");
        Assert.Contains(KeeperState.Expired, recorder.States);
        await using var observer = await fixture.ConnectAsync();
        Assert.Null(await observer.ExistsAsync(path));
    }

    [Fact]
    public async Task ResumingWithTheWrongPassword_ThrowsSessionExpired()
    {
        await using var client = await fixture.ConnectAsync();
        var sessionId = client.SessionId;
        var wrong = client.SessionPassword;
        wrong[0] ^= 0xff;

        await Assert.ThrowsAsync<SessionExpiredException>(() => ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = fixture.Server.ConnectString,
            SessionId = client.SessionId,
            SessionPassword = wrong,
        }).Within("the server's answer"));

        // The server drops the owner's connection on any attempt to reattach its session (before it
        // checks the password); the owner reconnects with the right password and keeps its session.
        await Eventually.TrueAsync(async () => client.State == ZooKeeperState.Connected && await client.ExistsAsync("/") is not null, "the owner to be connected");
        Assert.Equal(sessionId, client.SessionId);
    }
}
