using Drover.Scheduler.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Drover.Scheduler.Api;

/// <summary>A cluster's nodes (state, health, agent, endpoints); restart one in place or replace it elsewhere.</summary>
internal static class NodeEndpoints
{
    public static void Map(IEndpointRouteBuilder routes, ISchedulerOperations operations, Handler handler)
    {
        routes.MapMethods("/v1/clusters/{name}/nodes", [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
        {
            var cluster = RouteNames.FindCluster(operations.Snapshot(), RouteNames.Cluster(context));
            return Responses.JsonAsync(context, StatusCodes.Status200OK, new NodeList(cluster.Name, cluster.Nodes), ApiJsonContext.Default.NodeList);
        }));

        routes.MapMethods("/v1/clusters/{name}/nodes/{node}", [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
        {
            var cluster = RouteNames.FindCluster(operations.Snapshot(), RouteNames.Cluster(context));
            var node = RouteNames.FindNode(cluster, RouteNames.Node(context));
            return Responses.JsonAsync(context, StatusCodes.Status200OK, node, ApiJsonContext.Default.NodeView);
        }));

        routes.MapPost("/v1/clusters/{name}/nodes/{node}/restart", handler.Wrap(async (context, cancellation) =>
        {
            var result = await operations.RestartNodeAsync(RouteNames.Cluster(context), RouteNames.Node(context), cancellation).ConfigureAwait(false);
            await Responses.ResultAsync(context, result, StatusCodes.Status202Accepted).ConfigureAwait(false);
        }));

        routes.MapPost("/v1/clusters/{name}/nodes/{node}/replace", handler.Wrap(async (context, cancellation) =>
        {
            var result = await operations.ReplaceNodeAsync(RouteNames.Cluster(context), RouteNames.Node(context), cancellation).ConfigureAwait(false);
            await Responses.ResultAsync(context, result, StatusCodes.Status202Accepted).ConfigureAwait(false);
        }));
    }
}
