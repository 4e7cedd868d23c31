namespace Drover.Executor.Health;

/// <summary>A check's standing: unknown until its first success or its first counted failure.</summary>
public enum CheckStanding
{
    Unknown,
    Healthy,
    Unhealthy,
}

/// <summary>What one probe result means for the task.</summary>
public readonly record struct HealthVerdict(bool Counted, bool Healthy, int ConsecutiveFailures, bool KillTask);

/// <summary>
/// Mesos' health-checker rules for one check (src/checks/health_checker.cpp), as a pure state
/// machine: a failure before the first success, within the grace period, is ignored; each
/// counted failure is reported; the first success, and the first after failures, is
/// reported; ConsecutiveFailures counted failures in a row ask for the task to be killed.
/// </summary>
public sealed class HealthTracker(HealthCheckDefinition definition, TimeSpan started)
{
    private bool _initializing = true;
    private int _consecutiveFailures;

    public HealthCheckDefinition Definition { get; } = definition;

    public CheckStanding Standing { get; private set; } = CheckStanding.Unknown;

    public HealthVerdict Success()
    {
        var report = _initializing || _consecutiveFailures > 0;
        _initializing = false;
        _consecutiveFailures = 0;
        Standing = CheckStanding.Healthy;
        return new HealthVerdict(report, Healthy: true, 0, KillTask: false);
    }

    /// <param name="now">On the same clock as the start the tracker was made with.</param>
    public HealthVerdict Failure(TimeSpan now)
    {
        if (_initializing && Definition.Grace > TimeSpan.Zero && now - started <= Definition.Grace)
        {
            return new HealthVerdict(Counted: false, Healthy: false, _consecutiveFailures, KillTask: false);
        }

        _consecutiveFailures++;
        Standing = CheckStanding.Unhealthy;
        return new HealthVerdict(Counted: true, Healthy: false, _consecutiveFailures, _consecutiveFailures >= Definition.ConsecutiveFailures);
    }
}

/// <summary>
/// The health of a task with several checks (Mesos' own plus a personality's): unhealthy if any
/// check is, healthy once every check is. Every counted failure is reported; a healthy update
/// goes out when the task as a whole becomes healthy (for one check, exactly Mesos' rule).
/// </summary>
public sealed class TaskHealth(IReadOnlyList<HealthTracker> trackers, long incarnation)
{
    private bool _reportedHealthy;

    public IReadOnlyList<HealthTracker> Trackers { get; } = trackers;

    /// <summary>The service incarnation these checks belong to; a restart starts fresh checks.</summary>
    public long Incarnation { get; } = incarnation;

    public bool? Healthy => Trackers.Any(t => t.Standing == CheckStanding.Unhealthy) ? false
        : Trackers.All(t => t.Standing == CheckStanding.Healthy) ? true
        : null;

    /// <summary>Applies one probe result; returns the `healthy` value to report, if any.</summary>
    public bool? Apply(int check, bool ok, TimeSpan now, out HealthVerdict verdict)
    {
        verdict = ok ? Trackers[check].Success() : Trackers[check].Failure(now);
        if (!verdict.Counted)
        {
            return null;
        }

        if (!verdict.Healthy)
        {
            _reportedHealthy = false;
            return false;
        }

        if (Healthy == true && !_reportedHealthy)
        {
            _reportedHealthy = true;
            return true;
        }

        return null;
    }
}
