using Drover.Epmd;
using Drover.ZooKeeper;

namespace Drover.Registry.Epmd;

/// <summary>Writing and deleting registration znodes, and writing them again after a session ends.</summary>
public sealed partial class ZooKeeperEpmdRegistry
{
    /// <summary>
    /// Makes the registration's ephemeral znode exist in <paramref name="client"/>'s session. A znode of that
    /// name owned by this session is ours (a create whose reply was lost, or one left by an earlier registration
    /// of the name here that a cleanup had not deleted yet): it is taken over. One owned by another session
    /// means the name is taken: <see cref="NameTakenException"/>.
    /// </summary>
    private async Task<Stat> WriteAsync(ZooKeeperClient client, Held held, CancellationToken cancellationToken)
    {
        await EnsureParentsAsync(client, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            try
            {
                var created = await client.CreateWithStatAsync(held.Path, held.Data, _session.Options.Acl, CreateMode.Ephemeral, cancellationToken).ConfigureAwait(false);
                return created.Stat;
            }
            catch (NodeExistsException)
            {
            }
            catch (NoNodeException)
            {
                // epmd/ itself was deleted under us: create the parents again.
                _parentsReadyOn = null;
                await EnsureParentsAsync(client, cancellationToken).ConfigureAwait(false);
                continue;
            }
            DataResult existing;
            try
            {
                // The holder may have written through another server: read what the leader has.
                await client.SyncAsync(held.Path, cancellationToken).ConfigureAwait(false);
                existing = await client.GetDataAsync(held.Path, watcher: null, cancellationToken).ConfigureAwait(false);
            }
            catch (NoNodeException)
            {
                continue; // gone meanwhile: create it
            }
            if (existing.Stat.EphemeralOwner != client.SessionId)
            {
                throw new NameTakenException(held.Path, existing.Stat.EphemeralOwner, TryParse(existing.Data));
            }
            if (existing.Data.AsSpan().SequenceEqual(held.Data))
            {
                return existing.Stat;
            }
            try
            {
                return await client.SetDataAsync(held.Path, held.Data, existing.Stat.Version, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is BadVersionException or NoNodeException)
            {
                // A cleanup deleted or touched it meanwhile: look again.
            }
        }
    }

    /// <summary>
    /// Deletes the znode at <paramref name="path"/> if the session of <paramref name="client"/> owns it and no
    /// registration of <paramref name="name"/> is held here again (that one takes the znode over). The version
    /// read is the version deleted, so a znode rewritten meanwhile is looked at again, never removed blind.
    /// </summary>
    private async Task DeleteIfOursAsync(ZooKeeperClient client, string name, string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_held.ContainsKey(name))
                {
                    return;
                }
            }
            var stat = await client.ExistsAsync(path, watcher: null, cancellationToken).ConfigureAwait(false);
            if (stat is null || stat.EphemeralOwner != client.SessionId)
            {
                return;
            }
            try
            {
                await client.DeleteAsync(path, stat.Version, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NoNodeException)
            {
                return;
            }
            catch (BadVersionException)
            {
            }
        }
    }

    /// <summary>Creates the persistent parents of epmd/ that are missing, with the registry's ACL; once per session.</summary>
    private async Task EnsureParentsAsync(ZooKeeperClient client, CancellationToken cancellationToken)
    {
        if (_parentsReadyOn == client)
        {
            return;
        }
        foreach (var path in NodeRegistry.Ancestry(_cluster.Epmd))
        {
            // Look before creating: creating an existing node still needs CREATE on its parent.
            if (await client.ExistsAsync(path, watcher: null, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }
            try
            {
                await client.CreateAsync(path, ReadOnlyMemory<byte>.Empty, _session.Options.Acl, CreateMode.Persistent, cancellationToken).ConfigureAwait(false);
            }
            catch (NodeExistsException)
            {
            }
        }
        _parentsReadyOn = client;
    }

    /// <summary>
    /// Woken by a new session, a registration written in a session that has ended, or a znode left to clean
    /// up: writes every held registration into the live session and deletes what is ours but no longer held.
    /// Retries with backoff until done.
    /// </summary>
    private async Task RepairLoopAsync()
    {
        var backoff = new Backoff(_session.Options.InitialBackoff, _session.Options.MaxBackoff);
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
                try
                {
                    await RepairOnceAsync(_stop.Token).ConfigureAwait(false);
                    backoff.Reset();
                    break;
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref _failures);
                    Raise(EpmdRegistryEventKind.Failed, null, _session.Current?.SessionId ?? 0, e);
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

    private async Task RepairOnceAsync(CancellationToken stop)
    {
        var client = await _session.GetClientAsync(stop).ConfigureAwait(false);
        List<Held> stale;
        List<KeyValuePair<string, string>> cleanups;
        lock (_gate)
        {
            stale = [.. _held.Values.Where(h => h.SessionId != 0 && h.SessionId != client.SessionId)];
            cleanups = [.. _cleanups];
        }
        foreach (var held in stale)
        {
            await RewriteAsync(client, held, stop).ConfigureAwait(false);
        }
        foreach (var (name, path) in cleanups)
        {
            await DeleteIfOursAsync(client, name, path, stop).ConfigureAwait(false);
            lock (_gate)
            {
                if (_cleanups.TryGetValue(name, out var current) && current == path)
                {
                    _cleanups.Remove(name);
                }
            }
        }
    }

    /// <summary>Writes a registration again in a new session; if the name was taken meanwhile, it is lost.</summary>
    private async Task RewriteAsync(ZooKeeperClient client, Held held, CancellationToken stop)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (!_held.TryGetValue(held.Registration.Name, out var current) || current != held)
            {
                return; // unregistered meanwhile
            }
            held.Pending = done.Task;
        }
        try
        {
            await WriteAsync(client, held, stop).ConfigureAwait(false);
            lock (_gate)
            {
                held.SessionId = client.SessionId;
            }
            Interlocked.Increment(ref _reregistrations);
            Raise(EpmdRegistryEventKind.Reregistered, held.Registration, client.SessionId);
        }
        catch (NameTakenException taken)
        {
            if (Forget(held))
            {
                Interlocked.Increment(ref _lost);
                Raise(EpmdRegistryEventKind.Lost, held.Registration, taken.Owner);
                RaiseLost(held, $"ZooKeeper session 0x{taken.Owner:x} took the name while this store's session was replaced");
            }
        }
        finally
        {
            done.TrySetResult();
        }
    }

    private void RaiseLost(Held held, string reason)
    {
        try
        {
            RegistrationLost?.Invoke(this, new RegistrationLostEventArgs(held.Registration, held.Token, reason));
        }
        catch (Exception)
        {
            // A faulty handler must not stop the repair loop.
        }
    }

    private static NodeRegistration? TryParse(byte[] data)
    {
        try
        {
            return EpmdRecordJson.Parse(data);
        }
        catch (RecordFormatException)
        {
            return null;
        }
    }

    /// <summary>The name's znode belongs to another session.</summary>
    private sealed class NameTakenException(string path, long owner, NodeRegistration? existing)
        : Exception($"{path} is held by ZooKeeper session 0x{owner:x}.")
    {
        public long Owner { get; } = owner;

        public NodeRegistration? Existing { get; } = existing;
    }
}
