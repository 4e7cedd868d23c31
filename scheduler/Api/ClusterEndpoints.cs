using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Drover.Scheduler.Api;

/// <summary>
/// Clusters: list, show, put (create or change a spec), delete, scale. A spec is validated whole before the
/// scheduler sees it; the scheduler's loop then applies it entirely or not at all.
/// </summary>
internal static class ClusterEndpoints
{
    /// <summary>As deep as ClusterSpecJson reads (health.checks[0].http.port is four levels).</summary>
    private const int MaxSpecDepth = 16;

    public static void Map(IEndpointRouteBuilder routes, ISchedulerOperations operations, OperatorApiOptions options, Handler handler)
    {
        routes.MapMethods("/v1/clusters", [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
            Responses.JsonAsync(context, StatusCodes.Status200OK, new ClusterList(operations.Snapshot().Clusters), ApiJsonContext.Default.ClusterList)));

        routes.MapMethods("/v1/clusters/{name}", [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
        {
            var cluster = RouteNames.FindCluster(operations.Snapshot(), RouteNames.Cluster(context));
            return Responses.JsonAsync(context, StatusCodes.Status200OK, cluster, ApiJsonContext.Default.ClusterView);
        }));

        routes.MapPut("/v1/clusters/{name}", handler.Wrap((context, cancellation) => PutAsync(context, operations, options, cancellation)));

        routes.MapDelete("/v1/clusters/{name}", handler.Wrap(async (context, cancellation) =>
        {
            var name = RouteNames.Cluster(context);
            var result = await operations.DeleteClusterAsync(name, cancellation).ConfigureAwait(false);
            await Responses.ResultAsync(context, result, StatusCodes.Status202Accepted).ConfigureAwait(false);
        }));

        routes.MapPost("/v1/clusters/{name}/scale", handler.Wrap(async (context, cancellation) =>
        {
            var name = RouteNames.Cluster(context);
            var request = await RequestBody.ReadAsync(context, ApiInputJsonContext.Default.ScaleRequest).ConfigureAwait(false);
            if (request.Count is not { } count)
            {
                throw ApiProblem.BadField("count", "required: the number of nodes the cluster should have");
            }

            if (count is < 0 or > SpecLimits.MaxCount)
            {
                throw ApiProblem.BadField("count", $"{count} is outside 0..{SpecLimits.MaxCount}");
            }

            var result = await operations.ScaleAsync(name, count, cancellation).ConfigureAwait(false);
            await Responses.ResultAsync(context, result, StatusCodes.Status202Accepted).ConfigureAwait(false);
        }));
    }

    /// <summary>
    /// The body's name must be the path's (as Kubernetes asks of a PUT): a spec saved under one name and naming
    /// another would be a trap. 201 when the cluster is new, 200 when its spec changed.
    /// </summary>
    private static async Task PutAsync(HttpContext context, ISchedulerOperations operations, OperatorApiOptions options, CancellationToken cancellation)
    {
        var name = RouteNames.Cluster(context);
        var body = await RequestBody.ReadJsonAsync(context, options.MaxSpecBytes).ConfigureAwait(false);
        RequestBody.CheckSyntax(body, MaxSpecDepth);
        ClusterSpec spec;
        try
        {
            spec = ClusterSpecJson.Parse(body);
        }
        catch (SpecException e)
        {
            throw ApiProblem.Invalid(e.Errors);
        }

        if (spec.Name != name)
        {
            throw ApiProblem.BadField("name", $"'{spec.Name}' differs from the name in the path, '{name}'");
        }

        var existed = operations.Snapshot().Clusters.Any(c => c.Name == name);
        var result = await operations.PutClusterAsync(spec, cancellation).ConfigureAwait(false);
        if (result.IsOk && !existed)
        {
            context.Response.Headers.Location = $"/v1/clusters/{name}";
        }

        await Responses.ResultAsync(context, result, existed ? StatusCodes.Status200OK : StatusCodes.Status201Created).ConfigureAwait(false);
    }
}
