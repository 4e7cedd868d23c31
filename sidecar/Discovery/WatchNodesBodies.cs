using System.Runtime.CompilerServices;
using Drover.Sidecar.View;

namespace Drover.Sidecar.Discovery;

/// <summary>
/// The serialized bodies of WatchNodes messages (<see cref="WatchNodesPayload.Body"/>), built once and shared
/// by every stream. A change is told to every follower as the same event object: its body lives as long as
/// that event (a weak table). A snapshot is made for each follower that subscribes or falls behind, but its
/// content is the cluster's version: one body per cluster, of its latest version, so 100 streams starting
/// on a 10,000-node cluster serialize those nodes once, and memory holds at most one snapshot per cluster.
/// </summary>
public sealed class WatchNodesBodies
{
    private readonly ConditionalWeakTable<ClusterEvent, byte[]> _changes = [];
    private readonly Dictionary<string, (ClusterView View, Lazy<byte[]> Body)> _snapshots = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>How many snapshot bodies were serialized (one per cluster version asked for, not per stream).</summary>
    public long SnapshotsSerialized => Interlocked.Read(ref _snapshotsSerialized);

    private long _snapshotsSerialized;

    public byte[] Body(ClusterEvent clusterEvent)
    {
        ArgumentNullException.ThrowIfNull(clusterEvent);
        return clusterEvent is ClusterSnapshot snapshot ? Snapshot(snapshot.View) : _changes.GetValue(clusterEvent, Build);
    }

    /// <summary>The cluster is gone: its snapshot is not kept.</summary>
    public void Forget(string cluster)
    {
        lock (_lock)
        {
            _snapshots.Remove(cluster);
        }
    }

    private byte[] Snapshot(ClusterView view)
    {
        Lazy<byte[]> body;
        lock (_lock)
        {
            if (_snapshots.TryGetValue(view.Name, out var cached) && ReferenceEquals(cached.View, view))
            {
                body = cached.Body;
            }
            else
            {
                body = new Lazy<byte[]>(() => BuildSnapshot(view));
                // A follower still reading an older version's snapshot does not evict the latest.
                if (cached.View is null || view.Version >= cached.View.Version)
                {
                    _snapshots[view.Name] = (view, body);
                }
            }
        }
        // Serialized outside the lock, once: the streams asking for the same version wait for the first.
        return body.Value;
    }

    private byte[] BuildSnapshot(ClusterView view)
    {
        Interlocked.Increment(ref _snapshotsSerialized);
        return Build(new ClusterSnapshot(view));
    }

    private static byte[] Build(ClusterEvent clusterEvent)
    {
        var response = new V1.WatchNodesResponse();
        switch (clusterEvent)
        {
            case ClusterSnapshot snapshot:
                response.Type = V1.WatchNodesResponse.Types.Type.Snapshot;
                foreach (var node in snapshot.View.Nodes.Values)
                {
                    response.Nodes.Add(Messages.Node(node));
                }
                break;
            case NodeAdded added:
                response.Type = V1.WatchNodesResponse.Types.Type.Added;
                response.Nodes.Add(Messages.Node(added.Node));
                break;
            case NodeRemoved removed:
                response.Type = V1.WatchNodesResponse.Types.Type.Removed;
                response.Nodes.Add(Messages.Node(removed.Previous));
                break;
            case NodeUpdated updated:
                response.Type = V1.WatchNodesResponse.Types.Type.Updated;
                response.Nodes.Add(Messages.Node(updated.Node));
                response.Changes.AddRange(Messages.Changes(updated.Changes));
                break;
            case FreshnessChanged:
                response.Type = V1.WatchNodesResponse.Types.Type.Freshness;
                break;
        }
        // No freshness here (field 4): each stream appends it as it writes (WatchNodesPayload).
        return Google.Protobuf.MessageExtensions.ToByteArray(response);
    }
}
