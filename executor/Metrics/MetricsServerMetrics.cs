using Drover.Metrics;
using Drover.Metrics.Http;

namespace Drover.Executor.Metrics;

/// <summary>
/// The executor's own /metrics server at /metrics: its connections, and the connections its admission policy
/// evicted or refused (a flood shows here, and Prometheus, evicting nothing, keeps being answered). Read at
/// scrape time from the live server; nothing is written until the server has started.
/// </summary>
public sealed class MetricsServerMetrics : IMetricCollector
{
    private static readonly MetricDescriptor Open = new("drover_metrics_server_open_connections", "Connections to the executor's /metrics server open now.", MetricType.Gauge);
    private static readonly MetricDescriptor Evicted = new("drover_metrics_server_connections_evicted_total", "Connections closed to make room for a newcomer at the connection limit (idle ones, or those waiting longest for a request).", MetricType.Counter);
    private static readonly MetricDescriptor Refused = new("drover_metrics_server_connections_refused_total", "Connections closed at once because every slot they could take was busy answering.", MetricType.Counter);

    private MetricsServer? _server;

    public IReadOnlyList<MetricDescriptor> Families { get; } = [Open, Evicted, Refused];

    /// <summary>The server whose connections are exported from now on.</summary>
    public MetricsServer? Server
    {
        get => Volatile.Read(ref _server);
        set => Volatile.Write(ref _server, value);
    }

    public void Collect(MetricSink sink)
    {
        if (Server is not { } server)
        {
            return;
        }

        sink.Add(Open, server.OpenConnections);
        sink.Add(Evicted, server.ConnectionsEvicted);
        sink.Add(Refused, server.ConnectionsRefused);
    }
}
