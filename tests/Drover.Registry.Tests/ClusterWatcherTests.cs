using System.Text;
using System.Threading.Channels;
using Drover.Registry.Tests.Support;
using Drover.Testing;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Registry.Tests;

/// <summary>Watching nodes/ (and epmd/) against a real ZooKeeper 3.8.</summary>
[Collection(WatcherCollection.Name)]
public sealed class ClusterWatcherTests(ZooKeeperServerFixture zk)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Watch_GivesASnapshot_ThenAddsUpdatesAndRemovals()
    {
        var options = zk.Options();
        var cluster = Records.UniqueCluster();
        await using var session = new RegistrySession(options);
        await using var a = new NodeRegistry(session);
        await using var b = new NodeRegistry(session);
        await a.RegisterAsync(Records.Node(cluster, "a"));
        await using var watcher = new ClusterWatcher(session, cluster);
        await using var changes = new ChangeReader<NodeRecord>(watcher);

        var snapshot = await changes.NextAsync();
        Assert.Equal(DirectoryChangeKind.Snapshot, snapshot.Kind);
        Assert.Equal(["a"], snapshot.Entries!.Keys);

        await b.RegisterAsync(Records.Node(cluster, "b"));
        var added = await changes.NextAsync();
        Assert.Equal((DirectoryChangeKind.Added, "b"), (added.Kind, added.Name));
        Assert.Equal(Records.Node(cluster, "b"), added.Value);

        await b.UpdateAsync(NodeState.Running, healthy: true);
        var updated = await changes.NextAsync();
        Assert.Equal((DirectoryChangeKind.Updated, "b"), (updated.Kind, updated.Name));
        Assert.Equal((NodeState.Running, (bool?)true), (updated.Value!.State, updated.Value.Healthy));
        Assert.Equal(NodeState.Starting, updated.Previous!.State);

        await a.DeregisterAsync();
        var removed = await changes.NextAsync();
        Assert.Equal((DirectoryChangeKind.Removed, "a"), (removed.Kind, removed.Name));
        Assert.Equal(["b"], watcher.Snapshot.Keys);
    }

    [Fact]
    public async Task AfterItsSessionExpires_TheWatcherRereadsEverything_AndEmitsTheDifference()
    {
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        var options = zk.Options();
        var cluster = Records.UniqueCluster();
        await using var writers = new RegistrySession(options);
        await using var a = new NodeRegistry(writers);
        await using var b = new NodeRegistry(writers);
        await using var c = new NodeRegistry(writers);
        await a.RegisterAsync(Records.Node(cluster, "a"));
        await b.RegisterAsync(Records.Node(cluster, "b"));
        await using var watcher = new ClusterWatcher(ZooKeeperServerFixture.With(options, proxy.ConnectString, sessionTimeout: TimeSpan.FromSeconds(1)), cluster);
        await using var changes = new ChangeReader<NodeRecord>(watcher);
        Assert.Equal(2, (await changes.NextAsync()).Entries!.Count);
        var watcherClient = await watcher.Session.GetClientAsync();
        await using var observer = await zk.ObserverAsync();
        var probe = TestClients.UniquePath("probe");
        await watcherClient.CreateAsync(probe, default, Ids.OpenAclUnsafe, CreateMode.Ephemeral);

        proxy.Pause();
        await a.UpdateAsync(NodeState.Running, true);
        await b.DeregisterAsync();
        await c.RegisterAsync(Records.Node(cluster, "c"));
        await Eventually.TrueAsync(async () => await observer.ExistsAsync(probe) is null, "the watcher's session to expire", Bound);
        proxy.Resume();

        var seen = new List<DirectoryChange<NodeRecord>> { await changes.NextAsync(), await changes.NextAsync(), await changes.NextAsync() };
        Assert.Equal(
            [(DirectoryChangeKind.Added, "c"), (DirectoryChangeKind.Updated, "a"), (DirectoryChangeKind.Removed, "b")],
            seen.Select(s => (s.Kind, s.Name!)).Order());
        Assert.Equal(["a", "c"], watcher.Snapshot.Keys.Order());
        Assert.Equal(NodeState.Running, watcher.Snapshot["a"].State);
        Assert.True(watcher.Statistics.Resyncs >= 2, $"statistics {watcher.Statistics}");

        // And the watches of the new session work.
        await c.UpdateAsync(NodeState.Running, false);
        var later = await changes.NextAsync();
        Assert.Equal((DirectoryChangeKind.Updated, "c", (bool?)false), (later.Kind, later.Name!, later.Value!.Healthy));
    }

    [Fact]
    public async Task ChangesMadeWhileDisconnected_AreSeenOnReconnection_WithoutANewSession()
    {
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        var options = zk.Options();
        var cluster = Records.UniqueCluster();
        await using var writers = new RegistrySession(options);
        await using var a = new NodeRegistry(writers);
        await a.RegisterAsync(Records.Node(cluster, "a"));
        await using var watcher = new ClusterWatcher(ZooKeeperServerFixture.With(options, proxy.ConnectString, sessionTimeout: TimeSpan.FromSeconds(10)), cluster);
        await using var changes = new ChangeReader<NodeRecord>(watcher);
        await changes.NextAsync();
        var session = watcher.Session.Current!;

        proxy.Pause();
        await session.WaitForStateAsync(ZooKeeperState.Disconnected).Within("the watcher to notice the partition", Bound);
        await a.UpdateAsync(NodeState.Running, true);
        proxy.Resume();

        // SetWatches re-armed the data watch with the last zxid seen: the change fires it.
        var updated = await changes.NextAsync();
        Assert.Equal((DirectoryChangeKind.Updated, "a", NodeState.Running), (updated.Kind, updated.Name!, updated.Value!.State));
        Assert.Same(session, watcher.Session.Current);
        Assert.Equal(1, watcher.Session.Statistics.SessionsStarted);
    }

    [Fact]
    public async Task Freshness_IsLiveWhileZooKeeperIsHeard_StaleWhileItIsNot_AndLiveAgainAfterAnExpiry()
    {
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        var options = zk.Options();
        var cluster = Records.UniqueCluster();
        await using var writers = new RegistrySession(options);
        await using var a = new NodeRegistry(writers);
        await a.RegisterAsync(Records.Node(cluster, "a"));
        await using var watcher = new ClusterWatcher(ZooKeeperServerFixture.With(options, proxy.ConnectString, sessionTimeout: TimeSpan.FromSeconds(2)), cluster);
        var seen = Channel.CreateUnbounded<WatchFreshness>();
        watcher.FreshnessChanged += (_, freshness) => seen.Writer.TryWrite(freshness);
        Assert.Equal(WatchFreshness.Unread, watcher.Freshness);

        await watcher.StartAsync().Within("the first read", Bound);
        Assert.Equal(WatchFreshness.Live, await seen.Reader.ReadAsync().AsTask().Within("live", Bound));

        // A partition short of the session timeout: stale, then live on the same session.
        var session = watcher.Session.Current!;
        proxy.Pause();
        Assert.Equal(WatchFreshness.Stale, await seen.Reader.ReadAsync().AsTask().Within("stale after the partition", Bound));
        await a.UpdateAsync(NodeState.Running, true);
        proxy.Resume();
        Assert.Equal(WatchFreshness.Live, await seen.Reader.ReadAsync().AsTask().Within("live after the reconnection", Bound));
        Assert.Same(session, watcher.Session.Current);
        await Eventually.TrueAsync(() => watcher.Snapshot["a"].State == NodeState.Running, "the change made during the partition", Bound);

        // An expiry: stale until the new session has read everything again.
        await zk.ExpireAsync(session);
        Assert.Equal(WatchFreshness.Stale, await seen.Reader.ReadAsync().AsTask().Within("stale after the expiry", Bound));
        Assert.Equal(WatchFreshness.Live, await seen.Reader.ReadAsync().AsTask().Within("live on the new session", Bound));
        Assert.Equal(2, watcher.Session.Statistics.SessionsStarted);
        Assert.Equal(WatchFreshness.Live, watcher.Freshness);
    }

    [Fact]
    public async Task AWatchThatFallsFarBehind_GetsOneSnapshotInsteadOfTheBacklog()
    {
        var options = zk.Options();
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var session = new RegistrySession(options);
        await using var registry = new NodeRegistry(session);
        await registry.RegisterAsync(Records.Node(cluster.Cluster, "first"));
        await using var watcher = new ClusterWatcher(session, cluster.Cluster);
        await using var watch = watcher.WatchAsync().GetAsyncEnumerator();
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(DirectoryChangeKind.Snapshot, watch.Current.Kind);
        var client = await session.GetClientAsync();
        var total = DirectoryWatcher<NodeRecord>.SubscriberQueueLimit + 100;

        // Nobody reads the watch while more changes than its queue holds arrive.
        for (var batch = 0; batch < total; batch += 100)
        {
            await client.MultiAsync(Enumerable.Range(batch, Math.Min(100, total - batch)).Select(i =>
                Op.Create(cluster.Node($"n{i}"), NodeRecordJson.Write(Records.Node(cluster.Cluster, $"n{i}")), Ids.OpenAclUnsafe, CreateMode.Persistent)));
        }
        await Eventually.TrueAsync(() => watcher.Snapshot.Count == total + 1, "the watcher to see every node", Bound);

        Assert.True(await watch.MoveNextAsync().AsTask().Within("the first change after the lag", Bound));
        var first = watch.Current;
        Assert.Equal(DirectoryChangeKind.Snapshot, first.Kind);
        var entries = new HashSet<string>(first.Entries!.Keys);
        while (entries.Count < total + 1)
        {
            Assert.True(await watch.MoveNextAsync().AsTask().Within("the changes after the snapshot", Bound));
            Assert.Equal(DirectoryChangeKind.Added, watch.Current.Kind);
            entries.Add(watch.Current.Name!);
        }
        Assert.Equal(1, watcher.Statistics.Lagged);
    }

    [Fact]
    public async Task DataThatIsNotARecord_IsReportedAsInvalid_AndTheWatcherGoesOn()
    {
        var options = zk.Options();
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var session = new RegistrySession(options);
        await using var registry = new NodeRegistry(session);
        await registry.RegisterAsync(Records.Node(cluster.Cluster, "good"));
        await using var watcher = new ClusterWatcher(session, cluster.Cluster);
        await using var changes = new ChangeReader<NodeRecord>(watcher);
        await changes.NextAsync();
        await using var vandal = await zk.ObserverAsync();
        var count = 0;

        // Random bytes written by someone else: each is reported, none stops the watcher.
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(25), Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            var name = $"bad-{count++}";
            vandal.CreateAsync(cluster.Node(name), bytes ?? [], Ids.OpenAclUnsafe, CreateMode.Persistent).GetAwaiter().GetResult();
            var change = changes.NextAsync().GetAwaiter().GetResult();
            return change.Name == name && change.Kind == DirectoryChangeKind.Invalid
                && change.Error is RecordFormatException { Path: { } path } && path == cluster.Node(name)
                && change.Error.Message.Contains(name, StringComparison.Ordinal);
        }));

        // A record stored under another node's name is refused too.
        await vandal.CreateAsync(cluster.Node("impostor"), NodeRecordJson.Write(Records.Node(cluster.Cluster, "good")), Ids.OpenAclUnsafe, CreateMode.Persistent);
        var impostor = await changes.NextAsync();
        Assert.Equal((DirectoryChangeKind.Invalid, "impostor"), (impostor.Kind, impostor.Name));
        Assert.Contains("stored as", impostor.Error!.Message, StringComparison.Ordinal);

        // A good record turning bad is invalid (and leaves the snapshot); fixed again, it is added.
        await vandal.SetDataAsync(cluster.Node("bad-0"), NodeRecordJson.Write(Records.Node(cluster.Cluster, "bad-0")));
        Assert.Equal((DirectoryChangeKind.Added, "bad-0"), await KindAndName(changes));
        await vandal.SetDataAsync(cluster.Node("bad-0"), "{\"cluster\":"u8.ToArray());
        Assert.Equal((DirectoryChangeKind.Invalid, "bad-0"), await KindAndName(changes));
        Assert.DoesNotContain("bad-0", watcher.Snapshot.Keys);

        await using var late = new NodeRegistry(session);
        await late.RegisterAsync(Records.Node(cluster.Cluster, "late"));
        Assert.Equal((DirectoryChangeKind.Added, "late"), await KindAndName(changes));

        // A watch that starts now hears of the invalid entries after its snapshot.
        await using var second = new ChangeReader<NodeRecord>(watcher);
        Assert.Equal(DirectoryChangeKind.Snapshot, (await second.NextAsync()).Kind);
        var invalid = new List<string>();
        for (var i = 0; i < count + 1; i++)
        {
            var next = await second.NextAsync();
            Assert.Equal(DirectoryChangeKind.Invalid, next.Kind);
            invalid.Add(next.Name!);
        }
        Assert.Equal(watcher.Invalid.Keys.Order(), invalid.Order());
        Assert.Equal(["good", "late"], watcher.Snapshot.Keys.Order());
        Assert.Equal(count + 1, watcher.Invalid.Count);
        Assert.Equal(0, watcher.Statistics.ReadFailures);
    }

    [Fact]
    public async Task ADirectoryThatDoesNotExistYet_IsWatchedUntilItAppears()
    {
        var options = zk.Options();
        var cluster = Records.UniqueCluster();
        await using var session = new RegistrySession(options);
        await using var watcher = new ClusterWatcher(session, cluster);
        await using var changes = new ChangeReader<NodeRecord>(watcher);
        Assert.Empty((await changes.NextAsync()).Entries!);

        await using var registry = new NodeRegistry(session);
        await registry.RegisterAsync(Records.Node(cluster, "first"));

        Assert.Equal((DirectoryChangeKind.Added, "first"), await KindAndName(changes));
    }

    [Fact]
    public async Task Epmd_IsWatchedWithTheCallersDecoder()
    {
        var options = zk.Options();
        var cluster = options.Paths.Cluster(Records.UniqueCluster());
        await using var session = new RegistrySession(options);
        await using var watcher = ClusterWatcher.Epmd(session, cluster.Cluster, (name, data) =>
            data.Length > 0 ? $"{name}={Encoding.UTF8.GetString(data.Span)}" : throw new RecordFormatException("empty registration"));
        await using var changes = new ChangeReader<string>(watcher);
        await changes.NextAsync();
        var client = await session.GetClientAsync();
        await CreatePathAsync(client, cluster.Epmd);

        await client.CreateAsync(cluster.EpmdEntry("riak@10.0.0.1"), "port 31001"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Ephemeral);
        var added = await changes.NextAsync();
        Assert.Equal((DirectoryChangeKind.Added, "riak@10.0.0.1=port 31001"), (added.Kind, added.Value));

        await client.CreateAsync(cluster.EpmdEntry("empty@host"), default, Ids.OpenAclUnsafe, CreateMode.Ephemeral);
        Assert.Equal((DirectoryChangeKind.Invalid, "empty@host"), await KindAndName(changes));
        await client.DeleteAsync(cluster.EpmdEntry("riak@10.0.0.1"));
        Assert.Equal((DirectoryChangeKind.Removed, "riak@10.0.0.1"), await KindAndName(changes));
    }

    private static async Task<(DirectoryChangeKind, string?)> KindAndName<T>(ChangeReader<T> changes)
        where T : class
    {
        var change = await changes.NextAsync();
        return (change.Kind, change.Name);
    }

    private static async Task CreatePathAsync(ZooKeeperClient client, string path)
    {
        for (var slash = path.IndexOf('/', 1); ; slash = path.IndexOf('/', slash + 1))
        {
            try
            {
                await client.CreateAsync(slash < 0 ? path : path[..slash], default, Ids.OpenAclUnsafe, CreateMode.Persistent);
            }
            catch (NodeExistsException)
            {
            }
            if (slash < 0)
            {
                return;
            }
        }
    }

    /// <summary>Reads a watch's changes in the background so a test can await them one by one.</summary>
    private sealed class ChangeReader<T> : IAsyncDisposable
        where T : class
    {
        private readonly Channel<DirectoryChange<T>> _changes = Channel.CreateUnbounded<DirectoryChange<T>>();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _pump;

        public ChangeReader(DirectoryWatcher<T> watcher)
        {
            _pump = Task.Run(async () =>
            {
                try
                {
                    await foreach (var change in watcher.WatchAsync(_stop.Token))
                    {
                        await _changes.Writer.WriteAsync(change);
                    }
                }
                catch (OperationCanceledException)
                {
                }
                finally
                {
                    _changes.Writer.TryComplete();
                }
            });
        }

        public Task<DirectoryChange<T>> NextAsync() => _changes.Reader.ReadAsync().AsTask().Within("a directory change", Bound);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _pump;
            _stop.Dispose();
        }
    }
}
