using Drover.Executor.Health;

namespace Drover.Executor.Personalities.Drill;

/// <summary>
/// A drillbit is healthy when its web server says "Running!" on /status.json and its own registration in
/// ZooKeeper (the DrillServiceInstance whose endpoint is this host and user port) is ONLINE: the first
/// proves the process serves, the second that the cluster routes queries to it. The detail names both.
/// </summary>
public sealed class DrillHealthProbe(DrillConnections connections) : IHealthProbe
{
    public async Task<ProbeResult> ProbeAsync(CancellationToken cancellation)
    {
        var status = await connections.Http.StatusAsync(cancellation).ConfigureAwait(false);
        var (lookup, registration) = await connections.RegistrationAsync(cancellation).ConfigureAwait(false);
        var online = lookup?.IsOnline == true;
        var detail = $"{(status.Ok ? "" : "unhealthy: ")}{status.Detail}; ZooKeeper: {(online ? "" : "unhealthy: ")}{registration}";
        return new ProbeResult(status.Ok && online, detail);
    }
}
