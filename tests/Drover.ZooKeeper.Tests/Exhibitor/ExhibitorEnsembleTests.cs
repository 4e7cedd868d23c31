using Drover.Testing;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper.Tests.Support;

namespace Drover.ZooKeeper.Tests.Exhibitor;

/// <summary>
/// A real three-server ensemble (127.0.0.1-3, one client port) behind a stand-in Exhibitor on the same
/// three addresses, whose list changes while a session is open.
/// </summary>
[Collection(SpreadEnsembleCollection.Name)]
public sealed class ExhibitorEnsembleTests(SpreadEnsembleFixture fixture)
{
    private static readonly TimeSpan Moving = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TheClientFollowsExhibitorsList_WithOneSession_AndKeepsTheLastListWhenExhibitorBreaks()
    {
        var ensemble = fixture.Ensemble;
        var port = ensemble.Servers[0].ClientPort;
        await using var exhibitor = ExhibitorStandIn.Start(ExhibitorAnswer.List(port, "127.0.0.1"), "127.0.0.1", "127.0.0.2", "127.0.0.3");
        var root = StandaloneServerFixture.UniquePath("exhibitor");
        await using var admin = await StandaloneServerFixture.ConnectAsync(new ZooKeeperClientOptions { ConnectString = ensemble.ConnectString });
        await admin.CreateAsync(root, default, Ids.OpenAclUnsafe, CreateMode.Persistent);

        await using var client = await StandaloneServerFixture.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = $"exhibitor:{exhibitor.Url("127.0.0.1")}{root}",
            // Room for a leader election when the member we kill leads.
            SessionTimeout = TimeSpan.FromSeconds(12),
            ExhibitorPollInterval = TimeSpan.FromMilliseconds(100),
        });
        var states = new StateLog(client);
        var changes = new List<IReadOnlyList<ServerAddress>>();
        client.EnsembleChanged += (_, servers) =>
        {
            lock (changes)
            {
                changes.Add(servers);
            }
        };
        Assert.Equal(new ServerAddress("127.0.0.1", port), client.ConnectedServer);
        Assert.Equal(root, client.ChrootPath);
        await client.CreateAsync("/member", "m"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Ephemeral);
        var session = client.SessionId;

        // The list changes under the session: the server it is on is gone from it, so it moves, session and all.
        exhibitor.Answer = ExhibitorAnswer.List(port, "127.0.0.2", "127.0.0.3");
        await Eventually.TrueAsync(
            () => client.State == ZooKeeperState.Connected && client.ConnectedServer?.Host is "127.0.0.2" or "127.0.0.3",
            "the client to move to a server of the new list", Moving);
        Assert.True(states.Saw(ZooKeeperState.Disconnected), $"states: {states}");
        Assert.Equal(session, client.SessionId);
        Assert.Equal(session, (await client.ExistsAsync("/member"))?.EphemeralOwner);
        Assert.Equal(session, (await admin.ExistsAsync(root + "/member"))?.EphemeralOwner);
        Assert.Equal([new("127.0.0.2", port), new("127.0.0.3", port)], client.Servers.OrderBy(s => s.Host));
        await Eventually.TrueAsync(() => HeardOf(changes, 2), "EnsembleChanged with the new list");
        // Curator's way: from now on the Exhibitors beside the listed servers are the ones asked.
        await Eventually.TrueAsync(
            () => exhibitor.RequestsTo("127.0.0.2") + exhibitor.RequestsTo("127.0.0.3") > 0, "a poll of an Exhibitor beside a listed server");

        // Exhibitor breaks: the polls fail, the list stays, the session goes on.
        exhibitor.Answer = ExhibitorAnswer.Json("""{"servers":"127.0.0.1","port":"x"}""");
        await Eventually.TrueAsync(() => client.LastEnsembleError is not null, "a failed poll");
        var failure = Assert.IsType<AggregateException>(client.LastEnsembleError);
        Assert.All(failure.InnerExceptions, e => Assert.Equal(ExhibitorErrorKind.Malformed, Assert.IsType<ExhibitorException>(e).Kind));
        Assert.Equal(2, client.Servers.Count);
        Assert.Equal(ZooKeeperState.Connected, client.State);

        // Losing its server now, the client picks from the last known list: the other listed server,
        // not 127.0.0.1, which is alive but no longer listed.
        var first = client.ConnectedServer!;
        var victim = ensemble.ServerAt(first);
        victim.Kill();
        try
        {
            await Eventually.TrueAsync(
                () => client.State == ZooKeeperState.Connected && client.ConnectedServer is { } now && now != first,
                "the client to move to the other listed server", Moving);
            Assert.NotEqual("127.0.0.1", client.ConnectedServer!.Host);
            Assert.Equal(session, client.SessionId);
            Assert.Equal("m"u8.ToArray(), (await client.GetDataAsync("/member")).Data);
        }
        finally
        {
            // Whole again for the next test of this collection.
            await victim.RestartAsync();
        }
    }

    [Fact]
    public async Task BeforeExhibitorAnswers_TheClientWaits_ThenConnectsToWhatItLists()
    {
        var ensemble = fixture.Ensemble;
        var port = ensemble.Servers[0].ClientPort;
        await using var exhibitor = ExhibitorStandIn.Start(new ExhibitorAnswer(503, "starting"u8.ToArray()));

        var connecting = ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = $"exhibitor:{exhibitor.Url("127.0.0.1")}",
            ExhibitorPollInterval = TimeSpan.FromMilliseconds(50),
        });
        await Eventually.TrueAsync(() => exhibitor.RequestsTo("127.0.0.1") >= 3, "a few polls while Exhibitor refuses");
        Assert.False(connecting.IsCompleted);

        exhibitor.Answer = ExhibitorAnswer.List(port, "127.0.0.3");
        await using var client = await connecting.Within("the session once Exhibitor lists a server", Moving);

        Assert.Equal(new ServerAddress("127.0.0.3", port), client.ConnectedServer);
        Assert.Null(client.LastEnsembleError);
        // The failed polls before the first list were the connection's errors.
        var before = Assert.IsType<AggregateException>(client.LastConnectionError);
        Assert.Equal(ExhibitorErrorKind.HttpStatus, Assert.IsType<ExhibitorException>(Assert.Single(before.InnerExceptions)).Kind);
    }

    private static bool HeardOf(List<IReadOnlyList<ServerAddress>> changes, int count)
    {
        lock (changes)
        {
            return changes.Count > 0 && changes[^1].Count == count;
        }
    }
}
