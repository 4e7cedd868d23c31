using System.Collections.Immutable;
using Drover.Metrics;
using Drover.Metrics.Procfs;
using Drover.Posix;

namespace Drover.Executor.Metrics;

/// <summary>
/// What the executor exports at /metrics on the task's port named `metrics`. Counters and
/// gauges are updated by the executor loop as things happen; the services' resource usage
/// is read from /proc at scrape time for the process groups the loop last published, so a
/// scrape never touches executor state.
/// </summary>
public sealed class ExecutorMetrics
{
    public ExecutorMetrics(Action<Exception>? onCollectError = null)
    {
        Registry = new MetricRegistry(onCollectError);
        Registry.Register(new ProcessCollector());
        Registry.Register(new ServiceCollector(this));
        Registry.Register(Epmd);
        Registry.Register(ServerConnections);

        UpdatesSent = Registry.CreateCounter("drover_executor_status_updates_total", "Status updates created, by task state.", "state");
        UpdatesAcknowledged = Registry.CreateCounter("drover_executor_status_updates_acknowledged_total", "Status updates the agent acknowledged.");
        UpdatesPending = Registry.CreateGauge("drover_executor_status_updates_pending", "Status updates not yet acknowledged by the agent.");
        AgentConnected = Registry.CreateGauge("drover_executor_agent_connected", "1 while subscribed to the agent, else 0.");
        Subscriptions = Registry.CreateCounter("drover_executor_agent_subscriptions_total", "SUBSCRIBED events received (the first subscription and every resubscription).");
        Disconnections = Registry.CreateCounter("drover_executor_agent_disconnections_total", "Subscriptions lost after SUBSCRIBED.");
        Restarts = Registry.CreateCounter("drover_service_restarts_total", "Restarts of a failed service in place.", "task");
        Tasks = Registry.CreateGauge("drover_executor_tasks", "Tasks known to the executor, by phase.", "phase");
        HealthChecks = Registry.CreateCounter("drover_health_checks_total", "Health check results, by task, check and result.", "task", "check", "result");
        HealthCheckSeconds = Registry.CreateHistogram("drover_health_check_duration_seconds", "How long health checks took.", [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 20], "check");
    }

    /// <summary>The connections of the executor's own /metrics server (drover_metrics_server_*), once it runs.</summary>
    public MetricsServerMetrics ServerConnections { get; } = new();

    /// <summary>The counters of every task's cEPMD (drover_epmd_*).</summary>
    public Cepmd.EpmdMetrics Epmd { get; } = new();

    public Counter HealthChecks { get; }

    public Histogram HealthCheckSeconds { get; }

    public MetricRegistry Registry { get; }

    public Counter UpdatesSent { get; }

    public Counter UpdatesAcknowledged { get; }

    public Gauge UpdatesPending { get; }

    public Gauge AgentConnected { get; }

    public Counter Subscriptions { get; }

    public Counter Disconnections { get; }

    public Counter Restarts { get; }

    public Gauge Tasks { get; }

    /// <summary>A running service as the scrape sees it.</summary>
    public sealed record ServiceView(string TaskId, int ProcessGroupId, long StartedUnixMs, Registration.RegistryEntry? Registration);

    private ImmutableArray<ServiceView> _services = [];

    /// <summary>Called by the executor loop whenever a service starts or stops.</summary>
    public void PublishServices(ImmutableArray<ServiceView> services) => ImmutableInterlocked.InterlockedExchange(ref _services, services);

    private sealed class ServiceCollector(ExecutorMetrics owner) : IMetricCollector
    {
        private static readonly MetricDescriptor Cpu = new("drover_service_cpu_seconds_total", "CPU time of the service's process group (user + system).", MetricType.Counter, "task");
        private static readonly MetricDescriptor Memory = new("drover_service_resident_memory_bytes", "Resident memory of the service's process group.", MetricType.Gauge, "task");
        private static readonly MetricDescriptor Threads = new("drover_service_threads", "Threads in the service's process group.", MetricType.Gauge, "task");
        private static readonly MetricDescriptor Fds = new("drover_service_open_fds", "Open file descriptors in the service's process group.", MetricType.Gauge, "task");
        private static readonly MetricDescriptor Processes = new("drover_service_processes", "Processes in the service's process group.", MetricType.Gauge, "task");
        private static readonly MetricDescriptor Uptime = new("drover_service_uptime_seconds", "Seconds since the service's current process started.", MetricType.Gauge, "task");
        private static readonly MetricDescriptor ZooKeeperConnected = new("drover_zookeeper_connected", "1 while the node's registry session is connected to ZooKeeper, else 0.", MetricType.Gauge, "task");
        private static readonly MetricDescriptor RegistryWrites = new("drover_registry_writes_total", "Writes of the node's registry entry (register, update, deregister) that ZooKeeper confirmed.", MetricType.Counter, "task");
        private static readonly MetricDescriptor RegistryReregistrations = new("drover_registry_reregistrations_total", "Registrations written again after a ZooKeeper session expiry.", MetricType.Counter, "task");
        private static readonly MetricDescriptor RegistryRetries = new("drover_registry_retries_total", "Registry writes retried after a passing failure.", MetricType.Counter, "task");
        private static readonly MetricDescriptor RegistryFailures = new("drover_registry_failures_total", "Registry write attempts that failed for a lasting reason.", MetricType.Counter, "task");

        public IReadOnlyList<MetricDescriptor> Families { get; } =
            [Cpu, Memory, Threads, Fds, Processes, Uptime, ZooKeeperConnected, RegistryWrites, RegistryReregistrations, RegistryRetries, RegistryFailures];

        public void Collect(MetricSink sink)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var service in owner._services)
            {
                var usage = ProcessStats.ForProcessGroup(service.ProcessGroupId);
                sink.Add(Cpu, usage.CpuSeconds, service.TaskId);
                sink.Add(Memory, usage.RssBytes, service.TaskId);
                sink.Add(Threads, usage.Threads, service.TaskId);
                sink.Add(Fds, usage.OpenFileDescriptors, service.TaskId);
                sink.Add(Processes, usage.Processes, service.TaskId);
                sink.Add(Uptime, (now - service.StartedUnixMs) / 1000.0, service.TaskId);
                if (service.Registration is { } registration)
                {
                    var statistics = registration.Statistics;
                    sink.Add(ZooKeeperConnected, registration.Connected ? 1 : 0, service.TaskId);
                    sink.Add(RegistryWrites, statistics.Writes, service.TaskId);
                    sink.Add(RegistryReregistrations, statistics.Reregistrations, service.TaskId);
                    sink.Add(RegistryRetries, statistics.Retries, service.TaskId);
                    sink.Add(RegistryFailures, statistics.Failures, service.TaskId);
                }
            }
        }
    }
}
