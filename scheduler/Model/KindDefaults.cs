using Drover.Mesos;

namespace Drover.Scheduler.Model;

/// <summary>The kind sections of a validated spec read with their defaults.</summary>
public static class KindDefaults
{
    public static readonly TimeSpan BootstrapGap = TimeSpan.FromMinutes(2);
    public const double QsfMb = 100;
    public static readonly TimeSpan DrillIdlePeriod = TimeSpan.FromMinutes(10);

    /// <summary>The seed count: cassandra.seeds, default min(3, count), never more than the count.</summary>
    public static int CassandraSeeds(this ClusterSpec spec) => Math.Min(spec.Cassandra?.Seeds ?? 3, Math.Max(spec.CountOrZero(), 0));

    public static TimeSpan CassandraBootstrapGap(this ClusterSpec spec) =>
        spec.Cassandra?.BootstrapGap is { } text ? MesosDuration.Parse(text) : BootstrapGap;

    public static TimeSpan GcGrace(this ClusterSpec spec) =>
        TimeSpan.FromSeconds(spec.Cassandra?.Repair?.GcGraceSeconds ?? ClusterSpecValidator.DefaultGcGraceSeconds);

    /// <summary>From one round's start to the next: repair.interval, default half of gc_grace_seconds.</summary>
    public static TimeSpan RepairInterval(this ClusterSpec spec) =>
        spec.Cassandra?.Repair?.Interval is { } text ? MesosDuration.Parse(text) : spec.GcGrace() / 2;

    public static bool RepairEnabled(this ClusterSpec spec) => spec.Cassandra?.Repair?.Enabled ?? true;

    public static double DrillQsfMb(this ClusterSpec spec) => spec.Drill?.QsfMb ?? QsfMb;

    public static int DrillMin(this ClusterSpec spec) => spec.Drill?.MinDrillbits ?? 1;

    /// <summary>drill.max_drillbits: without it the cluster is not sized on demand (its count is the operator's alone).</summary>
    public static int? DrillMax(this ClusterSpec spec) => spec.Drill?.MaxDrillbits;

    public static TimeSpan DrillIdle(this ClusterSpec spec) =>
        spec.Drill?.IdlePeriod is { } text ? MesosDuration.Parse(text) : DrillIdlePeriod;
}
