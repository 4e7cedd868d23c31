using Drover.Scheduler.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Drover.Scheduler.Api;

/// <summary><c>GET /v1/state</c>: the whole snapshot at one instant (what the console draws), as Mesos' <c>/state</c>.</summary>
internal static class StateEndpoints
{
    public const string Path = "/v1/state";

    public static void Map(IEndpointRouteBuilder routes, ISchedulerOperations operations, Handler handler)
    {
        routes.MapMethods(Path, [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
            Responses.JsonAsync(context, StatusCodes.Status200OK, operations.Snapshot(), ApiJsonContext.Default.SchedulerSnapshot)));
    }
}
