using Drover.Registry;
using Drover.Sidecar.Tests.Support;
using Drover.Sidecar.View;
using Microsoft.Extensions.Time.Testing;

namespace Drover.Sidecar.Tests;

/// <summary>The view's loop, driven input by input with a fake clock and a fake registry source.</summary>
public sealed class ViewLoopTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly FakeSource _source = new();
    private readonly RecordingObserver _observer = new();

    [Fact]
    public void Clusters_AreWatchedAsTheyAppear_AndUnreadUntilTheirFirstSnapshot()
    {
        var view = NewView();
        Assert.False(view.Current.ClustersFreshness.HasData);

        view.Apply(new ClustersFreshness(WatchFreshness.Live));
        view.Apply(new ClustersChanged(Snapshot("a", "b")));

        Assert.Equal(["a", "b"], _source.Watched);
        Assert.True(view.Current.ClustersFreshness.IsLive);
        Assert.False(view.Current.Clusters["a"].Freshness.HasData);

        view.Apply(new NodesFreshness("a", WatchFreshness.Live));
        Assert.False(view.Current.Clusters["a"].Freshness.HasData);
        view.Apply(new NodesChanged("a", NodeSnapshot(Nodes.Record("a", "n1"))));
        Assert.True(view.Current.Clusters["a"].Freshness.IsLive);
        Assert.Equal(["n1"], view.Current.Clusters["a"].Nodes.Keys);

        view.Apply(new ClustersChanged(new DirectoryChange<string>(DirectoryChangeKind.Removed, "b", Previous: "b")));
        Assert.Equal(["b"], _source.Unwatched);
        Assert.Equal(["a"], view.Current.Clusters.Keys);
    }

    [Fact]
    public void FixedClusters_AreKnownFromTheStart_AndTheListIsLive()
    {
        var view = NewView(["ring", "other"]);
        view.Start();

        Assert.Equal(["other", "ring"], view.Current.Clusters.Keys);
        Assert.True(view.Current.ClustersFreshness.IsLive);
        Assert.Equal(["ring", "other"], _source.Watched);

        // The framework's list of clusters is not followed.
        view.Apply(new ClustersChanged(Snapshot("third")));
        Assert.Equal(["other", "ring"], view.Current.Clusters.Keys);
    }

    [Fact]
    public void Staleness_StartsWhenTheWatcherSaysSo_AndItsAgeGrowsWithTheClock()
    {
        var view = ReadCluster("a", Nodes.Record("a", "n1"));
        var lostAt = _clock.GetUtcNow();

        view.Apply(new NodesFreshness("a", WatchFreshness.Stale));
        _clock.Advance(TimeSpan.FromSeconds(42));
        view.Apply(new NodesFreshness("a", WatchFreshness.Stale));

        var freshness = view.Current.Clusters["a"].Freshness;
        Assert.Equal(WatchFreshness.Stale, freshness.State);
        Assert.Equal(lostAt, freshness.ConfirmedAt);
        Assert.Equal(TimeSpan.FromSeconds(42), freshness.Age(_clock.GetUtcNow()));
        Assert.Equal(["n1"], view.Current.Clusters["a"].Nodes.Keys);

        view.Apply(new NodesFreshness("a", WatchFreshness.Live));
        Assert.Equal(TimeSpan.Zero, view.Current.Clusters["a"].Freshness.Age(_clock.GetUtcNow()));
        Assert.Equal(_clock.GetUtcNow(), view.Current.Clusters["a"].Freshness.ConfirmedAsOf(_clock.GetUtcNow()));
    }

    [Fact]
    public void Followers_GetASnapshotFirst_ThenTheChangesWithWhatChanged()
    {
        var view = ReadCluster("a", Nodes.Record("a", "n1"), Nodes.Record("a", "n2"));
        using var follower = Follow(view, "a");
        var snapshot = Assert.IsType<ClusterSnapshot>(Next(follower));
        Assert.Equal(["n1", "n2"], snapshot.View.Nodes.Keys);

        view.Apply(new NodesChanged("a", Change(DirectoryChangeKind.Added, Nodes.Record("a", "n3"))));
        Assert.Equal("n3", Assert.IsType<NodeAdded>(Next(follower)).Node.Node);

        var unhealthy = Nodes.Record("a", "n1", healthy: false);
        view.Apply(new NodesChanged("a", Change(DirectoryChangeKind.Updated, unhealthy)));
        var health = Assert.IsType<NodeUpdated>(Next(follower));
        Assert.Equal(NodeChanges.Health, health.Changes);
        Assert.False(Serving.IsServing(health.Node));

        var moved = Nodes.Record("a", "n2", ports: [new NamedPort("http", 9000), new NamedPort("pb", 8087)]);
        view.Apply(new NodesChanged("a", Change(DirectoryChangeKind.Updated, moved)));
        Assert.Equal(NodeChanges.Ports, Assert.IsType<NodeUpdated>(Next(follower)).Changes);

        // The same record again is no change.
        view.Apply(new NodesChanged("a", Change(DirectoryChangeKind.Updated, moved)));
        view.Apply(new NodesChanged("a", new DirectoryChange<NodeRecord>(DirectoryChangeKind.Removed, "n3", Previous: Nodes.Record("a", "n3"))));
        Assert.Equal("n3", Assert.IsType<NodeRemoved>(Next(follower)).Previous.Node);

        view.Apply(new NodesFreshness("a", WatchFreshness.Stale));
        Assert.Equal(WatchFreshness.Stale, Assert.IsType<FreshnessChanged>(Next(follower)).View.Freshness.State);
        Assert.False(follower.Events.TryRead(out _));
    }

    [Fact]
    public void AnInvalidRecord_IsSkippedAndReported_AndAValidOneUnderThatNameLeaves()
    {
        var view = ReadCluster("a", Nodes.Record("a", "n1"), Nodes.Record("a", "n2"));
        using var follower = Follow(view, "a");
        Next(follower);

        var error = new RecordFormatException("/drover/fw/clusters/a/nodes/n1: not JSON") { Path = "/drover/fw/clusters/a/nodes/n1" };
        view.Apply(new NodesChanged("a", new DirectoryChange<NodeRecord>(DirectoryChangeKind.Invalid, "n1", Previous: Nodes.Record("a", "n1"), Error: error)));
        view.Apply(new NodesChanged("a", new DirectoryChange<NodeRecord>(DirectoryChangeKind.Invalid, "n9", Error: error)));

        Assert.Equal(["n2"], view.Current.Clusters["a"].Nodes.Keys);
        Assert.Equal([("a", "n1"), ("a", "n9")], _observer.Invalid);
        Assert.Equal("n1", Assert.IsType<NodeRemoved>(Next(follower)).Previous.Node);
        Assert.False(follower.Events.TryRead(out _));
    }

    [Fact]
    public void ALaterSnapshot_FromAWatchThatFellBehind_IsTurnedIntoChanges()
    {
        var view = ReadCluster("a", Nodes.Record("a", "n1"), Nodes.Record("a", "n2"));
        using var follower = Follow(view, "a");
        Next(follower);

        view.Apply(new NodesChanged("a", NodeSnapshot(Nodes.Record("a", "n2", healthy: false), Nodes.Record("a", "n3"))));

        var events = Drain(follower);
        Assert.Equal(["removed n1", "updated n2", "added n3"], events.Select(Describe));
    }

    [Fact]
    public void AFollowerThatFallsBehind_LosesTheBacklog_AndGetsOneSnapshotOfNow()
    {
        var view = ReadCluster("a", Nodes.Record("a", "n0"));
        using var follower = view.Subscribe("a", capacity: 4);
        view.Apply(new FollowerAdded(follower));
        for (var i = 1; i <= 10; i++)
        {
            view.Apply(new NodesChanged("a", Change(DirectoryChangeKind.Added, Nodes.Record("a", $"n{i}"))));
        }

        var events = Drain(follower);
        Assert.True(events.Count <= 4, $"{events.Count} queued");
        var snapshot = events.OfType<ClusterSnapshot>().Last();
        var seen = snapshot.View.Nodes.Keys.Concat(events.SkipWhile(e => e != snapshot).Skip(1).OfType<NodeAdded>().Select(e => e.Node.Node)).ToHashSet();
        Assert.Equal(11, seen.Count);
        Assert.Equal(["a"], _observer.Lagged.Distinct());
    }

    [Fact]
    public void FollowingAClusterThatDoesNotExist_SaysItIsGone_AndGetsItsSnapshotWhenItAppears()
    {
        var view = NewView();
        view.Apply(new ClustersChanged(Snapshot()));
        using var follower = Follow(view, "later");
        Assert.IsType<ClusterGone>(Next(follower));

        view.Apply(new ClustersChanged(new DirectoryChange<string>(DirectoryChangeKind.Added, "later", "later")));
        view.Apply(new NodesChanged("later", NodeSnapshot(Nodes.Record("later", "n1"))));
        Assert.Equal(["n1"], Assert.IsType<ClusterSnapshot>(Next(follower)).View.Nodes.Keys);

        view.Apply(new ClustersChanged(Snapshot()));
        Assert.IsType<ClusterGone>(Next(follower));
    }

    [Fact]
    public void ChangesOfAClusterNotFollowed_OrBeforeItsFirstSnapshot_AreIgnored()
    {
        var view = NewView();
        view.Apply(new ClustersChanged(Snapshot("a")));
        view.Apply(new NodesChanged("zzz", NodeSnapshot(Nodes.Record("zzz", "n1"))));
        view.Apply(new NodesChanged("a", Change(DirectoryChangeKind.Added, Nodes.Record("a", "early"))));

        Assert.Equal(["a"], view.Current.Clusters.Keys);
        Assert.Empty(view.Current.Clusters["a"].Nodes);
    }

    private RegistryView NewView(IReadOnlyList<string>? clusters = null) => new(_source, _clock, _observer, clusters);

    private RegistryView ReadCluster(string cluster, params NodeRecord[] nodes)
    {
        var view = NewView();
        view.Apply(new ClustersChanged(Snapshot(cluster)));
        view.Apply(new NodesChanged(cluster, NodeSnapshot(nodes)));
        return view;
    }

    private static ClusterSubscription Follow(RegistryView view, string cluster)
    {
        var follower = view.Subscribe(cluster);
        view.Apply(new FollowerAdded(follower));
        return follower;
    }

    private static ClusterEvent Next(ClusterSubscription follower) =>
        follower.Events.TryRead(out var next) ? next : throw new InvalidOperationException("no event queued");

    private static List<ClusterEvent> Drain(ClusterSubscription follower)
    {
        var events = new List<ClusterEvent>();
        while (follower.Events.TryRead(out var next))
        {
            events.Add(next);
        }
        return events;
    }

    private static string Describe(ClusterEvent e) => e switch
    {
        NodeAdded a => $"added {a.Node.Node}",
        NodeRemoved r => $"removed {r.Previous.Node}",
        NodeUpdated u => $"updated {u.Node.Node}",
        _ => e.GetType().Name,
    };

    private static DirectoryChange<string> Snapshot(params string[] clusters) =>
        new(DirectoryChangeKind.Snapshot, null, Entries: clusters.ToDictionary(c => c, c => c, StringComparer.Ordinal));

    private static DirectoryChange<NodeRecord> NodeSnapshot(params NodeRecord[] nodes) =>
        new(DirectoryChangeKind.Snapshot, null, Entries: nodes.ToDictionary(n => n.Node, StringComparer.Ordinal));

    private static DirectoryChange<NodeRecord> Change(DirectoryChangeKind kind, NodeRecord node) => new(kind, node.Node, node);

    private sealed class FakeSource : IRegistrySource
    {
        public List<string> Watched { get; } = [];

        public List<string> Unwatched { get; } = [];

        public void Watch(string cluster) => Watched.Add(cluster);

        public void Unwatch(string cluster) => Unwatched.Add(cluster);
    }

    private sealed class RecordingObserver : IViewObserver
    {
        public List<(string Cluster, string Node)> Invalid { get; } = [];

        public List<string> Lagged { get; } = [];

        public void InvalidRecord(string cluster, string node, RecordFormatException error) => Invalid.Add((cluster, node));

        public void ClusterAdded(string cluster)
        {
        }

        public void ClusterRemoved(string cluster)
        {
        }

        public void FreshnessChanged(string? cluster, Freshness freshness)
        {
        }

        public void SubscriberLagged(string cluster) => Lagged.Add(cluster);
    }
}
