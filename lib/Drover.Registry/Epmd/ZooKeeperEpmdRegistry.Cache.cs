using Drover.Epmd;

namespace Drover.Registry.Epmd;

/// <summary>The local copy of epmd/ that lookups are answered from.</summary>
public sealed partial class ZooKeeperEpmdRegistry
{
    /// <summary>
    /// Follows the watched directory (child watch on epmd/, data watch on each entry; re-read after a lost
    /// connection or a new session) and keeps <see cref="_cache"/>, keyed by Erlang name, equal to it.
    /// </summary>
    private async Task KeepCacheAsync()
    {
        try
        {
            await foreach (var change in _watcher.WatchAsync(_stop.Token).ConfigureAwait(false))
            {
                Apply(change);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Apply(DirectoryChange<NodeRegistration> change)
    {
        switch (change.Kind)
        {
            case DirectoryChangeKind.Snapshot:
                var now = change.Entries!.Values.ToDictionary(r => r.Name, StringComparer.Ordinal);
                foreach (var (name, cached) in _cache)
                {
                    if (!now.ContainsKey(name))
                    {
                        Remove(name, cached.Registration);
                    }
                }
                foreach (var registration in now.Values)
                {
                    Put(registration);
                }
                break;
            case DirectoryChangeKind.Added or DirectoryChangeKind.Updated:
                Put(change.Value!);
                break;
            case DirectoryChangeKind.Removed or DirectoryChangeKind.Invalid:
                if (change.Previous is { } previous)
                {
                    Remove(previous.Name, previous);
                }
                break;
        }
    }

    private void Put(NodeRegistration registration) =>
        _cache.AddOrUpdate(
            registration.Name,
            static (_, state) => new Cached(state.registration, Interlocked.Increment(ref state.self._sequence)),
            static (_, old, state) => old.Registration == state.registration ? old : old with { Registration = state.registration },
            (registration, self: this));

    private void Remove(string name, NodeRegistration registration)
    {
        _cache.TryRemove(name, out _);
        RememberCreation(registration);
    }

    /// <summary>
    /// A node that left the cluster (from any host) leaves its creation counter behind, so that if it comes back
    /// here its next creation follows on, as it would on one epmd. Only a 32-bit creation is the counter itself.
    /// </summary>
    private void RememberCreation(NodeRegistration left)
    {
        if (left.HighestVersion < Drover.Epmd.Protocol.EpmdLimits.ExtendedCreationVersion)
        {
            return;
        }
        lock (_gate)
        {
            if (_held.ContainsKey(left.Name) || _counters.IsRetired(null, left.Name))
            {
                return; // ours (its counter is kept when it ends here), or already remembered
            }
            _counters.Retire(null, left.Name, left.Creation);
        }
    }

    /// <summary>The decoder of epmd/ entries: a registration stored under the znode name of its own name.</summary>
    private static NodeRegistration Decode(string znodeName, ReadOnlyMemory<byte> data)
    {
        var registration = EpmdRecordJson.Parse(data);
        if (EpmdZnodeName.Of(registration.Name) != znodeName)
        {
            throw new RecordFormatException($"The registration names node '{registration.Name}' but is stored as '{znodeName}'.");
        }
        return registration;
    }
}
