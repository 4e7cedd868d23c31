namespace Drover.Executor.Health;

/// <summary>
/// A personality's own probe (JMX attributes, nodetool output, an HTTP body, a ZooKeeper registration).
/// Called once per attempt, never concurrently with itself; the token fires at the check's timeout
/// (which counts as a failure); exceptions other than cancellation are failures with their message.
/// </summary>
public interface IHealthProbe
{
    Task<ProbeResult> ProbeAsync(CancellationToken cancellation);
}
