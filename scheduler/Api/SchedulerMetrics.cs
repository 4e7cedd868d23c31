using Drover.Mesos;
using Drover.Metrics;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;

namespace Drover.Scheduler.Api;

/// <summary>
/// The scheduler's state as Prometheus metrics, read from the snapshot at each scrape (nothing to keep in step):
/// offers received, used, declined and rescinded; subscription state, leadership, suppression, reconciliation
/// and the age of the last heartbeat (against the clock, so a silent master shows as a growing age); nodes
/// by phase, pending and healthy per cluster; plan status and step progress; admin operations by state.
/// </summary>
internal sealed class SchedulerMetrics : IMetricCollector
{
    private static readonly SubscriptionState[] SubscriptionStates = Enum.GetValues<SubscriptionState>();
    private static readonly NodePhase[] Phases = Enum.GetValues<NodePhase>();
    private static readonly PlanStatus[] PlanStatuses = Enum.GetValues<PlanStatus>();
    private static readonly AdminOperationState[] AdminStates = Enum.GetValues<AdminOperationState>();

    private readonly ISchedulerOperations _operations;
    private readonly TimeProvider _time;

    private readonly MetricDescriptor _offersReceived = new("drover_scheduler_offers_received_total", "Offers received from the master.", MetricType.Counter);
    private readonly MetricDescriptor _offersUsed = new("drover_scheduler_offers_used_total", "Offers accepted (used in part or whole).", MetricType.Counter);
    private readonly MetricDescriptor _offersDeclined = new("drover_scheduler_offers_declined_total", "Offers declined.", MetricType.Counter);
    private readonly MetricDescriptor _offersRescinded = new("drover_scheduler_offers_rescinded_total", "Offers rescinded by the master.", MetricType.Counter);
    private readonly MetricDescriptor _subscription = new("drover_scheduler_subscription_state", "1 for the scheduler's subscription state, 0 for the others.", MetricType.Gauge, "state");
    private readonly MetricDescriptor _leader = new("drover_scheduler_leader", "1 when this scheduler is the elected leader of its framework.", MetricType.Gauge);
    private readonly MetricDescriptor _suppressed = new("drover_scheduler_offers_suppressed", "1 when offers are suppressed (nothing pending).", MetricType.Gauge);
    private readonly MetricDescriptor _reconciling = new("drover_scheduler_reconciling_tasks", "Tasks waiting for their explicit reconciliation answer.", MetricType.Gauge);
    private readonly MetricDescriptor _heartbeatAge = new("drover_scheduler_heartbeat_age_seconds", "Seconds since the master's last HEARTBEAT (absent before the first).", MetricType.Gauge);
    private readonly MetricDescriptor _clusters = new("drover_scheduler_clusters", "Clusters this framework runs.", MetricType.Gauge);
    private readonly MetricDescriptor _nodes = new("drover_scheduler_nodes", "Nodes by cluster and phase.", MetricType.Gauge, "cluster", "phase");
    private readonly MetricDescriptor _pending = new("drover_scheduler_nodes_pending", "Nodes waiting for an offer.", MetricType.Gauge, "cluster");
    private readonly MetricDescriptor _healthy = new("drover_scheduler_nodes_healthy", "Nodes whose checks say healthy.", MetricType.Gauge, "cluster");
    private readonly MetricDescriptor _planStatus = new("drover_scheduler_plan_status", "1 for the plan's status, 0 for the others.", MetricType.Gauge, "cluster", "plan", "status");
    private readonly MetricDescriptor _stepsComplete = new("drover_scheduler_plan_steps_complete", "Steps of the plan complete.", MetricType.Gauge, "cluster", "plan");
    private readonly MetricDescriptor _stepsTotal = new("drover_scheduler_plan_steps", "Steps of the plan.", MetricType.Gauge, "cluster", "plan");
    private readonly MetricDescriptor _admin = new("drover_scheduler_admin_operations", "Admin operations remembered, by state.", MetricType.Gauge, "state");

    public SchedulerMetrics(ISchedulerOperations operations, TimeProvider time)
    {
        _operations = operations;
        _time = time;
        Families = [_offersReceived, _offersUsed, _offersDeclined, _offersRescinded, _subscription, _leader, _suppressed, _reconciling,
            _heartbeatAge, _clusters, _nodes, _pending, _healthy, _planStatus, _stepsComplete, _stepsTotal, _admin];
    }

    public IReadOnlyList<MetricDescriptor> Families { get; }

    public void Collect(MetricSink sink)
    {
        var snapshot = _operations.Snapshot();
        sink.Add(_offersReceived, snapshot.Offers.Received);
        sink.Add(_offersUsed, snapshot.Offers.Used);
        sink.Add(_offersDeclined, snapshot.Offers.Declined);
        sink.Add(_offersRescinded, snapshot.Offers.Rescinded);

        var subscription = snapshot.Subscription;
        foreach (var state in SubscriptionStates)
        {
            sink.Add(_subscription, state == subscription.State ? 1 : 0, Name(state));
        }

        sink.Add(_leader, snapshot.Framework.Leader ? 1 : 0);
        sink.Add(_suppressed, subscription.Suppressed ? 1 : 0);
        sink.Add(_reconciling, subscription.Reconciling);
        if (subscription.LastHeartbeat is { } heartbeat)
        {
            sink.Add(_heartbeatAge, Math.Max(0, (_time.GetUtcNow() - heartbeat).TotalSeconds));
        }

        sink.Add(_clusters, snapshot.Clusters.Count);
        foreach (var cluster in snapshot.Clusters)
        {
            foreach (var phase in Phases)
            {
                sink.Add(_nodes, cluster.Nodes.Count(n => n.Phase == phase), cluster.Name, Name(phase));
            }

            sink.Add(_pending, cluster.Nodes.Count(n => n.Phase == NodePhase.Pending), cluster.Name);
            sink.Add(_healthy, cluster.Nodes.Count(n => n.Healthy == true), cluster.Name);
            foreach (var plan in cluster.Plans)
            {
                foreach (var status in PlanStatuses)
                {
                    sink.Add(_planStatus, status == plan.Status ? 1 : 0, cluster.Name, plan.Name, Name(status));
                }

                sink.Add(_stepsComplete, plan.StepsComplete, cluster.Name, plan.Name);
                sink.Add(_stepsTotal, plan.StepsTotal, cluster.Name, plan.Name);
            }
        }

        foreach (var state in AdminStates)
        {
            sink.Add(_admin, snapshot.AdminOperations.Count(o => o.State == state), Name(state));
        }
    }

    /// <summary>The name the JSON uses (RUNNING, IN_PROGRESS), so metrics and API agree.</summary>
    private static string Name<T>(T value)
        where T : struct, Enum => EnumNames<T>.Of(value);
}
