namespace Drover.Executor.Health;

/// <summary>The outcome of one probe, with words for the log and the status message.</summary>
public readonly record struct ProbeResult(bool Healthy, string Detail);

/// <summary>
/// One kind of check, with what it probes: Mesos' HTTP, TCP and command checks (<see cref="HttpProbe"/>,
/// <see cref="TcpProbe"/>, <see cref="CommandProbe"/>), NodeSpec JMX and nodetool checks, each personality's
/// own. The executor runs every one the same way: called once per attempt, never concurrently with itself;
/// the token fires at the check's timeout (a failure); an exception other than that cancellation is a
/// failure with its message.
/// </summary>
public interface IHealthProbe
{
    Task<ProbeResult> ProbeAsync(CancellationToken cancellation);
}
