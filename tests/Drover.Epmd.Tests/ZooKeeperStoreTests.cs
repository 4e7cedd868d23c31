using System.Collections.Immutable;
using System.Text;
using Drover.Epmd.Protocol;
using Drover.Epmd.Tests.Support;
using Drover.Registry;
using Drover.Registry.Epmd;
using Drover.Testing;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Epmd.Tests;

/// <summary>The ZooKeeper-backed store, alone and behind servers, against a real ZooKeeper 3.8.</summary>
[Collection(EpmdZooKeeperCollection.Name)]
public sealed class ZooKeeperStoreTests(ZooKeeperServerFixture zk)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static NodeRegistration Node(string name, ushort port = 5000, string? host = "h1", ushort highest = 6) =>
        new(name, port, EpmdNodeType.Normal, 0, highest, 5, ImmutableArray<byte>.Empty, Host: host);

    private static string Cluster() => $"c{Guid.NewGuid():N}"[..12];

    [Fact]
    public async Task Register_WritesAnEphemeralZnode_WithTheRecord_AndUnregisterDeletesIt()
    {
        var options = zk.Options();
        var cluster = Cluster();
        await using var store = new ZooKeeperEpmdRegistry(options, cluster);
        await using var observer = await zk.ObserverAsync();
        var token = RegistrationToken.New();

        var registered = Assert.IsType<RegistrationResult.Registered>(await store.TryRegisterAsync(Node("riak", 4370), token));

        var path = options.Paths.Cluster(cluster).EpmdEntry("riak");
        var data = await observer.GetDataAsync(path);
        Assert.Equal(store.Session.Current!.SessionId, data.Stat.EphemeralOwner);
        Assert.Equal(registered.Registration, EpmdRecordJson.Parse(data.Data) with { Extra = registered.Registration.Extra });
        Assert.Equal("h1", EpmdRecordJson.Parse(data.Data).Host);
        Assert.False(await store.UnregisterAsync("h1", "riak", RegistrationToken.New()));
        Assert.NotNull(await observer.ExistsAsync(path));
        Assert.True(await store.UnregisterAsync("h1", "riak", token));
        Assert.Null(await observer.ExistsAsync(path));
    }

    [Fact]
    public async Task ANameTakenOnAnyHostOfTheCluster_IsADuplicate_AndLookupsAnswerForAnyHost()
    {
        var options = zk.Options();
        var cluster = Cluster();
        await using var agent1 = new ZooKeeperEpmdRegistry(options, cluster);
        await using var agent2 = new ZooKeeperEpmdRegistry(options, cluster);
        Assert.IsType<RegistrationResult.Registered>(await agent1.TryRegisterAsync(Node("riak", 4370, host: "agent1"), RegistrationToken.New()));

        var duplicate = Assert.IsType<RegistrationResult.Duplicate>(await agent2.TryRegisterAsync(Node("riak", 4371, host: "agent2"), RegistrationToken.New()));
        Assert.Equal(("agent1", (ushort)4370), (duplicate.Existing.Host, duplicate.Existing.Port));
        // The same store refuses it without asking ZooKeeper.
        Assert.IsType<RegistrationResult.Duplicate>(await agent1.TryRegisterAsync(Node("riak", 4372, host: "agent1"), RegistrationToken.New()));
        // Looked up "on" any host, the one registration answers, right after it was made (a cache miss asks ZooKeeper).
        Assert.Equal((ushort)4370, (await agent2.LookupAsync("agent2", "riak"))!.Port);
        Assert.Equal((ushort)4370, (await agent2.LookupAsync(null, "riak"))!.Port);
        Assert.Null(await agent2.LookupAsync("agent1", "nobody"));
        Assert.True(agent2.Statistics.DirectReads >= 1);
        Assert.Equal(EpmdNameScope.Cluster, agent1.NameScope);
    }

    [Fact]
    public async Task ALookupRightAfterARegistrationElsewhere_IsFound_EveryTime()
    {
        var options = zk.Options();
        var cluster = Cluster();
        await using var a = new ZooKeeperEpmdRegistry(options, cluster);
        await using var b = new ZooKeeperEpmdRegistry(options, cluster);
        await a.WaitForCacheAsync().Within("the first read of epmd/", Bound);
        for (var i = 0; i < 30; i++)
        {
            await b.TryRegisterAsync(Node($"n{i}", (ushort)(6000 + i)), RegistrationToken.New());
            Assert.Equal((ushort)(6000 + i), (await a.LookupAsync(null, $"n{i}"))?.Port);
        }
        // And the watched copy catches up: lookups are then answered without ZooKeeper.
        await Eventually.TrueAsync(async () => (await a.ListAsync()).Count == 30, "the copy to hold all 30", Bound);
        var reads = a.Statistics.DirectReads;
        Assert.NotNull(await a.LookupAsync(null, "n0"));
        Assert.Equal(reads, a.Statistics.DirectReads);
        Assert.True(a.Statistics.CacheHits >= 1);
    }

    [Fact]
    public async Task Creation_FollowsOnForANameSeenBefore_HereOrElsewhereInTheCluster()
    {
        var options = zk.Options();
        var cluster = Cluster();
        await using var a = new ZooKeeperEpmdRegistry(options, cluster);
        await using var b = new ZooKeeperEpmdRegistry(options, cluster);
        await a.WaitForCacheAsync().Within("the first read of epmd/", Bound);
        var token = RegistrationToken.New();
        var first = Assert.IsType<RegistrationResult.Registered>(await b.TryRegisterAsync(Node("mover"), token));
        await Eventually.TrueAsync(async () => (await a.ListAsync()).Any(r => r.Name == "mover"), "a to see the node", Bound);
        await b.UnregisterAsync("h1", "mover", token);
        await Eventually.TrueAsync(async () => (await a.ListAsync()).Count == 0, "a to see it leave", Bound);

        var moved = Assert.IsType<RegistrationResult.Registered>(await a.TryRegisterAsync(Node("mover", host: "h2"), RegistrationToken.New()));
        Assert.Equal(first.Creation + 1, moved.Creation);
        // Old nodes get 1..3, as from epmd.
        var old = Assert.IsType<RegistrationResult.Registered>(await a.TryRegisterAsync(Node("old", highest: 5), RegistrationToken.New()));
        Assert.InRange(old.Creation, 1u, 3u);
    }

    [Fact]
    public async Task WithCredentials_ZnodesAreWorldReadable_AndWritableByTheFrameworkOnly()
    {
        var credentials = new DigestCredentials("drover", "secret");
        var options = zk.Options(credentials: credentials);
        var cluster = Cluster();
        await using var store = new ZooKeeperEpmdRegistry(options, cluster);
        await store.TryRegisterAsync(Node("locked"), RegistrationToken.New());
        await using var observer = await zk.ObserverAsync();
        var paths = options.Paths.Cluster(cluster);
        foreach (var path in new[] { paths.Epmd, paths.EpmdEntry("locked") })
        {
            var acl = (await observer.GetAclAsync(path)).Acl;
            Assert.Contains(acl, a => a.Id.Scheme == "world" && a.Perms == Perms.Read);
            Assert.Contains(acl, a => a.Id.Scheme == "digest" && a.Perms == Perms.All);
        }
        await Assert.ThrowsAsync<NoAuthException>(() => observer.DeleteAsync(paths.EpmdEntry("locked")));
        // Anyone may read it: a cEPMD without the digest still resolves the cluster.
        await using var reader = new ZooKeeperEpmdRegistry(zk.Options(framework: options.Framework), cluster);
        Assert.NotNull(await reader.LookupAsync(null, "locked"));
    }

    [Fact]
    public async Task AfterSessionExpiry_TheRegistrationIsWrittenAgain_AndItsConnectionStays()
    {
        var options = zk.Options();
        var cluster = Cluster();
        await using var cepmd = await ZkCepmd.StartAsync(options, cluster);
        using var node = AliveClient.Register(cepmd.EndPoint, AliveClient.Node("phoenix", 4444));
        Assert.True(node.Registered);
        await using var observer = await zk.ObserverAsync();
        var path = options.Paths.Cluster(cluster).EpmdEntry("phoenix");
        var first = cepmd.Registry.Session.Current!;
        Assert.Equal(first.SessionId, (await observer.ExistsAsync(path))!.EphemeralOwner);

        await zk.ExpireAsync(first);

        await Eventually.TrueAsync(async () =>
            cepmd.Registry.Session.Current is { } current && current != first
            && (await observer.ExistsAsync(path))?.EphemeralOwner == current.SessionId,
            "the registration to be written in the new session", Bound);
        Assert.Equal(1, cepmd.Registry.Statistics.Reregistrations);
        Assert.False(node.WaitClosedByServer(TimeSpan.FromMilliseconds(200)), "the node stays registered");
        Assert.Equal(new byte[] { 119, 0, 0x11, 0x5c }, RawClient.PortPlease(cepmd.EndPoint, "phoenix")[..4]);
    }

    [Fact]
    public async Task ANameTakenWhileTheSessionWasGone_IsLost_ItsConnectionClosed_AndTheNewHolderKept()
    {
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        var options = zk.Options(proxy.ConnectString, sessionTimeout: TimeSpan.FromSeconds(2));
        var cluster = Cluster();
        await using var cepmd = await ZkCepmd.StartAsync(options, cluster);
        using var node = AliveClient.Register(cepmd.EndPoint, AliveClient.Node("contested", 4444));
        Assert.True(node.Registered);
        await using var observer = await zk.ObserverAsync();
        var path = options.Paths.Cluster(cluster).EpmdEntry("contested");

        proxy.Pause();
        await Eventually.TrueAsync(async () => await observer.ExistsAsync(path) is null, "the partitioned session to expire", Bound);
        await using var other = new ZooKeeperEpmdRegistry(zk.Options(framework: options.Framework), cluster);
        Assert.IsType<RegistrationResult.Registered>(await other.TryRegisterAsync(Node("contested", 5555, host: "agent2"), RegistrationToken.New()));
        var holder = other.Session.Current!.SessionId;
        proxy.Resume();

        Assert.True(node.WaitClosedByServer(Bound), "the server closed the lost registration's connection");
        await Eventually.TrueAsync(() => cepmd.Server.Counters.RegistrationsLost == 1 && cepmd.Server.Counters.ActiveRegistrations == 0, "the loss to be counted", Bound);
        Assert.Equal(1, cepmd.Registry.Statistics.Lost);
        // Our unregister (by token) left the new holder's znode alone.
        Assert.Equal(holder, (await observer.ExistsAsync(path))!.EphemeralOwner);
        Assert.Equal((ushort)5555, (await cepmd.Registry.LookupAsync("127.0.0.1", "contested"))!.Port);
    }

    [Fact]
    public async Task NamesAndDump_ListTheServersOwnHost_OrTheWholeClusterWithoutAHost()
    {
        var options = zk.Options();
        var cluster = Cluster();
        await using var agent1 = await ZkCepmd.StartAsync(options, cluster, host: "agent1");
        await using var agent2 = await ZkCepmd.StartAsync(options, cluster, host: "agent2");
        await using var operatorMachine = await ZkCepmd.StartAsync(options, cluster, host: null);
        using var one = AliveClient.Register(agent1.EndPoint, AliveClient.Node("one", 1111));
        using var two = AliveClient.Register(agent2.EndPoint, AliveClient.Node("two", 2222));
        await operatorMachine.Registry.WaitForCacheAsync().Within("the first read of epmd/", Bound);

        await Eventually.TrueAsync(() => NamesOf(operatorMachine) is "name two at port 2222\nname one at port 1111\n" or "name one at port 1111\nname two at port 2222\n",
            "the operator's cEPMD to list the whole cluster", Bound);
        await Eventually.TrueAsync(() => NamesOf(agent1) == "name one at port 1111\n", "agent1 to list its own node only", Bound);
        Assert.Contains("active name     <one> at port 1111", Encoding.ASCII.GetString(RawClient.Dump(agent1.EndPoint)), StringComparison.Ordinal);
        Assert.DoesNotContain("two", Encoding.ASCII.GetString(RawClient.Dump(agent1.EndPoint)), StringComparison.Ordinal);
        // PORT_PLEASE2 answers for a node of any host of the cluster.
        Assert.Equal(new byte[] { 119, 0, 0x08, 0xae }, RawClient.PortPlease(agent1.EndPoint, "two")[..4]);
        Assert.Equal(new byte[] { 119, 0, 0x04, 0x57 }, RawClient.PortPlease(operatorMachine.EndPoint, "one")[..4]);
        // A name held on agent1 is refused on agent2.
        using var clash = AliveClient.Register(agent2.EndPoint, AliveClient.Node("one", 3333));
        Assert.False(clash.Registered);
    }

    private static string NamesOf(ZkCepmd cepmd) => Encoding.ASCII.GetString(RawClient.Names(cepmd.EndPoint)[4..]);

    [Fact]
    public async Task ZooKeeperUnreachable_ClosesTheAskingConnection_AndTheServerKeepsServing()
    {
        var options = zk.Options($"127.0.0.1:{FreePort.Next()}");
        await using var cepmd = await ZkCepmd.StartAsync(options, Cluster(), operationTimeout: TimeSpan.FromMilliseconds(300));
        Assert.True(RawClient.Exchange(cepmd.EndPoint, RawClient.Frame([EpmdTags.PortPlease2Request, .. "ghost"u8])).IsEmptyClose);
        using var node = AliveClient.Register(cepmd.EndPoint, AliveClient.Node("stranded", 4444));
        Assert.Empty(node.Reply);
        Assert.True(cepmd.Server.Counters.RegistryFailures >= 2);
        Assert.Equal(0, cepmd.Registry.Count);
        // NAMES needs no ZooKeeper round trip: it lists the (empty) copy.
        Assert.Equal(4, RawClient.Names(cepmd.EndPoint).Length);
    }

    [Fact]
    public async Task AnyBytes_ToAZooKeeperBackedServer_EndInACloseAndItKeepsServing()
    {
        var options = zk.Options();
        await using var cepmd = await ZkCepmd.StartAsync(options, Cluster());
        using var holder = AliveClient.Register(cepmd.EndPoint, AliveClient.Node("holder", 4369));
        var expected = RawClient.PortPlease(cepmd.EndPoint, "holder");
        Assert.Equal(new byte[] { 119, 0 }, expected[..2]);
        var garbage = Gen.Frequency(
            (3, Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>())),
            (2, Gen.Choose(1, 200).SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n))
                .SelectMany(body => Gen.Elements<byte>(100, 110, 120, 122).Select(tag => RawClient.Frame([tag, .. body])))),
            (1, Gen.Choose(EpmdLimits.MaxRequestLength - 2, ushort.MaxValue).Select(n => new byte[] { (byte)(n >> 8), (byte)n, 1, 2, 3 })));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll(garbage.ToArbitrary(), Gen.Choose(1, 16).ToArbitrary(), (bytes, segment) =>
        {
            var reply = RawClient.Exchange(cepmd.EndPoint, bytes, segment, halfClose: true);
            return reply.ClosedByServer && RawClient.PortPlease(cepmd.EndPoint, "holder").AsSpan().SequenceEqual(expected);
        }));
        // Random ALIVE2 bodies may have registered odd names; each went with its connection.
        await Eventually.TrueAsync(() => cepmd.Server.Counters.ActiveConnections == 1 && cepmd.Registry.Count == 1, "only the holder to be left", Bound);
    }
}
