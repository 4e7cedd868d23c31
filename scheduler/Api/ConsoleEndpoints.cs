using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Drover.Scheduler.Api;

/// <summary>
/// The read-only web console: one page, its script and its style sheet, built into the binary (no front-end
/// toolchain). The page draws what <c>GET /v1/state</c> returns and asks again every few seconds. With a token
/// the page asks for it once (or takes it from <c>#token=</c> in the address) and keeps it in the tab's
/// sessionStorage. Served with a strict Content-Security-Policy: no inline script, no other origin.
/// </summary>
internal static class ConsoleEndpoints
{
    private const string SecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Asset[] Assets =
    [
        Asset.Load("/", "index.html", "text/html; charset=utf-8"),
        Asset.Load("/console.js", "console.js", "text/javascript; charset=utf-8"),
        Asset.Load("/console.css", "console.css", "text/css; charset=utf-8"),
    ];

    public static bool Serves(PathString path) => Array.Exists(Assets, a => a.Path == path);

    public static void Map(IEndpointRouteBuilder routes)
    {
        foreach (var asset in Assets)
        {
            routes.MapMethods(asset.Path, [HttpMethods.Get, HttpMethods.Head], context => ServeAsync(context, asset));
        }
    }

    private static Task ServeAsync(HttpContext context, Asset asset)
    {
        var response = context.Response;
        var headers = response.Headers;
        headers.ContentSecurityPolicy = SecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Body.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(asset.Body, context.RequestAborted).AsTask();
    }

    private sealed record Asset(string Path, string ContentType, byte[] Body, string ETag)
    {
        public static Asset Load(string path, string file, string contentType)
        {
            var name = "Drover.Scheduler.Console." + file;
            using var stream = typeof(ConsoleEndpoints).Assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"the console's {file} is not built into the binary (resource {name})");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var body = copy.ToArray();
            return new Asset(path, contentType, body, $"\"{Convert.ToHexStringLower(SHA256.HashData(body))[..16]}\"");
        }
    }
}
