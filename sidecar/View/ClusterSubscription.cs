using System.Threading.Channels;

namespace Drover.Sidecar.View;

/// <summary>
/// One follower of a cluster (a WatchNodes stream, a proxy listener): a bounded queue the view's loop
/// writes. It starts with a <see cref="ClusterSnapshot"/> (when the cluster has been read) or a
/// <see cref="ClusterGone"/> (when there is no such cluster now; a follower may stay and wait for it).
/// A follower that falls <see cref="Capacity"/> events behind loses them and gets one snapshot instead.
/// </summary>
public sealed class ClusterSubscription : IDisposable
{
    public const int DefaultCapacity = 1024;

    private readonly RegistryView _view;
    private int _disposed;

    internal ClusterSubscription(RegistryView view, string cluster, int capacity)
    {
        _view = view;
        Cluster = cluster;
        Capacity = capacity;
        // Not single-reader: the loop itself empties the queue of a follower that fell behind.
        Queue = Channel.CreateUnbounded<ClusterEvent>(new UnboundedChannelOptions { SingleWriter = true });
    }

    public string Cluster { get; }

    public int Capacity { get; }

    public ChannelReader<ClusterEvent> Events => Queue.Reader;

    internal Channel<ClusterEvent> Queue { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _view.Post(new FollowerRemoved(this));
        }
    }
}
