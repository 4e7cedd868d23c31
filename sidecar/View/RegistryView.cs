using System.Collections.Immutable;
using System.Threading.Channels;
using Drover.Registry;

namespace Drover.Sidecar.View;

/// <summary>
/// The sidecar's one in-memory view of the registry: every cluster's nodes, fed by ZooKeeper watches,
/// read by the discovery service, the proxy listeners and the Prometheus endpoint.
/// <para>
/// One loop owns it: watchers and subscribers post <see cref="ViewInput"/>s, the loop applies them in
/// order, publishes an immutable <see cref="ViewState"/> for readers (<see cref="Current"/>, lock-free)
/// and tells each cluster's followers what changed. It knows, per cluster, whether its data is live or
/// since when it is stale, with the clock it is given.
/// </para>
/// </summary>
public sealed class RegistryView
{
    private readonly Channel<ViewInput> _inputs = Channel.CreateUnbounded<ViewInput>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IRegistrySource _source;
    private readonly TimeProvider _time;
    private readonly IViewObserver _observer;
    private readonly IReadOnlyList<string>? _fixedClusters;

    // The loop's own state.
    private readonly Dictionary<string, WatchFreshness> _reported = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ClusterSubscription>> _followers = new(StringComparer.Ordinal);
    private WatchFreshness _clustersReported = WatchFreshness.Unread;
    private bool _clustersRead;
    private ViewState _state = ViewState.Empty;

    /// <param name="fixedClusters">The clusters to follow; null to follow every cluster of the framework as they come and go.</param>
    public RegistryView(IRegistrySource source, TimeProvider time, IViewObserver observer, IReadOnlyList<string>? fixedClusters = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(observer);
        _source = source;
        _time = time;
        _observer = observer;
        _fixedClusters = fixedClusters;
        Current = ViewState.Empty;
    }

    /// <summary>The view as of the last input the loop applied.</summary>
    public ViewState Current
    {
        get => Volatile.Read(ref field);
        private set => Volatile.Write(ref field, value);
    }

    public TimeProvider Time => _time;

    /// <summary>Queues an input for the loop (any thread).</summary>
    public void Post(ViewInput input) => _inputs.Writer.TryWrite(input);

    /// <summary>Follows one cluster (see <see cref="ClusterSubscription"/>); dispose to stop.</summary>
    public ClusterSubscription Subscribe(string cluster, int capacity = ClusterSubscription.DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var subscription = new ClusterSubscription(this, cluster, capacity);
        Post(new FollowerAdded(subscription));
        return subscription;
    }

    /// <summary>Runs the loop until <paramref name="stop"/>; then every follower's queue is completed.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        Start();
        try
        {
            while (await _inputs.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                // Several inputs queued at once are published together.
                while (_inputs.Reader.TryRead(out var input))
                {
                    Handle(input);
                }
                Current = _state;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var follower in _followers.Values.SelectMany(list => list))
            {
                follower.Queue.Writer.TryComplete();
            }
        }
    }

    /// <summary>Applies one input: for tests of the loop's logic, which drive it without the channel.</summary>
    public void Apply(ViewInput input)
    {
        Handle(input);
        Current = _state;
    }

    private void Handle(ViewInput input)
    {
        switch (input)
        {
            case ClustersChanged clusters:
                ApplyClusters(clusters.Change);
                break;
            case ClustersFreshness freshness:
                ApplyClustersFreshness(freshness.State);
                break;
            case NodesChanged nodes:
                ApplyNodes(nodes.Cluster, nodes.Change);
                break;
            case NodesFreshness freshness:
                ApplyNodesFreshness(freshness.Cluster, freshness.State);
                break;
            case FollowerAdded added:
                AddFollower(added.Subscription);
                break;
            case FollowerRemoved removed:
                RemoveFollower(removed.Subscription);
                break;
        }
    }

    /// <summary>The fixed clusters are known from the start (watched, unread); the list itself is as live as the configuration.</summary>
    public void Start()
    {
        if (_fixedClusters is null || _clustersRead)
        {
            return;
        }
        _clustersRead = true;
        _clustersReported = WatchFreshness.Live;
        _state = _state with { ClustersFreshness = Freshness.Live };
        foreach (var cluster in _fixedClusters)
        {
            AddCluster(cluster);
        }
        Current = _state;
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    private void ApplyClusters(DirectoryChange<string> change)
    {
        if (_fixedClusters is not null)
        {
            return;
        }
        switch (change.Kind)
        {
            case DirectoryChangeKind.Snapshot:
                var now = change.Entries!.Keys.ToHashSet(StringComparer.Ordinal);
                foreach (var gone in _state.Clusters.Keys.Where(name => !now.Contains(name)).ToList())
                {
                    RemoveCluster(gone);
                }
                foreach (var name in now.Where(name => !_state.Clusters.ContainsKey(name)))
                {
                    AddCluster(name);
                }
                if (!_clustersRead)
                {
                    _clustersRead = true;
                    _state = _state with { ClustersFreshness = Reported(_clustersReported) };
                    _observer.FreshnessChanged(null, _state.ClustersFreshness);
                }
                break;
            case DirectoryChangeKind.Added when !_state.Clusters.ContainsKey(change.Name!):
                AddCluster(change.Name!);
                break;
            case DirectoryChangeKind.Removed or DirectoryChangeKind.Invalid when _state.Clusters.ContainsKey(change.Name!):
                RemoveCluster(change.Name!);
                break;
        }
    }

    private void ApplyClustersFreshness(WatchFreshness reported)
    {
        if (_fixedClusters is not null)
        {
            return;
        }
        _clustersReported = reported;
        if (!_clustersRead)
        {
            return;
        }
        var next = _state.ClustersFreshness.Then(reported, Now);
        if (next != _state.ClustersFreshness)
        {
            _state = _state with { ClustersFreshness = next };
            _observer.FreshnessChanged(null, next);
        }
    }

    private void AddCluster(string name)
    {
        _state = _state with { Clusters = _state.Clusters.SetItem(name, ClusterView.Empty(name)) };
        _reported.Remove(name);
        _observer.ClusterAdded(name);
        _source.Watch(name);
    }

    private void RemoveCluster(string name)
    {
        var view = _state.Clusters[name];
        _state = _state with { Clusters = _state.Clusters.Remove(name) };
        _reported.Remove(name);
        _source.Unwatch(name);
        _observer.ClusterRemoved(name);
        Tell(name, new ClusterGone(view with { Version = view.Version + 1 }));
    }

    private void ApplyNodes(string cluster, DirectoryChange<NodeRecord> change)
    {
        if (!_state.Clusters.TryGetValue(cluster, out var view))
        {
            // From a watcher of a cluster that is gone.
            return;
        }
        if (change.Kind == DirectoryChangeKind.Snapshot)
        {
            ApplySnapshot(view, change.Entries!);
            return;
        }
        if (!view.Freshness.HasData)
        {
            // Changes come after the watch's first snapshot; nothing to apply them to before it.
            return;
        }
        var name = change.Name!;
        view.Nodes.TryGetValue(name, out var old);
        switch (change.Kind)
        {
            case DirectoryChangeKind.Added or DirectoryChangeKind.Updated:
                Put(view, name, old, change.Value!);
                break;
            case DirectoryChangeKind.Removed:
                if (old is not null)
                {
                    Remove(view, name, old);
                }
                break;
            case DirectoryChangeKind.Invalid:
                _observer.InvalidRecord(cluster, name, change.Error!);
                if (old is not null)
                {
                    Remove(view, name, old);
                }
                break;
        }
    }

    /// <summary>
    /// The watch's first snapshot is the cluster's first data: followers get it whole. A later one (a
    /// watch that fell behind) is turned into the changes from what the view holds.
    /// </summary>
    private void ApplySnapshot(ClusterView view, IReadOnlyDictionary<string, NodeRecord> entries)
    {
        if (!view.Freshness.HasData)
        {
            var builder = ImmutableSortedDictionary.CreateBuilder<string, NodeRecord>(StringComparer.Ordinal);
            foreach (var (name, node) in entries)
            {
                builder[name] = node;
            }
            var freshness = Reported(_reported.GetValueOrDefault(view.Name, WatchFreshness.Live));
            var read = Store(view with { Nodes = builder.ToImmutable(), Freshness = freshness, Version = view.Version + 1 });
            _observer.FreshnessChanged(view.Name, freshness);
            Tell(view.Name, new ClusterSnapshot(read));
            return;
        }
        foreach (var (name, old) in view.Nodes.Where(node => !entries.ContainsKey(node.Key)).ToList())
        {
            view = Remove(view, name, old);
        }
        foreach (var (name, node) in entries)
        {
            view.Nodes.TryGetValue(name, out var old);
            view = Put(view, name, old, node);
        }
    }

    private ClusterView Put(ClusterView view, string name, NodeRecord? old, NodeRecord node)
    {
        if (old is not null && old.Equals(node))
        {
            return view;
        }
        var next = Store(view with { Nodes = view.Nodes.SetItem(name, node), Version = view.Version + 1 });
        Tell(view.Name, old is null ? new NodeAdded(next, node) : new NodeUpdated(next, node, old, NodeUpdated.Between(old, node)));
        return next;
    }

    private ClusterView Remove(ClusterView view, string name, NodeRecord old)
    {
        var next = Store(view with { Nodes = view.Nodes.Remove(name), Version = view.Version + 1 });
        Tell(view.Name, new NodeRemoved(next, old));
        return next;
    }

    private void ApplyNodesFreshness(string cluster, WatchFreshness reported)
    {
        if (!_state.Clusters.TryGetValue(cluster, out var view))
        {
            return;
        }
        _reported[cluster] = reported;
        if (!view.Freshness.HasData)
        {
            // Unread until the first snapshot arrives, whatever the watcher says.
            return;
        }
        var next = view.Freshness.Then(reported, Now);
        if (next != view.Freshness)
        {
            var changed = Store(view with { Freshness = next, Version = view.Version + 1 });
            _observer.FreshnessChanged(cluster, next);
            Tell(cluster, new FreshnessChanged(changed));
        }
    }

    /// <summary>The freshness of data just read, given what the watcher last reported.</summary>
    private Freshness Reported(WatchFreshness reported) => reported switch
    {
        WatchFreshness.Stale => Freshness.StaleSince(Now),
        _ => Freshness.Live,
    };

    private ClusterView Store(ClusterView view)
    {
        _state = _state with { Clusters = _state.Clusters.SetItem(view.Name, view) };
        return view;
    }

    private void AddFollower(ClusterSubscription subscription)
    {
        if (!_followers.TryGetValue(subscription.Cluster, out var list))
        {
            list = [];
            _followers[subscription.Cluster] = list;
        }
        list.Add(subscription);
        if (!_state.Clusters.TryGetValue(subscription.Cluster, out var view))
        {
            subscription.Queue.Writer.TryWrite(new ClusterGone(ClusterView.Empty(subscription.Cluster)));
        }
        else if (view.Freshness.HasData)
        {
            subscription.Queue.Writer.TryWrite(new ClusterSnapshot(view));
        }
        // Else the snapshot follows with the cluster's first read.
    }

    private void RemoveFollower(ClusterSubscription subscription)
    {
        if (_followers.TryGetValue(subscription.Cluster, out var list) && list.Remove(subscription) && list.Count == 0)
        {
            _followers.Remove(subscription.Cluster);
        }
        subscription.Queue.Writer.TryComplete();
    }

    private void Tell(string cluster, ClusterEvent clusterEvent)
    {
        if (!_followers.TryGetValue(cluster, out var list))
        {
            return;
        }
        foreach (var follower in list)
        {
            var queue = follower.Queue;
            if (queue.Reader.Count < follower.Capacity)
            {
                queue.Writer.TryWrite(clusterEvent);
                continue;
            }
            // Fallen behind: what it missed is replaced by the state it would reach.
            while (queue.Reader.TryRead(out _))
            {
            }
            _observer.SubscriberLagged(cluster);
            queue.Writer.TryWrite(clusterEvent is ClusterGone ? clusterEvent : new ClusterSnapshot(clusterEvent.View));
        }
    }
}
