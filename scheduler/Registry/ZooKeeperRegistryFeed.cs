using Drover.Registry;
using Drover.Logging;
using RegisteredNode = Drover.Registry.NodeRecord;

namespace Drover.Scheduler.Registry;

/// <summary>
/// <see cref="INodeRegistryFeed"/> on ZooKeeper: one <see cref="ClusterWatcher"/> per followed cluster, on one
/// registry session per ZooKeeper (connect string and root). Reads need no credentials: registry entries are
/// world-readable even when the framework writes them with a digest.
/// </summary>
public sealed class ZooKeeperRegistryFeed(string framework, TimeSpan sessionTimeout) : INodeRegistryFeed
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Connect, string Root), RegistrySession> _sessions = [];
    private readonly Dictionary<RegistryTarget, Follower> _followers = [];
    private readonly List<Task> _stopping = [];
    private bool _disposed;

    public void Follow(IReadOnlyCollection<RegistryTarget> targets, Action<string, IReadOnlyDictionary<string, RegisteredNode>> deliver)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(deliver);
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            foreach (var gone in _followers.Keys.Where(t => !targets.Contains(t)).ToList())
            {
                _stopping.Add(_followers[gone].StopAsync());
                _followers.Remove(gone);
            }

            foreach (var target in targets.Where(t => !_followers.ContainsKey(t)))
            {
                try
                {
                    _followers[target] = Follower.Start(Session(target), target, deliver);
                }
                catch (ArgumentException e)
                {
                    // A registry the spec names that cannot be watched (a bad connect string): the view falls back to reserved ports.
                    Log.Warning($"cannot follow the registry at {target.Connect}{target.Root}: {e.Message}", target.Cluster);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Task> stopping;
        List<RegistrySession> sessions;
        lock (_gate)
        {
            _disposed = true;
            stopping = [.. _stopping, .. _followers.Values.Select(f => f.StopAsync())];
            sessions = [.. _sessions.Values];
            _followers.Clear();
            _sessions.Clear();
        }

        await Task.WhenAll(stopping).ConfigureAwait(false);
        foreach (var session in sessions)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    private RegistrySession Session(RegistryTarget target)
    {
        var key = (target.Connect, target.Root);
        if (!_sessions.TryGetValue(key, out var session))
        {
            session = new RegistrySession(new RegistryOptions
            {
                ConnectString = target.Connect,
                Root = target.Root,
                Framework = framework,
                SessionTimeout = sessionTimeout,
            });
            _sessions[key] = session;
        }

        return session;
    }

    /// <summary>One cluster's watcher and the task that hands its changes over.</summary>
    private sealed class Follower
    {
        private readonly ClusterWatcher _watcher;
        private readonly CancellationTokenSource _stop = new();
        private Task _pump = Task.CompletedTask;

        private Follower(ClusterWatcher watcher) => _watcher = watcher;

        public static Follower Start(RegistrySession session, RegistryTarget target, Action<string, IReadOnlyDictionary<string, RegisteredNode>> deliver)
        {
            var follower = new Follower(new ClusterWatcher(session, target.Cluster));
            follower._pump = Task.Run(() => follower.PumpAsync(target, deliver));
            return follower;
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _pump.ConfigureAwait(false);
            await _watcher.DisposeAsync().ConfigureAwait(false);
            _stop.Dispose();
        }

        private async Task PumpAsync(RegistryTarget target, Action<string, IReadOnlyDictionary<string, RegisteredNode>> deliver)
        {
            try
            {
                await foreach (var change in _watcher.WatchAsync(_stop.Token).ConfigureAwait(false))
                {
                    if (change.Kind == DirectoryChangeKind.Invalid)
                    {
                        Log.Warning($"registry entry {change.Name}: {change.Error?.Message}", target.Cluster);
                    }

                    deliver(target.Cluster, _watcher.Snapshot);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
