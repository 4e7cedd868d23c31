using System.Diagnostics;
using Drover.ZooKeeper;

namespace Drover.Registry;

/// <summary>The loop that makes ZooKeeper hold what the caller asked for, and keeps it so.</summary>
public sealed partial class NodeRegistry
{
    // Owned by the loop; volatile so the status properties may read it.
    private volatile Written? _written;

    // The session in which the parents were seen to exist.
    private ZooKeeperClient? _parentsReadyOn;

    // Set when the next creation restores a registration lost with its session.
    private bool _reregister;

    // Set while a delete has been sent whose outcome is not known.
    private bool _deleteInDoubt;

    // For events about a deregistration, which has no desired record of its own.
    private Desired? _lastDesired;

    private async Task RunAsync()
    {
        var backoff = new Backoff(_session.Options.InitialBackoff, _session.Options.MaxBackoff);
        long? conflictSince = null;
        while (true)
        {
            try
            {
                await _wake.Reader.ReadAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            while (!_stop.IsCancellationRequested)
            {
                var (desired, version) = Wanted();
                Exception? error;
                try
                {
                    await ReconcileAsync(desired, _stop.Token).ConfigureAwait(false);
                    CompleteWaiters(version);
                    backoff.Reset();
                    conflictSince = null;
                    if (Wanted().Version == version)
                    {
                        break;
                    }
                    continue;
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    error = e;
                }
                var subject = desired ?? _lastDesired;
                var sessionId = _session.Current?.SessionId ?? 0;
                if (IsPassing(error))
                {
                    Interlocked.Increment(ref _counters.Retries);
                    Raise(NodeRegistryEventKind.Retrying, subject, sessionId, error: error);
                }
                else if (error is NodeConflictException conflict)
                {
                    Interlocked.Increment(ref _counters.Conflicts);
                    conflictSince ??= Stopwatch.GetTimestamp();
                    Raise(NodeRegistryEventKind.Conflict, subject, sessionId, conflict.Path, conflict);
                    if (Elapsed(conflictSince.Value, _session.Options.ConflictTimeout))
                    {
                        FailWaiters(version, new NodeConflictException(conflict.Path!, conflict.OwnerSessionId, Stopwatch.GetElapsedTime(conflictSince.Value)));
                    }
                }
                else
                {
                    Interlocked.Increment(ref _counters.Failures);
                    Raise(NodeRegistryEventKind.Failed, subject, sessionId, error: error);
                    FailWaiters(version, error);
                }
                try
                {
                    await Task.Delay(backoff.Next(), _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Failures that pass by themselves: the retry will meet a reconnected or fresh session.</summary>
    private static bool IsPassing(Exception e) =>
        e is ConnectionLossException or SessionExpiredException or SessionMovedException or OperationTimeoutException
            or RequestTimeoutException or TimeoutException or NoNodeException;

    private async Task ReconcileAsync(Desired? desired, CancellationToken stop)
    {
        try
        {
            await ReconcileOnceAsync(desired, stop).ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
            // A parent may have been deleted under us: look at them again on the retry.
            _parentsReadyOn = null;
            throw;
        }
    }

    private async Task ReconcileOnceAsync(Desired? desired, CancellationToken stop)
    {
        if (desired is not null)
        {
            _lastDesired = desired;
        }
        var client = await _session.GetClientAsync(stop).ConfigureAwait(false);
        if (_written is { } written && written.Client != client)
        {
            // That session ended, and ZooKeeper deleted its ephemeral nodes with it.
            _written = null;
            _reregister = true;
            _deleteInDoubt = false;
        }
        if (desired is null)
        {
            if (_written is { } toDelete)
            {
                await DeleteAsync(client, toDelete, stop).ConfigureAwait(false);
                _written = null;
                _reregister = false;
                Interlocked.Increment(ref _counters.Writes);
                Interlocked.Increment(ref _counters.Deregistrations);
                Raise(NodeRegistryEventKind.Deregistered, _lastDesired, client.SessionId, toDelete.NodePath);
            }
            return;
        }
        if (_written is null)
        {
            await CreateAsync(client, desired, stop).ConfigureAwait(false);
        }
        else
        {
            await UpdateAsync(client, _written, desired, stop).ConfigureAwait(false);
        }
    }

    private async Task CreateAsync(ZooKeeperClient client, Desired desired, CancellationToken stop)
    {
        await EnsureParentsAsync(client, desired, stop).ConfigureAwait(false);
        var acl = _session.Options.Acl;
        List<Op> ops = [Op.Create(desired.NodePath, desired.NodeJson, acl, CreateMode.Ephemeral)];
        if (desired.MemberJson is not null)
        {
            ops.Add(Op.Create(desired.Paths.MemberPathPrefix, desired.MemberJson, acl, CreateMode.EphemeralSequential));
        }
        IReadOnlyList<OpResult> results;
        try
        {
            results = await client.MultiAsync(ops, stop).ConfigureAwait(false);
        }
        catch (NodeExistsException)
        {
            await AdoptAsync(client, desired, stop).ConfigureAwait(false);
            return;
        }
        var memberPath = desired.MemberJson is null ? null : ((OpResult.Create)results[1]).Path;
        _written = new Written(client, desired.NodePath, memberPath, desired.NodeJson, desired.MemberJson);
        Interlocked.Increment(ref _counters.Writes);
        CountRegistration(desired, client, memberPath);
    }

    private void CountRegistration(Desired desired, ZooKeeperClient client, string? memberPath)
    {
        var again = _reregister;
        _reregister = false;
        if (again)
        {
            Interlocked.Increment(ref _counters.Reregistrations);
        }
        else
        {
            Interlocked.Increment(ref _counters.Registrations);
        }
        Raise(again ? NodeRegistryEventKind.Reregistered : NodeRegistryEventKind.Registered, desired, client.SessionId, memberPath);
    }

    /// <summary>
    /// The endpoint record exists. If this session owns it, an earlier transaction went through and
    /// only its reply was lost (the transaction is atomic: our member exists too): find the member by
    /// its owner and endpoints, delete any duplicate, then bring both up to date. Otherwise the name
    /// belongs to another session.
    /// </summary>
    private async Task AdoptAsync(ZooKeeperClient client, Desired desired, CancellationToken stop)
    {
        // The lost write may have been applied through another server; read what the leader has.
        await client.SyncAsync(desired.NodePath, stop).ConfigureAwait(false);
        var stat = await client.ExistsAsync(desired.NodePath, watcher: null, stop).ConfigureAwait(false)
            ?? throw new NoNodeException(desired.NodePath, "The node vanished while its ownership was checked; retrying.", null);
        if (stat.EphemeralOwner != client.SessionId)
        {
            throw new NodeConflictException(desired.NodePath, stat.EphemeralOwner, TimeSpan.Zero);
        }
        var memberPath = desired.Member is null ? null : await FindOurMemberAsync(client, desired, stop).ConfigureAwait(false);
        Interlocked.Increment(ref _counters.AdoptedWrites);
        Raise(NodeRegistryEventKind.Adopted, desired, client.SessionId, memberPath);
        // What they hold is not known exactly (the lost write may be older than the desired record).
        _written = new Written(client, desired.NodePath, memberPath, [], memberPath is null ? null : []);
        await UpdateAsync(client, _written, desired, stop).ConfigureAwait(false);
        CountRegistration(desired, client, memberPath);
    }

    private async Task<string> FindOurMemberAsync(ZooKeeperClient client, Desired desired, CancellationToken stop)
    {
        var ours = new List<string>();
        var children = await client.GetChildrenAsync(desired.Paths.Members, watcher: null, stop).ConfigureAwait(false);
        foreach (var child in children.Children.Where(c => c.StartsWith(ClusterPaths.MemberPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var path = RegistryPaths.Join(desired.Paths.Members, child);
            DataResult data;
            try
            {
                data = await client.GetDataAsync(path, watcher: null, stop).ConfigureAwait(false);
            }
            catch (NoNodeException)
            {
                continue;
            }
            if (data.Stat.EphemeralOwner == client.SessionId && IsOurMember(data.Data, desired.Member!))
            {
                ours.Add(path);
            }
        }
        if (ours.Count == 0)
        {
            // Someone deleted it; the endpoint record alone is not a registration.
            return await client.CreateAsync(desired.Paths.MemberPathPrefix, desired.MemberJson, _session.Options.Acl, CreateMode.EphemeralSequential, stop).ConfigureAwait(false);
        }
        foreach (var duplicate in ours.Skip(1))
        {
            try
            {
                await client.DeleteAsync(duplicate, -1, stop).ConfigureAwait(false);
            }
            catch (NoNodeException)
            {
            }
            Interlocked.Increment(ref _counters.DuplicatesRemoved);
            Raise(NodeRegistryEventKind.DuplicateRemoved, desired, client.SessionId, duplicate);
        }
        return ours[0];
    }

    private static bool IsOurMember(byte[] data, ServerSetMember ours)
    {
        try
        {
            return ServerSetMember.Parse(data).SameEndpoints(ours);
        }
        catch (RecordFormatException)
        {
            return false;
        }
    }

    private async Task UpdateAsync(ZooKeeperClient client, Written written, Desired desired, CancellationToken stop)
    {
        var acl = _session.Options.Acl;
        var ops = new List<Op>();
        if (!written.NodeJson.AsSpan().SequenceEqual(desired.NodeJson))
        {
            ops.Add(Op.SetData(desired.NodePath, desired.NodeJson));
        }
        var memberCreated = false;
        if (desired.MemberJson is null && written.MemberPath is not null)
        {
            ops.Add(Op.Delete(written.MemberPath));
        }
        else if (desired.MemberJson is not null && written.MemberPath is null)
        {
            ops.Add(Op.Create(desired.Paths.MemberPathPrefix, desired.MemberJson, acl, CreateMode.EphemeralSequential));
            memberCreated = true;
        }
        else if (desired.MemberJson is not null && !written.MemberJson.AsSpan().SequenceEqual(desired.MemberJson))
        {
            ops.Add(Op.SetData(written.MemberPath!, desired.MemberJson));
        }
        if (ops.Count == 0)
        {
            return;
        }
        IReadOnlyList<OpResult> results;
        try
        {
            results = await client.MultiAsync(ops, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ConnectionLossException or NoNodeException)
        {
            // The outcome is unknown, or a node of ours was deleted by someone: find out from ZooKeeper
            // on the retry (the creation path adopts what is ours) instead of guessing.
            _written = null;
            throw;
        }
        var memberPath = desired.MemberJson is null ? null
            : memberCreated ? ((OpResult.Create)results[^1]).Path
            : written.MemberPath;
        _written = new Written(client, desired.NodePath, memberPath, desired.NodeJson, desired.MemberJson);
        Interlocked.Increment(ref _counters.Writes);
        Interlocked.Increment(ref _counters.Updates);
        Raise(NodeRegistryEventKind.Updated, desired, client.SessionId, memberPath);
    }

    /// <summary>
    /// Deletes the record and member in one transaction. If an earlier attempt's outcome is unknown (its
    /// reply was lost), deletes only what this session still owns: a successor may have taken the name
    /// since, and its node must survive our retry.
    /// </summary>
    private async Task DeleteAsync(ZooKeeperClient client, Written written, CancellationToken stop)
    {
        var paths = new[] { written.NodePath, written.MemberPath }.OfType<string>().ToList();
        if (!_deleteInDoubt)
        {
            _deleteInDoubt = true;
            try
            {
                await client.MultiAsync(paths.Select(path => Op.Delete(path)), stop).ConfigureAwait(false);
                _deleteInDoubt = false;
                return;
            }
            catch (NoNodeException)
            {
                // One of them is gone already: delete the rest, looking at each.
            }
        }
        while (true)
        {
            var ops = new List<Op>();
            foreach (var path in paths)
            {
                if (await client.ExistsAsync(path, watcher: null, stop).ConfigureAwait(false) is { } stat
                    && stat.EphemeralOwner == client.SessionId)
                {
                    ops.Add(Op.Delete(path, stat.Version));
                }
            }
            try
            {
                await client.MultiAsync(ops, stop).ConfigureAwait(false);
                _deleteInDoubt = false;
                return;
            }
            catch (Exception e) when (e is NoNodeException or BadVersionException)
            {
                // Changed between the look and the delete: look again.
            }
        }
    }

    /// <summary>Creates the persistent parents of nodes/ and members/ that are missing, with the registry's ACL.</summary>
    private async Task EnsureParentsAsync(ZooKeeperClient client, Desired desired, CancellationToken stop)
    {
        if (_parentsReadyOn == client)
        {
            return;
        }
        var acl = _session.Options.Acl;
        foreach (var path in Ancestry(desired.Paths.Nodes).Concat([desired.Paths.Members]))
        {
            // Look before creating: creating an existing node still needs CREATE on its parent,
            // which an operator's own ACL on the root may not grant.
            if (await client.ExistsAsync(path, watcher: null, stop).ConfigureAwait(false) is not null)
            {
                continue;
            }
            try
            {
                await client.CreateAsync(path, ReadOnlyMemory<byte>.Empty, acl, CreateMode.Persistent, stop).ConfigureAwait(false);
            }
            catch (NodeExistsException)
            {
            }
        }
        _parentsReadyOn = client;
    }

    /// <summary>"/a/b/c" → "/a", "/a/b", "/a/b/c".</summary>
    internal static IEnumerable<string> Ancestry(string path)
    {
        for (var slash = path.IndexOf('/', 1); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            yield return path[..slash];
        }
        yield return path;
    }
}
