using Drover.Jmx;

namespace Drover.Executor.Health;

/// <summary>A JMX attribute check through the node's persistent JMX helper (one JVM per node, not per probe).</summary>
public sealed class JmxProbe(JmxHelper helper, JmxAttributeCheck check) : IHealthProbe
{
    public async Task<ProbeResult> ProbeAsync(CancellationToken cancellation)
    {
        var (healthy, detail) = await check.RunAsync(helper, cancellation).ConfigureAwait(false);
        return new ProbeResult(healthy, detail);
    }
}
