using Drover.Scheduler.Model;
using Drover.Scheduler.Plans.Cassandra;
using Drover.Scheduler.Plans.Drill;
using Drover.Scheduler.Plans.Quobyte;
using Drover.Scheduler.Plans.Riak;

namespace Drover.Scheduler.Plans;

/// <summary>Each kind's planner (stateless: one instance each).</summary>
public static class ServicePlanners
{
    private static readonly ServicePlanner Generic = new();
    private static readonly CassandraPlanner CassandraPlanner = new();
    private static readonly RiakPlanner RiakPlanner = new();
    private static readonly DrillPlanner DrillPlanner = new();
    private static readonly QuobytePlanner QuobytePlanner = new();

    public static IServicePlanner For(ClusterKind kind) => kind switch
    {
        ClusterKind.Cassandra => CassandraPlanner,
        ClusterKind.Riak => RiakPlanner,
        ClusterKind.Drill => DrillPlanner,
        ClusterKind.Quobyte => QuobytePlanner,
        _ => Generic,
    };
}
