using Drover.Registry;
using Drover.Sidecar.Metrics;

namespace Drover.Sidecar.View;

/// <summary>The view's effects on logs and metrics: one line per event worth an operator's attention.</summary>
public sealed partial class ViewObserver(ILogger log, SidecarMetrics metrics) : IViewObserver
{
    public void InvalidRecord(string cluster, string node, RecordFormatException error)
    {
        metrics.InvalidRecords.WithLabels(cluster).Inc();
        LogInvalid(log, cluster, node, error.Message);
    }

    public void ClusterAdded(string cluster) => LogClusterAdded(log, cluster);

    public void ClusterRemoved(string cluster) => LogClusterRemoved(log, cluster);

    public void FreshnessChanged(string? cluster, Freshness freshness)
    {
        metrics.FreshnessChanges.WithLabels(freshness.State.ToString().ToLowerInvariant()).Inc();
        if (freshness.IsLive)
        {
            LogLive(log, cluster ?? "(cluster list)");
        }
        else
        {
            LogStale(log, cluster ?? "(cluster list)", freshness.ToString());
        }
    }

    public void SubscriberLagged(string cluster)
    {
        metrics.LaggedFollowers.WithLabels(cluster).Inc();
        LogLagged(log, cluster);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster {Cluster}: skipping node {Node}: {Reason}")]
    private static partial void LogInvalid(ILogger logger, string cluster, string node, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "cluster {Cluster}: following")]
    private static partial void LogClusterAdded(ILogger logger, string cluster);

    [LoggerMessage(Level = LogLevel.Information, Message = "cluster {Cluster}: gone from the registry")]
    private static partial void LogClusterRemoved(ILogger logger, string cluster);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Cluster}: live")]
    private static partial void LogLive(ILogger logger, string cluster);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: serving the last state read ({Freshness})")]
    private static partial void LogStale(ILogger logger, string cluster, string freshness);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster {Cluster}: a follower fell behind and gets a snapshot")]
    private static partial void LogLagged(ILogger logger, string cluster);
}
