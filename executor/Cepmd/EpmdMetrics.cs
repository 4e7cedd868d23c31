using System.Collections.Immutable;
using Drover.Epmd;
using Drover.Metrics;
using Drover.Registry.Epmd;

namespace Drover.Executor.Cepmd;

/// <summary>
/// The cEPMD servers' counters (<see cref="EpmdServerCounters"/>) at /metrics, one series per task that
/// runs a cEPMD, read at scrape time from the live servers (thread-safe: a scrape never touches the loop).
/// </summary>
public sealed class EpmdMetrics : IMetricCollector
{
    private static readonly MetricDescriptor Connections = new("drover_epmd_connections_total", "Connections the task's cEPMD accepted and served.", MetricType.Counter, "task");
    private static readonly MetricDescriptor ConnectionsRefused = new("drover_epmd_connections_refused_total", "Connections closed at once because the cEPMD's connection limit was reached.", MetricType.Counter, "task");
    private static readonly MetricDescriptor ConnectionsEvicted = new("drover_epmd_connections_evicted_total", "Connections still waiting for their request, closed to make room for a newcomer at the cEPMD's connection limit.", MetricType.Counter, "task");
    private static readonly MetricDescriptor OpenConnections = new("drover_epmd_open_connections", "Connections open now (registrations included).", MetricType.Gauge, "task");
    private static readonly MetricDescriptor Registered = new("drover_epmd_registered_nodes", "Erlang nodes registered through the task's cEPMD now.", MetricType.Gauge, "task");
    private static readonly MetricDescriptor Registrations = new("drover_epmd_registrations_total", "ALIVE2 registrations accepted.", MetricType.Counter, "task");
    private static readonly MetricDescriptor RegistrationsRefused = new("drover_epmd_registrations_refused_total", "ALIVE2 registrations refused (name taken in the cluster, or not acceptable).", MetricType.Counter, "task");
    private static readonly MetricDescriptor Unregistrations = new("drover_epmd_unregistrations_total", "Registrations ended.", MetricType.Counter, "task");
    private static readonly MetricDescriptor RegistrationsLost = new("drover_epmd_registrations_lost_total", "Registrations closed because ZooKeeper gave their name to another session.", MetricType.Counter, "task");
    private static readonly MetricDescriptor Lookups = new("drover_epmd_lookups_total", "PORT_PLEASE2 lookups answered, by result (hit, miss).", MetricType.Counter, "task", "result");
    private static readonly MetricDescriptor Requests = new("drover_epmd_requests_total", "Other requests answered, by kind (names, dump, kill, stop).", MetricType.Counter, "task", "request");
    private static readonly MetricDescriptor Rejected = new("drover_epmd_rejected_requests_total", "Requests closed without an answer (malformed, oversized, not allowed).", MetricType.Counter, "task");
    private static readonly MetricDescriptor IdleTimeouts = new("drover_epmd_idle_timeouts_total", "Connections closed for silence.", MetricType.Counter, "task");
    private static readonly MetricDescriptor RegistryFailures = new("drover_epmd_registry_failures_total", "Requests whose store call failed or timed out (ZooKeeper unreachable); their connection was closed.", MetricType.Counter, "task");
    private static readonly MetricDescriptor DirectReads = new("drover_epmd_zookeeper_direct_reads_total", "Lookups the watched copy of epmd/ missed, answered by reading ZooKeeper.", MetricType.Counter, "task");
    private static readonly MetricDescriptor Reregistrations = new("drover_epmd_zookeeper_reregistrations_total", "Registrations written again after a ZooKeeper session expiry.", MetricType.Counter, "task");

    private ImmutableDictionary<string, Source> _sources = ImmutableDictionary.Create<string, Source>(StringComparer.Ordinal);

    public IReadOnlyList<MetricDescriptor> Families { get; } =
    [
        Connections, ConnectionsRefused, ConnectionsEvicted, OpenConnections, Registered, Registrations, RegistrationsRefused, Unregistrations,
        RegistrationsLost, Lookups, Requests, Rejected, IdleTimeouts, RegistryFailures, DirectReads, Reregistrations,
    ];

    /// <summary>Exports the counters of a task's cEPMD from now on.</summary>
    public void Add(string taskId, EpmdServer server, ZooKeeperEpmdRegistry? store) =>
        ImmutableInterlocked.Update(ref _sources, (sources, entry) => sources.SetItem(entry.taskId, entry.source), (taskId, source: new Source(server, store)));

    /// <summary>Stops exporting a task's cEPMD (its listener is closed).</summary>
    public void Remove(string taskId) => ImmutableInterlocked.TryRemove(ref _sources, taskId, out _);

    public void Collect(MetricSink sink)
    {
        foreach (var (task, source) in _sources)
        {
            var c = source.Server.Counters;
            sink.Add(Connections, c.ConnectionsAccepted, task);
            sink.Add(ConnectionsRefused, c.ConnectionsRefused, task);
            sink.Add(ConnectionsEvicted, c.ConnectionsEvicted, task);
            sink.Add(OpenConnections, c.ActiveConnections, task);
            sink.Add(Registered, c.ActiveRegistrations, task);
            sink.Add(Registrations, c.Registrations, task);
            sink.Add(RegistrationsRefused, c.RegistrationsRefused, task);
            sink.Add(Unregistrations, c.Unregistrations, task);
            sink.Add(RegistrationsLost, c.RegistrationsLost, task);
            sink.Add(Lookups, c.LookupHits, task, "hit");
            sink.Add(Lookups, c.LookupMisses, task, "miss");
            sink.Add(Requests, c.NamesRequests, task, "names");
            sink.Add(Requests, c.DumpRequests, task, "dump");
            sink.Add(Requests, c.KillRequests, task, "kill");
            sink.Add(Requests, c.StopRequests, task, "stop");
            sink.Add(Rejected, c.RejectedRequests, task);
            sink.Add(IdleTimeouts, c.IdleTimeouts, task);
            sink.Add(RegistryFailures, c.RegistryFailures, task);
            if (source.Store is { } store)
            {
                var s = store.Statistics;
                sink.Add(DirectReads, s.DirectReads, task);
                sink.Add(Reregistrations, s.Reregistrations, task);
            }
        }
    }

    private sealed record Source(EpmdServer Server, ZooKeeperEpmdRegistry? Store);
}
