using System.Collections.Concurrent;
using System.Text.Json;
using Drover.Registry.Tests.Support;
using Drover.Testing;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper;

namespace Drover.Registry.Tests;

/// <summary>Registration against a real ZooKeeper 3.8: both formats, updates, expiry, lost replies, ACLs.</summary>
[Collection(RegistryCollection.Name)]
public sealed class NodeRegistryTests(ZooKeeperServerFixture zk)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Register_WritesTheEndpointRecordAndOneServerSetMember_BothEphemeralAndValid()
    {
        var options = zk.Options();
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        var record = Records.Node(cluster.Cluster, "node-1");
        await using var registry = new NodeRegistry(options);
        await using var observer = await zk.ObserverAsync();

        await registry.RegisterAsync(record, primaryPort: "native", shard: 1).Within("the registration", Bound);

        var sessionId = registry.Session.Current!.SessionId;
        var (data, stat) = await observer.GetDataAsync(cluster.Node("node-1"));
        Assert.Equal(record, NodeRecordJson.Parse(data));
        Assert.Equal(sessionId, stat.EphemeralOwner);
        var members = (await observer.GetChildrenAsync(cluster.Members)).Children;
        var member = Assert.Single(members);
        Assert.StartsWith("member_", member, StringComparison.Ordinal);
        Assert.Equal(cluster.Members + "/" + member, registry.MemberPath);
        var (memberData, memberStat) = await observer.GetDataAsync(cluster.Members + "/" + member);
        Assert.Equal(sessionId, memberStat.EphemeralOwner);
        using var json = JsonDocument.Parse(memberData);
        Assert.Equal("10.1.2.3", json.RootElement.GetProperty("serviceEndpoint").GetProperty("host").GetString());
        Assert.Equal(9042, json.RootElement.GetProperty("serviceEndpoint").GetProperty("port").GetInt32());
        Assert.Equal(["jmx", "native", "storage"], json.RootElement.GetProperty("additionalEndpoints").EnumerateObject().Select(p => p.Name));
        Assert.Equal("STARTING", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("shard").GetInt32());
        // Parents are persistent.
        Assert.Equal(0, (await observer.ExistsAsync(cluster.Nodes))!.EphemeralOwner);
        Assert.Equal(0, (await observer.ExistsAsync(options.Paths.FrameworkPath))!.EphemeralOwner);
        Assert.True(registry.IsRegistered);
        Assert.Equal(1, registry.Statistics.Registrations);
    }

    [Fact]
    public async Task Update_RewritesRecordAndMemberTogether_InPlace()
    {
        var options = zk.Options();
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var registry = new NodeRegistry(options);
        await using var observer = await zk.ObserverAsync();
        await registry.RegisterAsync(Records.Node(cluster.Cluster, "n"));
        var memberPath = registry.MemberPath!;

        await registry.UpdateAsync(NodeState.Running, healthy: true).Within("the update", Bound);
        Assert.Equal((NodeState.Running, (bool?)true), await ReadStateAsync(observer, cluster.Node("n")));
        Assert.Equal(ServerSetStatus.Alive, ServerSetMember.Parse((await observer.GetDataAsync(memberPath)).Data).Status);

        await registry.UpdateAsync(NodeState.Running, healthy: false).Within("the update", Bound);
        Assert.Equal((NodeState.Running, (bool?)false), await ReadStateAsync(observer, cluster.Node("n")));
        var member = await observer.GetDataAsync(memberPath);
        Assert.Equal(ServerSetStatus.Warning, ServerSetMember.Parse(member.Data).Status);
        Assert.Equal(2, member.Stat.Version);
        Assert.Single((await observer.GetChildrenAsync(cluster.Members)).Children);
        Assert.Equal(2, registry.Statistics.Updates);
    }

    [Fact]
    public async Task Deregister_DeletesBoth_AndARegistrationCanFollow()
    {
        var options = zk.Options();
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var session = new RegistrySession(options);
        await using var registry = new NodeRegistry(session);
        await using var observer = await zk.ObserverAsync();
        await registry.RegisterAsync(Records.Node(cluster.Cluster, "n"));

        await registry.UpdateAsync(NodeState.Finished, healthy: null);
        await registry.DeregisterAsync().Within("the deregistration", Bound);

        Assert.Null(await observer.ExistsAsync(cluster.Node("n")));
        Assert.Empty((await observer.GetChildrenAsync(cluster.Members)).Children);
        Assert.Null(registry.Record);
        Assert.False(registry.IsRegistered);
        await Assert.ThrowsAsync<InvalidOperationException>(() => registry.UpdateAsync(NodeState.Running, true));

        await registry.RegisterAsync(Records.Node(cluster.Cluster, "n")).Within("a second registration", Bound);
        Assert.NotNull(await observer.ExistsAsync(cluster.Node("n")));
        Assert.Equal(1, registry.Statistics.Deregistrations);
        Assert.Equal(2, registry.Statistics.Registrations);
    }

    [Fact]
    public async Task Dispose_OfARegistryWithItsOwnSession_RemovesBothAtOnce()
    {
        // A long session: the nodes must go with closeSession, not with a timeout.
        var options = zk.Options(sessionTimeout: TimeSpan.FromSeconds(30));
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var observer = await zk.ObserverAsync();
        var registry = new NodeRegistry(options);
        await registry.RegisterAsync(Records.Node(cluster.Cluster, "n"));
        var watch = new WatchRecorder();
        Assert.NotNull(await observer.ExistsAsync(cluster.Node("n"), watch.Watcher));

        await registry.DisposeAsync();

        Assert.Equal(EventType.NodeDeleted, (await watch.NextNodeEventAsync(TimeSpan.FromSeconds(5))).Type);
        Assert.Empty((await observer.GetChildrenAsync(cluster.Members)).Children);
    }

    [Fact]
    public async Task SessionExpiry_IsFollowedByReregistration_ByItself()
    {
        var options = zk.Options();
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var registry = new NodeRegistry(options);
        var events = Record(registry);
        await using var observer = await zk.ObserverAsync();
        await registry.RegisterAsync(Records.Node(cluster.Cluster, "n"));
        await registry.UpdateAsync(NodeState.Running, true);
        var first = registry.Session.Current!;

        await zk.ExpireAsync(first);

        await Eventually.TrueAsync(async () =>
            registry.Session.Current is { } current && current != first
            && (await observer.ExistsAsync(cluster.Node("n")))?.EphemeralOwner == current.SessionId,
            "the node to be registered again in a new session", Bound);
        var (state, healthy) = await ReadStateAsync(observer, cluster.Node("n"));
        Assert.Equal((NodeState.Running, (bool?)true), (state, healthy));
        var member = Assert.Single((await observer.GetChildrenAsync(cluster.Members)).Children);
        Assert.Equal(ServerSetStatus.Alive, ServerSetMember.Parse((await observer.GetDataAsync(cluster.Members + "/" + member)).Data).Status);
        await Eventually.TrueAsync(() => registry.Statistics.Reregistrations == 1, "the re-registration to be counted");
        Assert.Contains(events, e => e.Kind == NodeRegistryEventKind.Reregistered);
        Assert.Equal(1, registry.Session.Statistics.SessionsEnded);
        Assert.Equal(2, registry.Session.Statistics.SessionsStarted);
    }

    [Fact]
    public async Task PartitionLongerThanTheSession_IsFollowedByReregistration_ByItself()
    {
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        var options = ZooKeeperServerFixture.With(zk.Options(), proxy.ConnectString, sessionTimeout: TimeSpan.FromSeconds(1));
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var registry = new NodeRegistry(options);
        await using var observer = await zk.ObserverAsync();
        await registry.RegisterAsync(Records.Node(cluster.Cluster, "n"));
        var firstSession = registry.Session.Current!.SessionId;

        proxy.Pause();
        await Eventually.TrueAsync(async () => await observer.ExistsAsync(cluster.Node("n")) is null, "the server to expire the partitioned session", Bound);
        proxy.Resume();

        await Eventually.TrueAsync(async () =>
            (await observer.ExistsAsync(cluster.Node("n")))?.EphemeralOwner is { } owner && owner != 0 && owner != firstSession,
            "the node to be registered again", Bound);
        Assert.Single((await observer.GetChildrenAsync(cluster.Members)).Children);
        await Eventually.TrueAsync(() => registry.IsRegistered, "the registry to report itself registered");
    }

    [Fact]
    public async Task AWriteWhoseReplyIsLost_IsRecognisedAsOurs_AndLeavesNoDuplicateMember()
    {
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        var options = ZooKeeperServerFixture.With(zk.Options(), proxy.ConnectString, sessionTimeout: TimeSpan.FromSeconds(10));
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var registry = new NodeRegistry(options);
        var events = Record(registry);
        await using var observer = await zk.ObserverAsync();
        // Parents first, so that the muted request is the registration transaction itself.
        await registry.RegisterAsync(Records.Node(cluster.Cluster, "other"));
        await registry.DeregisterAsync();
        var sessionId = registry.Session.Current!.SessionId;

        proxy.MuteReplies();
        var registering = registry.RegisterAsync(Records.Node(cluster.Cluster, "n"), primaryPort: "native");
        await Eventually.TrueAsync(async () => await observer.ExistsAsync(cluster.Node("n")) is not null, "the server to apply the transaction", Bound);
        Assert.False(registering.IsCompleted);
        proxy.UnmuteReplies();
        proxy.DropConnections();

        await registering.Within("the registration to complete after the connection loss", Bound);
        Assert.Equal(sessionId, registry.Session.Current!.SessionId);
        Assert.Equal(sessionId, (await observer.ExistsAsync(cluster.Node("n")))!.EphemeralOwner);
        var member = Assert.Single((await observer.GetChildrenAsync(cluster.Members)).Children);
        Assert.Equal(cluster.Members + "/" + member, registry.MemberPath);
        Assert.True(registry.Statistics.AdoptedWrites >= 1, $"statistics {registry.Statistics}");
        Assert.Contains(events, e => e.Kind == NodeRegistryEventKind.Adopted);
        Assert.Contains(events, e => e.Kind == NodeRegistryEventKind.Retrying && e.Error is ConnectionLossException);
    }

    [Fact]
    public async Task AnUpdateMadeWhileDisconnected_IsWrittenOnReconnection_InTheSameSession()
    {
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        var options = ZooKeeperServerFixture.With(zk.Options(), proxy.ConnectString, sessionTimeout: TimeSpan.FromSeconds(10));
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var registry = new NodeRegistry(options);
        await using var observer = await zk.ObserverAsync();
        await registry.RegisterAsync(Records.Node(cluster.Cluster, "n"));
        var sessionId = registry.Session.Current!.SessionId;

        proxy.Pause();
        var updating = registry.UpdateAsync(NodeState.Running, healthy: true);
        await Eventually.TrueAsync(() => registry.Statistics.Retries > 0 || registry.Session.Current?.State == ZooKeeperState.Disconnected, "the registry to notice the partition", Bound);
        Assert.False(updating.IsCompleted);
        proxy.Resume();

        await updating.Within("the update after reconnection", Bound);
        Assert.Equal((NodeState.Running, (bool?)true), await ReadStateAsync(observer, cluster.Node("n")));
        Assert.Equal(sessionId, registry.Session.Current!.SessionId);
        Assert.Equal(0, registry.Statistics.Reregistrations);
        Assert.Single((await observer.GetChildrenAsync(cluster.Members)).Children);
    }

    [Fact]
    public async Task ADeleteWhoseReplyIsLost_IsNotRetriedOnASuccessorsNode()
    {
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        var options = ZooKeeperServerFixture.With(zk.Options(), proxy.ConnectString, sessionTimeout: TimeSpan.FromSeconds(10));
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var registry = new NodeRegistry(options);
        await using var observer = await zk.ObserverAsync();
        await registry.RegisterAsync(Records.Node(cluster.Cluster, "n"));

        proxy.MuteReplies();
        var deregistering = registry.DeregisterAsync();
        await Eventually.TrueAsync(async () => await observer.ExistsAsync(cluster.Node("n")) is null, "the server to apply the delete", Bound);
        // A successor takes the name before the registry learns what became of its delete.
        await observer.CreateAsync(cluster.Node("n"), "successor"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Ephemeral);
        proxy.UnmuteReplies();
        proxy.DropConnections();

        await deregistering.Within("the deregistration after the connection loss", Bound);
        Assert.Equal("successor"u8.ToArray(), (await observer.GetDataAsync(cluster.Node("n"))).Data);
        Assert.Equal(observer.SessionId, (await observer.ExistsAsync(cluster.Node("n")))!.EphemeralOwner);
    }

    [Fact]
    public async Task ConcurrentRegistrations_OfDifferentNodes_AllLand_WithOneMemberEach()
    {
        var options = zk.Options();
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var shared = new RegistrySession(options);
        var registries = Enumerable.Range(0, 8)
            .Select(i => i % 2 == 0 ? new NodeRegistry(shared) : new NodeRegistry(options))
            .ToList();
        try
        {
            await Task.WhenAll(registries.Select((r, i) =>
                r.RegisterAsync(Records.Node(cluster.Cluster, $"n{i}", new NamedPort("native", 9000 + i)))))
                .Within("eight concurrent registrations", Bound);

            await using var observer = await zk.ObserverAsync();
            Assert.Equal(Enumerable.Range(0, 8).Select(i => $"n{i}").Order(), (await observer.GetChildrenAsync(cluster.Nodes)).Children.Order());
            var members = (await observer.GetChildrenAsync(cluster.Members)).Children;
            Assert.Equal(8, members.Count);
            var ports = new List<int>();
            foreach (var member in members)
            {
                ports.Add(ServerSetMember.Parse((await observer.GetDataAsync(cluster.Members + "/" + member)).Data).ServiceEndpoint.Port);
            }
            Assert.Equal(Enumerable.Range(9000, 8), ports.Order());
        }
        finally
        {
            foreach (var registry in registries)
            {
                await registry.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task WithCredentials_AnyoneMayRead_ButOnlyTheFrameworkMayWriteOrDelete()
    {
        var options = zk.Options(credentials: new DigestCredentials("drover", "secret-pw"));
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var registry = new NodeRegistry(options);
        await registry.RegisterAsync(Records.Node(cluster.Cluster, "n"));
        await using var stranger = await zk.ObserverAsync();
        var expected = new[] { new Acl(Perms.Read, Ids.AnyoneIdUnsafe), new Acl(Perms.All, DigestAuth.Id("drover", "secret-pw")) };

        Assert.Equal("n", NodeRecordJson.Parse((await stranger.GetDataAsync(cluster.Node("n"))).Data).Node);
        await Assert.ThrowsAsync<NoAuthException>(() => stranger.SetDataAsync(cluster.Node("n"), "{}"u8.ToArray()));
        await Assert.ThrowsAsync<NoAuthException>(() => stranger.DeleteAsync(cluster.Node("n")));
        await Assert.ThrowsAsync<NoAuthException>(() => stranger.DeleteAsync(registry.MemberPath!));
        await Assert.ThrowsAsync<NoAuthException>(() => stranger.CreateAsync(cluster.Node("fake"), "{}"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Ephemeral));
        await Assert.ThrowsAsync<NoAuthException>(() => stranger.SetAclAsync(cluster.Nodes, Ids.OpenAclUnsafe));
        // ZooKeeper 3.8 shows digest hashes only to clients with ADMIN on the node (ZOOKEEPER-1392): a stranger sees "drover:x".
        var redacted = new[] { expected[0], new Acl(Perms.All, new Id(DigestAuth.Scheme, "drover:x")) };
        var framework = registry.Session.Current!;
        foreach (var path in new[] { options.Paths.FrameworkPath, cluster.Path, cluster.Nodes, cluster.Members, cluster.Node("n"), registry.MemberPath! })
        {
            Assert.Equal(expected, (await framework.GetAclAsync(path)).Acl);
            Assert.Equal(redacted, (await stranger.GetAclAsync(path)).Acl);
        }

        // The framework itself still updates and deletes.
        await registry.UpdateAsync(NodeState.Running, true).Within("the update", Bound);
        await registry.DeregisterAsync().Within("the deregistration", Bound);
        Assert.Null(await stranger.ExistsAsync(cluster.Node("n")));
    }

    [Fact]
    public async Task WithoutCredentials_NodesAreOpen()
    {
        var options = zk.Options();
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var registry = new NodeRegistry(options);
        await registry.RegisterAsync(Records.Node(cluster.Cluster, "n"));
        await using var observer = await zk.ObserverAsync();

        Assert.Equal(Ids.OpenAclUnsafe, (await observer.GetAclAsync(cluster.Node("n"))).Acl);
        Assert.Equal(Ids.OpenAclUnsafe, (await observer.GetAclAsync(cluster.Nodes)).Acl);
    }

    [Fact]
    public async Task ANodeNameHeldByAnotherSession_IsAConflict_ThatResolvesWhenItGoes()
    {
        var options = zk.Options(conflictTimeout: TimeSpan.FromMilliseconds(500));
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var registry = new NodeRegistry(options);
        var events = Record(registry);
        // Someone else (say, the predecessor of this executor) holds the name.
        await registry.RegisterAsync(Records.Node(cluster.Cluster, "parents-only"));
        await registry.DeregisterAsync();
        var holder = await zk.ObserverAsync();
        await holder.CreateAsync(cluster.Node("n"), "{}"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Ephemeral);

        var conflict = await Assert.ThrowsAsync<NodeConflictException>(() => registry.RegisterAsync(Records.Node(cluster.Cluster, "n")).Within("the conflict", Bound));
        Assert.Equal(holder.SessionId, conflict.OwnerSessionId);
        Assert.Contains(events, e => e.Kind == NodeRegistryEventKind.Conflict);

        await holder.CloseAsync();
        await using var observer = await zk.ObserverAsync();
        await Eventually.TrueAsync(async () =>
            (await observer.ExistsAsync(cluster.Node("n")))?.EphemeralOwner == registry.Session.Current?.SessionId,
            "the registry to take the name once it is free", Bound);
        Assert.Equal(Records.Node(cluster.Cluster, "n"), NodeRecordJson.Parse((await observer.GetDataAsync(cluster.Node("n"))).Data));
    }

    [Fact]
    public async Task Secrets_AppearInNoEventMessageOrException()
    {
        const string secret = "pw-8f1c2e";
        var options = zk.Options(credentials: new DigestCredentials("drover", secret));
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        // Parents owned by someone else, readable but not writable: the registry's writes fail with NoAuth.
        await using var other = await zk.Server.ConnectAsync(authInfo: [AuthInfo.Digest("other", "x")]);
        foreach (var path in NodeRegistryPaths(cluster))
        {
            try
            {
                await other.CreateAsync(path, default, [new Acl(Perms.Read, Ids.AnyoneIdUnsafe), new Acl(Perms.All, DigestAuth.Id("other", "x"))], CreateMode.Persistent);
            }
            catch (NodeExistsException)
            {
                // The root, shared by every test.
            }
        }
        await using var registry = new NodeRegistry(options);
        var events = Record(registry);
        var sessionEvents = new ConcurrentQueue<RegistrySessionEvent>();
        registry.Session.Changed += (_, e) => sessionEvents.Enqueue(e);

        var error = await Assert.ThrowsAsync<NoAuthException>(() => registry.RegisterAsync(Records.Node(cluster.Cluster, "n")).Within("the refusal", Bound));

        var texts = events.Select(e => e.ToString())
            .Concat(sessionEvents.Select(e => e.ToString()))
            .Append(error.ToString())
            .Append(options.ToString())
            .Append(registry.Session.Options.ToString());
        Assert.All(texts, text => Assert.DoesNotContain(secret, text, StringComparison.Ordinal));
        Assert.Contains(events, e => e.Kind == NodeRegistryEventKind.Failed);
    }

    private static IEnumerable<string> NodeRegistryPaths(ClusterPaths cluster) =>
        NodeRegistryAncestry(cluster.Nodes).Append(cluster.Members);

    private static IEnumerable<string> NodeRegistryAncestry(string path)
    {
        for (var slash = path.IndexOf('/', 1); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            yield return path[..slash];
        }
        yield return path;
    }

    private static ConcurrentQueue<NodeRegistryEvent> Record(NodeRegistry registry)
    {
        var events = new ConcurrentQueue<NodeRegistryEvent>();
        registry.Changed += (_, e) => events.Enqueue(e);
        return events;
    }

    private static async Task<(NodeState, bool?)> ReadStateAsync(ZooKeeperClient client, string path)
    {
        var record = NodeRecordJson.Parse((await client.GetDataAsync(path)).Data);
        return (record.State, record.Healthy);
    }
}
