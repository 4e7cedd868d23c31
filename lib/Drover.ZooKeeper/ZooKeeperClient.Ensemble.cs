using Drover.ZooKeeper.Exhibitor;

namespace Drover.ZooKeeper;

/// <summary>
/// The servers to connect to: those of the connect string, or, for "exhibitor:http://...", those
/// Exhibitor lists, followed as they change. A new list takes effect as ZooKeeper.updateServerList
/// does: reconnections pick from it, and a connection to a server it no longer names is dropped at once
/// so the session moves to a listed server. A failed poll keeps the last known list.
/// </summary>
public sealed partial class ZooKeeperClient : IEnsembleListener
{
    private readonly TaskCompletionSource _serversKnown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _ensembleStop = new();
    private ExhibitorHttp? _exhibitorHttp;
    private Task _ensembleLoop = Task.CompletedTask;

    /// <summary>Exhibitor listed a different set of servers; raised on the dispatcher, in order with other events.</summary>
    public event EventHandler<IReadOnlyList<ServerAddress>>? EnsembleChanged;

    /// <summary>The servers the client connects to; for an Exhibitor connect string, the last list Exhibitor gave (empty before).</summary>
    public IReadOnlyList<ServerAddress> Servers => _hosts.Servers;

    /// <summary>Why the last Exhibitor poll gave no list (an <see cref="AggregateException"/> of <see cref="ExhibitorException"/>s); null after a good one.</summary>
    public Exception? LastEnsembleError { get; private set; }

    void IEnsembleListener.OnServersChanged(IReadOnlyList<ServerAddress> servers)
    {
        _hosts.Update(servers);
        LastEnsembleError = null;
        _serversKnown.TrySetResult();
        _dispatcher.Post(() => EnsembleChanged?.Invoke(this, servers));
        if (Volatile.Read(ref _connection) is { } connection)
        {
            DropIfUnlisted(connection);
        }
    }

    void IEnsembleListener.OnPollFailed(AggregateException failures)
    {
        LastEnsembleError = failures;
        if (!_serversKnown.Task.IsCompleted)
        {
            // Nothing to connect to yet: this is the connection error, and queued requests fail as they would
            // after a failed connection attempt.
            LastConnectionError = failures;
            FailQueued(() => new ConnectionLossException(null, $"No ZooKeeper server is known yet: {failures.Message}", failures));
        }
    }

    private void StartEnsemble()
    {
        if (!_options.Parsed.IsExhibitor)
        {
            _serversKnown.TrySetResult();
            return;
        }
        _exhibitorHttp = new ExhibitorHttp(_options.ExhibitorRequestTimeout);
        var poller = new ExhibitorPoller(_options.Parsed.Exhibitors, _exhibitorHttp, this, _options.ExhibitorPollInterval, TimeProvider.System, Random.Shared);
        _ensembleLoop = Task.Run(() => poller.RunAsync(_ensembleStop.Token));
    }

    private async Task StopEnsembleAsync()
    {
        await _ensembleStop.CancelAsync().ConfigureAwait(false);
        await _ensembleLoop.ConfigureAwait(false);
        _exhibitorHttp?.Dispose();
    }

    /// <summary>Drops <paramref name="connection"/> if its server is not in the current list.</summary>
    private void DropIfUnlisted(Connection connection)
    {
        if (!_hosts.Contains(connection.Server))
        {
            connection.Break(new EnsembleChangedException(
                $"The ensemble no longer lists {connection.Server} (now {string.Join(",", _hosts.Servers)}): moving to a listed server."));
        }
    }
}
