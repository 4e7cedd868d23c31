using Drover.Sidecar.View;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Drover.Sidecar.Discovery;

/// <summary>
/// The sidecar's health, for grpc.health.v1 and GET /health: Healthy while every part of the view is
/// live; Degraded (still SERVING over gRPC) while it serves state it can no longer confirm; Unhealthy
/// (NOT_SERVING) while it has nothing read to serve.
/// </summary>
public sealed class ViewHealthCheck(RegistryView view) : IHealthCheck
{
    public const string Name = "registry-view";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = view.Current;
        var now = view.Time.GetUtcNow();
        if (!state.ClustersFreshness.HasData)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("nothing read from ZooKeeper yet"));
        }
        var unread = state.Clusters.Values.Where(c => !c.Freshness.HasData).Select(c => c.Name).ToList();
        var stale = state.Clusters.Values.Where(c => c.Freshness.State == Registry.WatchFreshness.Stale).ToList();
        if (!state.ClustersFreshness.IsLive || stale.Count > 0)
        {
            var oldest = stale.Select(c => c.Freshness.Age(now)).Append(state.ClustersFreshness.Age(now)).Max();
            return Task.FromResult(HealthCheckResult.Degraded($"serving the last state read from ZooKeeper, up to {oldest.TotalSeconds:0.#} s old"));
        }
        return Task.FromResult(unread.Count > 0
            ? HealthCheckResult.Degraded($"not read yet: {string.Join(", ", unread.Take(10))}")
            : HealthCheckResult.Healthy($"{state.Clusters.Count} cluster(s) live"));
    }
}
