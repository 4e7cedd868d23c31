using Drover.Metrics;
using Drover.Metrics.Procfs;
using Drover.Registry;
using Drover.Sidecar.View;

namespace Drover.Sidecar.Metrics;

/// <summary>The sidecar's own series (served at /metrics with process_*). Names carry a drover_sidecar_ prefix and base units.</summary>
public sealed class SidecarMetrics
{
    public SidecarMetrics(MetricRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Registry = registry;
        InvalidRecords = registry.CreateCounter("drover_sidecar_invalid_records_total", "Registry records that did not parse and were skipped.", "cluster");
        LaggedFollowers = registry.CreateCounter("drover_sidecar_follower_lagged_total", "Times a WatchNodes stream or proxy listener fell behind and was sent a snapshot.", "cluster");
        FreshnessChanges = registry.CreateCounter("drover_sidecar_view_freshness_changes_total", "Times a part of the view became live or stale.", "state");
        WatchStreams = registry.CreateGauge("drover_sidecar_watch_streams", "Open WatchNodes streams.");
        Proxy = new ProxyMetrics(registry);
    }

    public MetricRegistry Registry { get; }

    public Counter InvalidRecords { get; }

    public Counter LaggedFollowers { get; }

    public Counter FreshnessChanges { get; }

    public Gauge WatchStreams { get; }

    public ProxyMetrics Proxy { get; }

    /// <summary>A registry with the process collector and the sidecar's series.</summary>
    public static SidecarMetrics Create(Action<Exception>? onCollectError = null)
    {
        var registry = new MetricRegistry(onCollectError);
        registry.Register(new ProcessCollector());
        return new SidecarMetrics(registry);
    }

    /// <summary>Per-cluster node counts and freshness, read from the view at each scrape.</summary>
    public void Observe(RegistryView view) => Registry.Register(new ViewCollector(view));

    /// <summary>The ZooKeeper session's counters.</summary>
    public void Observe(RegistrySession session)
    {
        Registry.CreateCallbackCounter("drover_sidecar_zookeeper_sessions_started_total", "ZooKeeper sessions started (the first, and one after each expiry).", () => session.Statistics.SessionsStarted);
        Registry.CreateCallbackCounter("drover_sidecar_zookeeper_sessions_ended_total", "ZooKeeper sessions ended by the server (expired).", () => session.Statistics.SessionsEnded);
        Registry.CreateCallbackCounter("drover_sidecar_zookeeper_connect_failures_total", "Failed attempts to open a ZooKeeper session.", () => session.Statistics.ConnectFailures);
        Registry.CreateCallbackGauge("drover_sidecar_zookeeper_connected", "1 while the ZooKeeper session is connected.", () => session.Current?.State == Drover.ZooKeeper.ZooKeeperState.Connected ? 1 : 0);
    }

    private sealed class ViewCollector(RegistryView view) : IMetricCollector
    {
        private static readonly MetricDescriptor Nodes = new("drover_sidecar_cluster_nodes", "Nodes registered in the cluster.", MetricType.Gauge, "cluster");
        private static readonly MetricDescriptor ServingNodes = new("drover_sidecar_cluster_serving_nodes", "Nodes running and not known unhealthy.", MetricType.Gauge, "cluster");
        private static readonly MetricDescriptor Live = new("drover_sidecar_view_live", "1 while the cluster's data is live (ZooKeeper heard, watches armed), 0 when stale or unread.", MetricType.Gauge, "cluster");
        private static readonly MetricDescriptor Age = new("drover_sidecar_view_age_seconds", "How old the cluster's data may be: 0 while live, the time since it was last confirmed when stale.", MetricType.Gauge, "cluster");

        public IReadOnlyList<MetricDescriptor> Families { get; } = [Nodes, ServingNodes, Live, Age];

        public void Collect(MetricSink sink)
        {
            var now = view.Time.GetUtcNow();
            foreach (var cluster in view.Current.Clusters.Values)
            {
                sink.Add(Nodes, cluster.Nodes.Count, cluster.Name);
                sink.Add(ServingNodes, cluster.ServingCount, cluster.Name);
                sink.Add(Live, cluster.Freshness.IsLive ? 1 : 0, cluster.Name);
                sink.Add(Age, cluster.Freshness.Age(now).TotalSeconds, cluster.Name);
            }
        }
    }
}

/// <summary>The proxy listeners' series, labelled by listener ("cluster/port").</summary>
public sealed class ProxyMetrics
{
    public ProxyMetrics(MetricRegistry registry)
    {
        Connections = registry.CreateCounter("drover_sidecar_proxy_connections_total", "Client connections forwarded to a node.", "listener", "node");
        ConnectFailures = registry.CreateCounter("drover_sidecar_proxy_connect_failures_total", "Connects to a node that failed or timed out (the next node is tried).", "listener", "node");
        Rejected = registry.CreateCounter("drover_sidecar_proxy_rejected_total", "Client connections closed unserved: over the listener's cap, or no node could be reached.", "listener", "reason");
        ClosedByPolicy = registry.CreateCounter("drover_sidecar_proxy_closed_on_node_loss_total", "Open connections closed because their node left or stopped serving (policy close).", "listener");
        Bytes = registry.CreateCounter("drover_sidecar_proxy_bytes_total", "Bytes forwarded, by direction (upstream: client to node).", "listener", "direction");
        Active = registry.CreateGauge("drover_sidecar_proxy_active_connections", "Open client connections.", "listener");
        Backends = registry.CreateGauge("drover_sidecar_proxy_backends", "Serving nodes the listener balances over.", "listener");
    }

    public Counter Connections { get; }

    public Counter ConnectFailures { get; }

    public Counter Rejected { get; }

    public Counter ClosedByPolicy { get; }

    public Counter Bytes { get; }

    public Gauge Active { get; }

    public Gauge Backends { get; }
}
