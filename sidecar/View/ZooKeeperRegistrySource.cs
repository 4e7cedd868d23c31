using Drover.Registry;

namespace Drover.Sidecar.View;

/// <summary>
/// Feeds a <see cref="RegistryView"/> from ZooKeeper through the registry's watchers, all on one
/// session: the list of clusters (when the view follows every cluster) and one
/// <see cref="ClusterWatcher"/> per cluster. Each watcher's changes and freshness are posted to the view;
/// the watchers re-read everything after a session expiry by themselves.
/// </summary>
public sealed partial class ZooKeeperRegistrySource : IRegistrySource, IAsyncDisposable
{
    private readonly RegistrySession _session;
    private readonly Action<ViewInput> _post;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Followed> _clusters = new(StringComparer.Ordinal);
    private readonly List<Task> _pumps = [];
    private DirectoryWatcher<string>? _clusterList;

    public ZooKeeperRegistrySource(RegistrySession session, Action<ViewInput> post, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(post);
        ArgumentNullException.ThrowIfNull(log);
        _session = session;
        _post = post;
        _log = log;
    }

    /// <summary>Follows &lt;root&gt;/&lt;framework&gt;/clusters: each child is a cluster.</summary>
    public void FollowClusterList()
    {
        lock (_gate)
        {
            if (_clusterList is not null)
            {
                return;
            }
            var watcher = new DirectoryWatcher<string>(_session, _session.Paths.Clusters, static (name, _) => name);
            watcher.FreshnessChanged += (_, state) => _post(new ClustersFreshness(state));
            watcher.ReadFailed += (_, error) => LogReadFailed(_log, _session.Paths.Clusters, error.Message);
            _clusterList = watcher;
            _pumps.Add(Task.Run(() => PumpAsync(watcher, change => new ClustersChanged(change))));
        }
    }

    public void Watch(string cluster)
    {
        lock (_gate)
        {
            if (_stop.IsCancellationRequested || _clusters.ContainsKey(cluster))
            {
                return;
            }
            var watcher = new ClusterWatcher(_session, cluster);
            watcher.FreshnessChanged += (_, state) => _post(new NodesFreshness(cluster, state));
            watcher.ReadFailed += (_, error) => LogReadFailed(_log, watcher.Path, error.Message);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var pump = Task.Run(() => PumpAsync(watcher, change => new NodesChanged(cluster, change), stop.Token));
            _clusters[cluster] = new Followed(watcher, stop, pump);
        }
    }

    public void Unwatch(string cluster)
    {
        Followed? followed;
        lock (_gate)
        {
            if (!_clusters.Remove(cluster, out followed))
            {
                return;
            }
        }
        _ = followed.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        List<Followed> clusters;
        DirectoryWatcher<string>? list;
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }
            _stop.Cancel();
            clusters = [.. _clusters.Values];
            _clusters.Clear();
            list = _clusterList;
        }
        foreach (var followed in clusters)
        {
            await followed.StopAsync().ConfigureAwait(false);
        }
        if (list is not null)
        {
            await list.DisposeAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(_pumps).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task PumpAsync<T>(DirectoryWatcher<T> watcher, Func<DirectoryChange<T>, ViewInput> wrap, CancellationToken stop = default)
        where T : class
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(stop, _stop.Token);
        try
        {
            await foreach (var change in watcher.WatchAsync(both.Token).ConfigureAwait(false))
            {
                _post(wrap(change));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ZooKeeper read of {Path} failed, retrying: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string path, string reason);

    private sealed record Followed(ClusterWatcher Watcher, CancellationTokenSource Stop, Task Pump)
    {
        public async Task StopAsync()
        {
            await Stop.CancelAsync().ConfigureAwait(false);
            await Watcher.DisposeAsync().ConfigureAwait(false);
            await Pump.ConfigureAwait(false);
            Stop.Dispose();
        }
    }
}
