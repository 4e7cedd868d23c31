using Drover.Scheduler.Plans.Cassandra;
using Drover.Scheduler.Plans.Drill;
using Drover.Scheduler.Plans.Quobyte;
using Drover.Scheduler.Plans.Riak;

namespace Drover.Scheduler.Plans;

/// <summary>
/// What a cluster's planner keeps (in the cluster's record, committed with everything else): one part per kind,
/// the others null. Records, never loose flags; each part says what it holds.
/// </summary>
public sealed record ServiceState
{
    public CassandraState? Cassandra { get; init; }

    public RiakState? Riak { get; init; }

    public DrillState? Drill { get; init; }

    public QuobyteState? Quobyte { get; init; }
}

/// <summary>The kind's part of a cluster's operator view (<c>service</c> in the API's cluster JSON).</summary>
public sealed record ServiceView
{
    public CassandraView? Cassandra { get; init; }

    public RiakView? Riak { get; init; }

    public DrillView? Drill { get; init; }

    public QuobyteView? Quobyte { get; init; }
}
