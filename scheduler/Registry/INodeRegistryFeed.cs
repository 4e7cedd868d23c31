using RegisteredNode = Drover.Registry.NodeRecord;

namespace Drover.Scheduler.Registry;

/// <summary>Where a cluster's nodes register (NodeSpec.zookeeper as the scheduler gives it to them).</summary>
public sealed record RegistryTarget(string Cluster, string Connect, string Root);

/// <summary>
/// The executors' endpoint records (<c>lib/Drover.Registry</c>), followed for the clusters the scheduler runs, so
/// that the operator sees each node's endpoints and health as the node itself published them. The loop says which
/// clusters to follow after each event; each change arrives as the cluster's whole set of records, on any thread
/// (the loop posts it to itself). Only the operator's view depends on them: no decision does.
/// </summary>
public interface INodeRegistryFeed : IAsyncDisposable
{
    /// <summary>Follows exactly <paramref name="targets"/> from now on; <paramref name="deliver"/> gets (cluster, node name → record).</summary>
    void Follow(IReadOnlyCollection<RegistryTarget> targets, Action<string, IReadOnlyDictionary<string, RegisteredNode>> deliver);
}
