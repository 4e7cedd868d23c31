using Drover.Registry;

namespace Drover.Sidecar.View;

/// <summary>What the view's loop acts on: what the registry watchers saw, and subscriptions.</summary>
public abstract record ViewInput;

/// <summary>A change of the list of clusters (the children of &lt;root&gt;/&lt;framework&gt;/clusters).</summary>
public sealed record ClustersChanged(DirectoryChange<string> Change) : ViewInput;

/// <summary>The watcher of the list of clusters became live or stale.</summary>
public sealed record ClustersFreshness(WatchFreshness State) : ViewInput;

/// <summary>A change of one cluster's nodes/.</summary>
public sealed record NodesChanged(string Cluster, DirectoryChange<NodeRecord> Change) : ViewInput;

/// <summary>The watcher of one cluster's nodes/ became live or stale.</summary>
public sealed record NodesFreshness(string Cluster, WatchFreshness State) : ViewInput;

/// <summary>A follower starts (posted by <see cref="RegistryView.Subscribe"/>).</summary>
public sealed record FollowerAdded(ClusterSubscription Subscription) : ViewInput;

/// <summary>A follower stops (posted when its subscription is disposed).</summary>
public sealed record FollowerRemoved(ClusterSubscription Subscription) : ViewInput;

/// <summary>Where the view's data comes from: the loop asks it to follow a cluster's nodes, or to stop.</summary>
public interface IRegistrySource
{
    /// <summary>Starts watching the cluster's nodes; what is seen comes back as <see cref="NodesChanged"/> and <see cref="NodesFreshness"/>.</summary>
    void Watch(string cluster);

    void Unwatch(string cluster);
}

/// <summary>What the view reports to metrics and logs (the loop's other effects).</summary>
public interface IViewObserver
{
    void InvalidRecord(string cluster, string node, RecordFormatException error);

    void ClusterAdded(string cluster);

    void ClusterRemoved(string cluster);

    void FreshnessChanged(string? cluster, Freshness freshness);

    void SubscriberLagged(string cluster);
}
