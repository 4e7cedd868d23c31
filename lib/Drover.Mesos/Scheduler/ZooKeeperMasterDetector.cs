using System.Globalization;
using Drover.ZooKeeper;

namespace Drover.Mesos.Scheduler;

/// <summary>
/// The leading master from ZooKeeper, as Mesos' own detector finds it: the children of the path named
/// <c>json.info_&lt;sequence&gt;</c> are the contending masters, the lowest sequence number leads, and its data is
/// the leader's <c>MasterInfo</c> as JSON. Read afresh at each attempt (a stale leader would only redirect).
/// </summary>
public sealed class ZooKeeperMasterDetector : IMasterDetector
{
    public const string LabelPrefix = "json.info_";

    private readonly MasterAddress _address;
    private readonly TimeSpan _sessionTimeout;
    private readonly ILogSink? _log;
    private ZooKeeperClient? _client;

    public ZooKeeperMasterDetector(MasterAddress address, TimeSpan sessionTimeout, ILogSink? log = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsZooKeeper)
        {
            throw new ArgumentException("not a zk:// address", nameof(address));
        }

        _address = address;
        _sessionTimeout = sessionTimeout;
        _log = log;
    }

    /// <summary>The lowest "json.info_N" of <paramref name="children"/>, or null (other children, e.g. log replicas, are ignored).</summary>
    public static string? Leader(IEnumerable<string> children)
    {
        string? leader = null;
        var lowest = long.MaxValue;
        foreach (var child in children)
        {
            if (!child.StartsWith(LabelPrefix, StringComparison.Ordinal)
                || !long.TryParse(child.AsSpan(LabelPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                continue;
            }

            if (sequence < lowest)
            {
                lowest = sequence;
                leader = child;
            }
        }

        return leader;
    }

    public async ValueTask<MasterCandidate?> NextAsync(CancellationToken cancellationToken)
    {
        var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        var path = _address.ZooKeeperPath!;
        try
        {
            var children = await client.GetChildrenAsync(path, watcher: null, cancellationToken).ConfigureAwait(false);
            if (Leader(children.Children) is not { } leader)
            {
                _log?.Write($"no master has registered under {path} in ZooKeeper yet");
                return null;
            }

            var data = await client.GetDataAsync($"{path}/{leader}", watcher: null, cancellationToken).ConfigureAwait(false);
            var info = MasterInfoJson.Parse(data.Data);
            return new MasterCandidate(MasterInfoJson.EndpointOf(info), info);
        }
        catch (NoNodeException)
        {
            _log?.Write($"{path} does not exist in ZooKeeper (yet), or the leader's znode went away while it was read");
            return null;
        }
        catch (FormatException e)
        {
            _log?.Write($"the leading master's znode under {path} holds bad data: {e.Message}");
            return null;
        }
        catch (KeeperException e) when (e is ConnectionLossException or SessionExpiredException)
        {
            if (e is SessionExpiredException)
            {
                await DropClientAsync().ConfigureAwait(false);
            }

            _log?.Write($"ZooKeeper: {e.Message}");
            return null;
        }
    }

    public async ValueTask DisposeAsync() => await DropClientAsync().ConfigureAwait(false);

    private async Task<ZooKeeperClient> ClientAsync(CancellationToken cancellationToken)
    {
        if (_client is { State: not (ZooKeeperState.Expired or ZooKeeperState.Closed or ZooKeeperState.AuthFailed) } live)
        {
            return live;
        }

        await DropClientAsync().ConfigureAwait(false);
        var auth = _address.ZooKeeperCredentials is { } credentials
            ? [AuthInfo.Digest(credentials[..credentials.IndexOf(':', StringComparison.Ordinal)], credentials[(credentials.IndexOf(':', StringComparison.Ordinal) + 1)..])]
            : Array.Empty<AuthInfo>();
        _client = await ZooKeeperClient.ConnectAsync(
            new ZooKeeperClientOptions { ConnectString = _address.ZooKeeperServers!, SessionTimeout = _sessionTimeout, AuthInfo = auth },
            cancellationToken).ConfigureAwait(false);
        return _client;
    }

    private async Task DropClientAsync()
    {
        var client = _client;
        _client = null;
        if (client is not null)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }
}
