using System.Text.Json;
using Drover.Logging;
using Drover.ZooKeeper;

namespace Drover.Scheduler.State;

/// <summary>Who a candidate is: shown to operators asking which scheduler leads.</summary>
public sealed record LeaderInfo
{
    public required string Host { get; init; }

    public int Pid { get; init; }

    /// <summary>The operator API's address, if any.</summary>
    public string? Api { get; init; }

    public DateTimeOffset Since { get; init; }
}

/// <summary>
/// One active scheduler per framework name: each candidate creates an ephemeral sequential znode under
/// <c>scheduler/leader/</c>; the lowest leads; every other watches the one just before it (no herd), so a standby
/// takes over as soon as its predecessor's session ends, within the ZooKeeper session timeout.
/// Leadership ends with the session: the owner must watch <see cref="ZooKeeperClient.StateChanged"/> for
/// expiry and stop acting (the store's commits are fenced on <see cref="CandidatePath"/> as well).
/// </summary>
public sealed class LeaderElection(ZooKeeperClient client, StatePaths paths, IReadOnlyList<Acl> acl, LeaderInfo self)
{
    public string? CandidatePath { get; private set; }

    /// <summary>Returns once this candidate leads.</summary>
    public async Task WaitForLeadershipAsync(CancellationToken cancellationToken = default)
    {
        var data = JsonSerializer.SerializeToUtf8Bytes(self, StateJsonContext.Default.LeaderInfo);
        CandidatePath = await client.CreateAsync(
            paths.Leader + "/" + StatePaths.CandidatePrefix, data, acl, CreateMode.EphemeralSequential, cancellationToken).ConfigureAwait(false);
        var mine = CandidatePath[(paths.Leader.Length + 1)..];
        Log.Info($"leader election: candidate {mine}");
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var children = (await client.GetChildrenAsync(paths.Leader, watcher: null, cancellationToken).ConfigureAwait(false)).Children
                .Where(c => c.StartsWith(StatePaths.CandidatePrefix, StringComparison.Ordinal))
                .OrderBy(Sequence)
                .ToList();
            var index = children.IndexOf(mine);
            if (index < 0)
            {
                throw new StateStoreException($"our leader candidate {mine} vanished (session expired?)");
            }

            if (index == 0)
            {
                Log.Info("leader election: this scheduler leads");
                return;
            }

            var predecessor = paths.Leader + "/" + children[index - 1];
            var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var stat = await client.ExistsAsync(predecessor, e =>
            {
                if (e.Type != EventType.None || e.State is KeeperState.Expired)
                {
                    gone.TrySetResult();
                }
            }, cancellationToken).ConfigureAwait(false);
            if (stat is null)
            {
                continue;
            }

            Log.Info($"leader election: standby behind {children[index - 1]} ({children.Count} candidates)");
            await gone.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The leading candidate's info, or null when there is none.</summary>
    public static async Task<LeaderInfo?> CurrentLeaderAsync(ZooKeeperClient client, StatePaths paths, CancellationToken cancellationToken = default)
    {
        var children = (await client.GetChildrenAsync(paths.Leader, watcher: null, cancellationToken).ConfigureAwait(false)).Children
            .Where(c => c.StartsWith(StatePaths.CandidatePrefix, StringComparison.Ordinal))
            .OrderBy(Sequence)
            .ToList();
        foreach (var child in children)
        {
            try
            {
                var result = await client.GetDataAsync(paths.Leader + "/" + child, watcher: null, cancellationToken).ConfigureAwait(false);
                return JsonSerializer.Deserialize(result.Data, StateJsonContext.Default.LeaderInfo);
            }
            catch (NoNodeException)
            {
                // Gone between the listing and the read: the next one leads.
            }
        }

        return null;
    }

    private static long Sequence(string child) =>
        long.TryParse(child.AsSpan(StatePaths.CandidatePrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;
}
