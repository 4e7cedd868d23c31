namespace Drover.Executor.Personalities.Drill;

/// <summary>
/// What the executor uses to talk to one drillbit (its web server and the cluster's ZooKeeper), shared by
/// the health probe, the stop step and the admin operations; a plan Resource, closed with the task.
/// </summary>
public sealed class DrillConnections : IAsyncDisposable
{
    /// <summary>Shorter than a check's default timeout, so a wedged drillbit yields a detail, not a cancellation.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(5);

    public DrillConnections(DrillSettings settings, TimeSpan? requestTimeout = null)
    {
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        Http = new DrillHttp(settings.HttpPort, requestTimeout ?? DefaultRequestTimeout);
        ZooKeeper = new DrillZooKeeper(settings);
    }

    public DrillSettings Settings { get; }

    public DrillHttp Http { get; }

    public DrillZooKeeper ZooKeeper { get; }

    /// <summary>This node's registration, or the failure to read it in words (never throws but for cancellation).</summary>
    public async Task<(RegistrationLookup? Lookup, string Detail)> RegistrationAsync(CancellationToken cancellation)
    {
        try
        {
            var lookup = await ZooKeeper.LookupAsync(cancellation).ConfigureAwait(false);
            return (lookup, lookup.Describe());
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // KeeperException, ZooKeeperProtocolException, TimeoutException, InvalidDataException...
            return (null, $"reading {Settings.RegistrationPath} in ZooKeeper ({Settings.ZkConnect}) failed: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await ZooKeeper.DisposeAsync().ConfigureAwait(false);
    }
}
