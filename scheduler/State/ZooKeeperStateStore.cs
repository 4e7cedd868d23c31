using Drover.Logging;
using Drover.ZooKeeper;

namespace Drover.Scheduler.State;

/// <summary>
/// The scheduler's state in ZooKeeper (<see cref="StatePaths"/>). Each commit is one <c>multi</c>: all its writes
/// or none, each guarded by the znode version this scheduler last saw, plus a check that its leader candidate
/// znode still exists. A scheduler that lost its session (and so its leadership) or met another writer cannot
/// write: its commit fails and it stops, and the new leader reloads what was committed.
/// </summary>
public sealed class ZooKeeperStateStore : IStateStore
{
    /// <summary>How long a commit keeps retrying through connection losses before the scheduler gives up.</summary>
    public static readonly TimeSpan CommitRetryLimit = TimeSpan.FromSeconds(60);

    private readonly ZooKeeperClient _client;
    private readonly IReadOnlyList<Acl> _acl;
    private readonly Dictionary<string, int> _versions = new(StringComparer.Ordinal);

    public ZooKeeperStateStore(ZooKeeperClient client, StatePaths paths, IReadOnlyList<Acl> acl)
    {
        _client = client;
        _acl = acl;
        Codec = new StateCodec(paths);
    }

    public StateCodec Codec { get; }

    /// <summary>The leader candidate znode every commit checks (null: no fencing, e.g. the reset command).</summary>
    public string? Fence { get; set; }

    /// <summary>Creates the scheduler's directories (with the store's ACL) where they are missing.</summary>
    public async Task EnsureDirectoriesAsync(CancellationToken cancellationToken = default)
    {
        foreach (var path in Codec.Paths.Directories())
        {
            try
            {
                await _client.CreateAsync(path, ReadOnlyMemory<byte>.Empty, _acl, CreateMode.Persistent, cancellationToken).ConfigureAwait(false);
            }
            catch (NodeExistsException)
            {
                // Made by an earlier run, another scheduler of the framework, or the registry.
            }
        }
    }

    public async Task<StoredState> LoadAsync(CancellationToken cancellationToken = default)
    {
        var paths = Codec.Paths;
        _versions.Clear();
        FrameworkRecord? framework = null;
        if (await ReadAsync(paths.FrameworkId, cancellationToken).ConfigureAwait(false) is { } frameworkData)
        {
            framework = StateCodec.DecodeFramework(paths.FrameworkId, frameworkData);
        }

        var clusters = await ReadAllAsync(paths.Clusters, StateCodec.DecodeCluster, cancellationToken).ConfigureAwait(false);
        var nodes = await ReadAllAsync(paths.Nodes, StateCodec.DecodeNode, cancellationToken).ConfigureAwait(false);
        var ledger = await ReadAllAsync(paths.Ledger, StateCodec.DecodeLedger, cancellationToken).ConfigureAwait(false);
        var plans = await ReadAllAsync(paths.Plans, StateCodec.DecodePlan, cancellationToken).ConfigureAwait(false);
        return new StoredState { Framework = framework, Clusters = clusters, Nodes = nodes, Ledger = ledger, Plans = plans };
    }

    public async Task CommitAsync(IReadOnlyList<StoreWrite> writes, CancellationToken cancellationToken = default)
    {
        if (writes.Count == 0)
        {
            return;
        }

        // Later writes of one path win (the loop may put a record twice in one batch).
        var intended = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        foreach (var write in writes)
        {
            var (path, data) = Codec.Encode(write);
            intended[path] = data;
        }

        var deadline = DateTimeOffset.UtcNow + CommitRetryLimit;
        while (true)
        {
            try
            {
                var ops = Operations(intended);
                var results = await _client.MultiAsync(ops, cancellationToken).ConfigureAwait(false);
                Remember(ops, results);
                return;
            }
            catch (ConnectionLossException e)
            {
                // The multi may or may not have been applied: look before trying again.
                if (DateTimeOffset.UtcNow > deadline)
                {
                    throw new StateStoreException($"ZooKeeper unreachable for {CommitRetryLimit.TotalSeconds:0} s while committing state", e);
                }

                Log.Warning($"ZooKeeper connection lost during a commit ({e.Message}); checking whether it was applied");
                try
                {
                    await _client.WaitForStateAsync(s => s is not (ZooKeeperState.Connecting or ZooKeeperState.Disconnected), cancellationToken).ConfigureAwait(false);
                    if (await AppliedAsync(intended, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (KeeperException lost) when (lost is not ConnectionLossException)
                {
                    // The session ended meanwhile (expired: a standby may lead now): nothing more may be written.
                    throw new StateStoreException($"ZooKeeper ended the session during a commit: {lost.Message}", lost);
                }
            }
            catch (KeeperException e) when (e is BadVersionException or NodeExistsException or NoNodeException)
            {
                throw new StateStoreException(
                    $"another writer changed the scheduler's state, or this scheduler lost its leadership ({e.Code} at {e.Path}): stopping", e);
            }
            catch (KeeperException e)
            {
                throw new StateStoreException($"ZooKeeper refused the commit: {e.Message}", e);
            }
        }
    }

    private List<Op> Operations(Dictionary<string, byte[]?> intended)
    {
        var ops = new List<Op>(intended.Count + 1);
        if (Fence is { } fence)
        {
            ops.Add(Op.Check(fence, 0));
        }

        foreach (var (path, data) in intended)
        {
            var known = _versions.TryGetValue(path, out var version);
            if (data is null)
            {
                if (known)
                {
                    ops.Add(Op.Delete(path, version));
                }
            }
            else
            {
                ops.Add(known ? Op.SetData(path, data, version) : Op.Create(path, data, _acl, CreateMode.Persistent));
            }
        }

        return ops;
    }

    private void Remember(List<Op> ops, IReadOnlyList<OpResult> results)
    {
        for (var i = 0; i < ops.Count && i < results.Count; i++)
        {
            switch (ops[i], results[i])
            {
                case (Op.CreateOp create, _):
                    _versions[create.Path] = 0;
                    break;
                case (Op.SetDataOp set, OpResult.SetData done):
                    _versions[set.Path] = done.Stat.Version;
                    break;
                case (Op.DeleteOp delete, _):
                    _versions.Remove(delete.Path);
                    break;
            }
        }
    }

    /// <summary>After a lost reply: whether every intended write is what ZooKeeper holds (then the versions are refreshed).</summary>
    private async Task<bool> AppliedAsync(Dictionary<string, byte[]?> intended, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, int?>(StringComparer.Ordinal);
        var applied = true;
        foreach (var (path, data) in intended)
        {
            try
            {
                var current = await _client.GetDataAsync(path, watcher: null, cancellationToken).ConfigureAwait(false);
                seen[path] = current.Stat.Version;
                applied &= data is not null && current.Data.AsSpan().SequenceEqual(data);
            }
            catch (NoNodeException)
            {
                seen[path] = null;
                applied &= data is null;
            }
        }

        if (applied)
        {
            foreach (var (path, version) in seen)
            {
                if (version is { } v)
                {
                    _versions[path] = v;
                }
                else
                {
                    _versions.Remove(path);
                }
            }
        }

        return applied;
    }

    private async Task<byte[]?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var result = await _client.GetDataAsync(path, watcher: null, cancellationToken).ConfigureAwait(false);
            _versions[path] = result.Stat.Version;
            return result.Data;
        }
        catch (NoNodeException)
        {
            return null;
        }
    }

    private async Task<List<T>> ReadAllAsync<T>(string directory, Func<string, byte[], T> decode, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        IReadOnlyList<string> children;
        try
        {
            children = (await _client.GetChildrenAsync(directory, watcher: null, cancellationToken).ConfigureAwait(false)).Children;
        }
        catch (NoNodeException)
        {
            return list;
        }

        foreach (var child in children.Order(StringComparer.Ordinal))
        {
            var path = directory + "/" + child;
            if (await ReadAsync(path, cancellationToken).ConfigureAwait(false) is { } data)
            {
                list.Add(decode(path, data));
            }
        }

        return list;
    }

    /// <summary>The stored framework id, or null (the reset command).</summary>
    public async Task<string?> ReadFrameworkIdAsync(CancellationToken cancellationToken = default) =>
        await ReadAsync(Codec.Paths.FrameworkId, cancellationToken).ConfigureAwait(false) is { } data
            ? StateCodec.DecodeFramework(Codec.Paths.FrameworkId, data).Id
            : null;

    /// <summary>Forgets the framework id, only if it is <paramref name="confirmedId"/> (the operator's explicit reset).</summary>
    public async Task ResetFrameworkIdAsync(string confirmedId, CancellationToken cancellationToken = default)
    {
        var path = Codec.Paths.FrameworkId;
        var stored = await ReadFrameworkIdAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new StateStoreException($"no framework id is stored at {path}: nothing to reset");
        if (stored != confirmedId)
        {
            throw new StateStoreException($"the stored framework id is {stored}, not {confirmedId}: nothing was changed");
        }

        await _client.DeleteAsync(path, _versions[path], cancellationToken).ConfigureAwait(false);
        _versions.Remove(path);
    }
}
