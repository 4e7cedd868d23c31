using Microsoft.AspNetCore.Http;

namespace Drover.Scheduler.Api;

/// <summary>
/// The bearer token check, before any endpoint runs. Open without a token, as Mesos and Marathon leave them
/// open: <c>GET /v1/health</c> (health checks cannot send a token) and the console's static files (they hold
/// no data; the page asks the API, with the token, for everything it shows). Everything else, <c>/metrics</c>
/// included (Prometheus sends a bearer token from a file), needs <c>Authorization: Bearer &lt;token&gt;</c>.
/// A wrong or missing token gets 401 with <c>WWW-Authenticate</c> (RFC 6750), whatever the path.
/// </summary>
internal static class Authentication
{
    private const string Challenge = "Bearer realm=\"drover-scheduler\"";

    public static bool IsOpen(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && (request.Path == HealthEndpoints.Path || ConsoleEndpoints.Serves(request.Path));

    public static async Task InvokeAsync(HttpContext context, OperatorToken token, RequestDelegate next)
    {
        if (IsOpen(context.Request))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var presented = Bearer(context.Request.Headers.Authorization.ToString());
        if (presented is null)
        {
            context.Response.Headers.WWWAuthenticate = Challenge;
            await Responses.ErrorAsync(context, new ApiProblem(StatusCodes.Status401Unauthorized, "a bearer token is required (Authorization: Bearer <token>)")).ConfigureAwait(false);
            return;
        }

        if (!token.Matches(presented))
        {
            context.Response.Headers.WWWAuthenticate = Challenge + ", error=\"invalid_token\"";
            await Responses.ErrorAsync(context, new ApiProblem(StatusCodes.Status401Unauthorized, "the bearer token is not valid")).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    /// <summary>The token of an <c>Authorization: Bearer</c> header, or null when there is none (the scheme is case-insensitive).</summary>
    internal static string? Bearer(string header)
    {
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = header.AsSpan(Scheme.Length).Trim(' ');
        return token.IsEmpty ? null : token.ToString();
    }
}
