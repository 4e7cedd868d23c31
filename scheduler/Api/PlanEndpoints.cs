using Drover.Scheduler.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Drover.Scheduler.Api;

/// <summary>
/// A cluster's plans with their phases' and steps' progress; interrupt and continue a plan, restart a step
/// (as dcos-commons' plan endpoints do).
/// </summary>
internal static class PlanEndpoints
{
    public static void Map(IEndpointRouteBuilder routes, ISchedulerOperations operations, Handler handler)
    {
        routes.MapMethods("/v1/clusters/{name}/plans", [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
        {
            var cluster = RouteNames.FindCluster(operations.Snapshot(), RouteNames.Cluster(context));
            return Responses.JsonAsync(context, StatusCodes.Status200OK, new PlanList(cluster.Name, cluster.Plans), ApiJsonContext.Default.PlanList);
        }));

        routes.MapMethods("/v1/clusters/{name}/plans/{plan}", [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
        {
            var cluster = RouteNames.FindCluster(operations.Snapshot(), RouteNames.Cluster(context));
            var plan = RouteNames.FindPlan(cluster, RouteNames.Plan(context));
            return Responses.JsonAsync(context, StatusCodes.Status200OK, plan, ApiJsonContext.Default.PlanView);
        }));

        routes.MapPost("/v1/clusters/{name}/plans/{plan}/interrupt", handler.Wrap(async (context, cancellation) =>
        {
            var result = await operations.InterruptPlanAsync(RouteNames.Cluster(context), RouteNames.Plan(context), cancellation).ConfigureAwait(false);
            await Responses.ResultAsync(context, result, StatusCodes.Status200OK).ConfigureAwait(false);
        }));

        routes.MapPost("/v1/clusters/{name}/plans/{plan}/continue", handler.Wrap(async (context, cancellation) =>
        {
            var result = await operations.ContinuePlanAsync(RouteNames.Cluster(context), RouteNames.Plan(context), cancellation).ConfigureAwait(false);
            await Responses.ResultAsync(context, result, StatusCodes.Status200OK).ConfigureAwait(false);
        }));

        routes.MapPost("/v1/clusters/{name}/plans/{plan}/phases/{phase}/steps/{step}/restart", handler.Wrap(async (context, cancellation) =>
        {
            var result = await operations.RestartStepAsync(
                RouteNames.Cluster(context), RouteNames.Plan(context), RouteNames.Phase(context), RouteNames.Step(context), cancellation).ConfigureAwait(false);
            await Responses.ResultAsync(context, result, StatusCodes.Status202Accepted).ConfigureAwait(false);
        }));
    }
}
