using Drover.Scheduler.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Drover.Scheduler.Api;

/// <summary>
/// <c>GET /v1/health</c>, open without a token as Mesos' <c>/health</c> and Marathon's <c>/ping</c> are: Marathon's
/// health check and load balancers cannot send one. 200 while the scheduler is a standby, subscribing or
/// subscribed (a standby is healthy: it waits in the election); 503 once the master refused the framework.
/// </summary>
internal static class HealthEndpoints
{
    public const string Path = "/v1/health";

    public static void Map(IEndpointRouteBuilder routes, ISchedulerOperations operations, Handler handler)
    {
        routes.MapMethods(Path, [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
        {
            var snapshot = operations.Snapshot();
            var refused = snapshot.Subscription.State == SubscriptionState.Refused;
            var health = new HealthView
            {
                Status = refused ? "REFUSED" : "OK",
                Framework = snapshot.Framework.Name,
                Subscription = snapshot.Subscription.State,
                Leader = snapshot.Framework.Leader,
            };
            var status = refused ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            return Responses.JsonAsync(context, status, health, ApiJsonContext.Default.HealthView);
        }));
    }
}
