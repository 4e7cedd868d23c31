using System.Net;
using Microsoft.AspNetCore.Http;

namespace Drover.Scheduler.Api;

/// <summary>
/// What a bearer token alone does not stop, from a web page in the operator's browser:
/// <list type="bullet">
/// <item>a cross-site change (a form or a no-cors fetch POSTing to the API): any request but GET/HEAD whose
/// <c>Origin</c> is not the API's own gets 403 (the console only reads);</item>
/// <item>DNS rebinding against an API without a token (loopback only): a request whose <c>Host</c> is not a
/// loopback address or <c>localhost</c> gets 403, so a page under another name cannot read or change it.</item>
/// </list>
/// The CLI and curl send no Origin and the host they dialled, and pass.
/// </summary>
internal static class BrowserGuard
{
    public static async Task InvokeAsync(HttpContext context, bool tokenRequired, RequestDelegate next)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && IsCrossOrigin(request))
        {
            await Responses.ErrorAsync(context, new ApiProblem(StatusCodes.Status403Forbidden,
                $"a change from the web origin '{request.Headers.Origin}' is refused: the API takes changes from its own origin and from clients that are not browsers")).ConfigureAwait(false);
            return;
        }

        if (!tokenRequired && request.Path != HealthEndpoints.Path && !IsLoopbackHost(request.Host.Host))
        {
            await Responses.ErrorAsync(context, new ApiProblem(StatusCodes.Status403Forbidden,
                $"the API has no token and answers only requests addressed to a loopback address or localhost, not to '{request.Host.Host}'")).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    internal static bool IsCrossOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return false;
        }

        return !Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            || !uri.Scheme.Equals(request.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    internal static bool IsLoopbackHost(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var literal = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return IPAddress.TryParse(literal, out var address) && IPAddress.IsLoopback(address);
    }
}
