using Drover.Mesos;

namespace Drover.Scheduler.Model;

/// <summary>A validated spec read with its defaults: what the scheduler acts on.</summary>
public static class ClusterSpecDefaults
{
    /// <summary>The Cassandra design's "reasonable (1hr?) amount of time" before a lost node is replaced.</summary>
    public static readonly TimeSpan ReplaceAfter = TimeSpan.FromHours(1);

    public static readonly TimeSpan KillGracePeriod = TimeSpan.FromSeconds(30);

    public static TimeSpan ReplaceAfterOrDefault(this ClusterSpec spec) =>
        spec.ReplaceAfter is { } text ? MesosDuration.Parse(text) : ReplaceAfter;

    public static TimeSpan KillGracePeriodOrDefault(this ClusterSpec spec) =>
        spec.Service.KillGracePeriod is { } text ? MesosDuration.Parse(text) : KillGracePeriod;

    public static int CountOrZero(this ClusterSpec spec) => spec.Count ?? 0;

    /// <summary>Whether a running node counts as healthy only once a check said so (false: running is healthy).</summary>
    public static bool ExpectsHealth(this ClusterSpec spec) =>
        ServiceKinds.HasOwnHealthChecks(spec.Kind) || spec.Health.Checks.Count > 0;
}
