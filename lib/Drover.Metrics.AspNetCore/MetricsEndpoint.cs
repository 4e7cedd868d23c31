using System.Buffers;
using Drover.Metrics.Exposition;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Drover.Metrics.AspNetCore;

/// <summary>
/// Maps a path (default <c>/metrics</c>) to a <see cref="MetricRegistry"/>'s text exposition, the way
/// <c>Drover.Metrics.Http.MetricsServer</c> serves it on a socket of its own: GET and HEAD, the text
/// format's content type, a Content-Length. A RequestDelegate, not a minimal-API lambda: no code
/// generation or reflection, so it stays native-AOT clean.
/// </summary>
public static class MetricsEndpoint
{
    public const string DefaultPath = "/metrics";

    /// <summary>The first buffer of a scrape; it grows as needed.</summary>
    private const int InitialBufferSize = 16 * 1024;

    private static readonly string[] Methods = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointConventionBuilder MapMetrics(this IEndpointRouteBuilder endpoints, MetricRegistry registry, string path = DefaultPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return endpoints.MapMethods(path, Methods, context => WriteAsync(context, registry));
    }

    /// <summary>Writes the exposition as the response (the body only for GET).</summary>
    public static async Task WriteAsync(HttpContext context, MetricRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(registry);
        // Rendered whole first: the length goes in the header, and a scrape never holds the registry's
        // scrape lock while waiting on a slow client.
        var text = new ArrayBufferWriter<byte>(InitialBufferSize);
        registry.WriteTo(text);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = TextFormat.ContentType;
        response.ContentLength = text.WrittenCount;
        response.Headers.CacheControl = "no-store";
        if (HttpMethods.IsGet(context.Request.Method))
        {
            await response.Body.WriteAsync(text.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
