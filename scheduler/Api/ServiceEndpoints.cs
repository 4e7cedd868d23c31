using System.Text;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;
using Drover.Scheduler.Plans.Quobyte;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Drover.Scheduler.Api;

/// <summary>
/// The kinds' own operations (issue 12), on a scheduler that offers them (<see cref="IServiceOperations"/>):
/// <list type="bullet">
/// <item><c>GET /v1/clusters/{name}/service</c>: the kind's view (repair schedule and history, cleanup needed, ring
/// members, dataset size and drillbits, Quobyte versions);</item>
/// <item><c>POST /v1/clusters/{name}/repair</c> (CASSANDRA: a repair round now), <c>POST .../cleanup</c>
/// (<c>{"nodes": [...], "keyspace": "..."}</c>, both optional);</item>
/// <item><c>POST /v1/clusters/{name}/dataset</c> (DRILL: <c>{"size_mb": 250}</c>);</item>
/// <item><c>GET|POST /v1/version</c> (QUOBYTE, the seed's API verbatim: the body is the version as plain text, empty
/// to stop every service) and <c>/v1/clusters/{name}/version</c> for a framework with several.</item>
/// </list>
/// </summary>
internal static class ServiceEndpoints
{
    /// <summary>A version is at most 64 characters; a little room for a trailing newline and spaces.</summary>
    public const int MaxVersionBytes = 256;

    public static void Map(IEndpointRouteBuilder routes, ISchedulerOperations operations, Handler handler)
    {
        if (operations is not IServiceOperations services)
        {
            return;
        }

        routes.MapMethods("/v1/clusters/{name}/service", [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
        {
            var cluster = RouteNames.FindCluster(operations.Snapshot(), RouteNames.Cluster(context));
            return Responses.JsonAsync(context, StatusCodes.Status200OK, cluster.Service ?? new ServiceView(), ApiJsonContext.Default.ServiceView);
        }));

        routes.MapPost("/v1/clusters/{name}/repair", handler.Wrap(async (context, cancellation) =>
        {
            var result = await services.StartRepairAsync(RouteNames.Cluster(context), cancellation).ConfigureAwait(false);
            await Responses.ResultAsync(context, result, StatusCodes.Status202Accepted).ConfigureAwait(false);
        }));

        routes.MapPost("/v1/clusters/{name}/cleanup", handler.Wrap(async (context, cancellation) =>
        {
            var name = RouteNames.Cluster(context);
            var request = context.Request.ContentLength == 0
                ? new CleanupRequest()
                : await RequestBody.ReadAsync(context, ApiInputJsonContext.Default.CleanupRequest).ConfigureAwait(false);
            var result = await services.CleanupAsync(name, request.Nodes, request.Keyspace, cancellation).ConfigureAwait(false);
            await Responses.ResultAsync(context, result, StatusCodes.Status202Accepted).ConfigureAwait(false);
        }));

        routes.MapPost("/v1/clusters/{name}/dataset", handler.Wrap(async (context, cancellation) =>
        {
            var name = RouteNames.Cluster(context);
            var request = await RequestBody.ReadAsync(context, ApiInputJsonContext.Default.DatasetRequest).ConfigureAwait(false);
            if (request.SizeMb is not { } size)
            {
                throw ApiProblem.BadField("size_mb", "required: the size of the dataset about to be queried, in MB");
            }

            var result = await services.SetDatasetSizeAsync(name, size, cancellation).ConfigureAwait(false);
            await Responses.ResultAsync(context, result, StatusCodes.Status202Accepted).ConfigureAwait(false);
        }));

        routes.MapMethods("/v1/version", [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
            Responses.JsonAsync(context, StatusCodes.Status200OK, VersionOf(operations.Snapshot(), null), ApiJsonContext.Default.QuobyteView)));
        routes.MapMethods("/v1/clusters/{name}/version", [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
            Responses.JsonAsync(context, StatusCodes.Status200OK, VersionOf(operations.Snapshot(), RouteNames.Cluster(context)), ApiJsonContext.Default.QuobyteView)));
        routes.MapPost("/v1/version", handler.Wrap((context, cancellation) => SetVersionAsync(context, services, null, cancellation)));
        routes.MapPost("/v1/clusters/{name}/version", handler.Wrap((context, cancellation) => SetVersionAsync(context, services, RouteNames.Cluster(context), cancellation)));
    }

    private static async Task SetVersionAsync(HttpContext context, IServiceOperations services, string? cluster, CancellationToken cancellation)
    {
        var version = await ReadVersionAsync(context).ConfigureAwait(false);
        var result = await services.SetVersionAsync(cluster, version, cancellation).ConfigureAwait(false);
        await Responses.ResultAsync(context, result, StatusCodes.Status202Accepted).ConfigureAwait(false);
    }

    /// <summary>
    /// The body as the seed's <c>curl --data "1.1.5"</c> sends it: plain text (whatever the Content-Type curl puts),
    /// trimmed; empty stops every service. Bounded, UTF-8, one line.
    /// </summary>
    private static async Task<string> ReadVersionAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength is > MaxVersionBytes)
        {
            throw ApiProblem.BadField("version", $"the body is larger than {MaxVersionBytes} bytes: send the version alone (e.g. 1.1.5), or nothing to stop");
        }

        var buffer = new byte[MaxVersionBytes + 1];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        if (length > MaxVersionBytes)
        {
            throw ApiProblem.BadField("version", $"the body is larger than {MaxVersionBytes} bytes: send the version alone (e.g. 1.1.5), or nothing to stop");
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, length).Trim();
        }
        catch (DecoderFallbackException)
        {
            throw ApiProblem.BadField("version", "the body is not UTF-8 text");
        }

        return text.Any(char.IsControl)
            ? throw ApiProblem.BadField("version", "one line of text expected: the version (e.g. 1.1.5), or nothing to stop")
            : text;
    }

    /// <summary>The Quobyte cluster's version view: the named one, or the framework's only one.</summary>
    private static QuobyteView VersionOf(SchedulerSnapshot snapshot, string? name)
    {
        if (name is not null)
        {
            var cluster = RouteNames.FindCluster(snapshot, name);
            return cluster.Service?.Quobyte ?? throw new ApiProblem(StatusCodes.Status409Conflict, $"cluster {name} is {cluster.Kind.ToString().ToUpperInvariant()}, not QUOBYTE");
        }

        var quobytes = snapshot.Clusters.Where(c => c.Service?.Quobyte is not null).ToList();
        return quobytes.Count switch
        {
            0 => throw ApiProblem.NotFound("no QUOBYTE cluster: create one first (PUT /v1/clusters/<name> with kind QUOBYTE and its quobyte section)"),
            1 => quobytes[0].Service!.Quobyte!,
            _ => throw new ApiProblem(StatusCodes.Status409Conflict, $"{quobytes.Count} QUOBYTE clusters ({string.Join(", ", quobytes.Select(c => c.Name))}): name one, /v1/clusters/<name>/version"),
        };
    }
}
