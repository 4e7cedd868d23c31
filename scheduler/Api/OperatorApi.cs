using Drover.Metrics;
using Drover.Metrics.AspNetCore;
using Drover.Scheduler.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Drover.Scheduler.Api;

/// <summary>
/// The scheduler's operator HTTP API, console and <c>/metrics</c> on Kestrel. Native-AOT clean: a slim builder,
/// RequestDelegate endpoints (no minimal-API binding, so no generated or reflected code), source-generated JSON.
/// The scheduler's Program calls <see cref="StartAsync"/>; <see cref="CreateBuilder"/> and <see cref="Map"/> are
/// its two halves, for a program that hosts more on the same server.
/// </summary>
public static class OperatorApi
{
    /// <summary>The largest request body Kestrel accepts at all; each endpoint has its own, smaller bound.</summary>
    public const long MaxRequestBodyBytes = 16 * 1024 * 1024;

    /// <summary>A slim web application builder listening (HTTP/1.1) where the options say, logging into the scheduler's log.</summary>
    public static WebApplicationBuilder CreateBuilder(OperatorApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "drover-scheduler" });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new LogBridge());
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = Math.Max(MaxRequestBodyBytes, options.MaxSpecBytes);
            kestrel.Limits.MaxConcurrentConnections = 1000;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Listen(options.Listen.EndPoint, listen => listen.Protocols = HttpProtocols.Http1);
        });
        return builder;
    }

    /// <summary>
    /// Maps the API (<c>/v1/...</c>), the console (<c>/</c>) and <c>/metrics</c>, behind the browser guard and
    /// the token check, and registers the scheduler's snapshot metrics in <paramref name="metrics"/>.
    /// </summary>
    public static void Map(WebApplication app, ISchedulerOperations operations, OperatorApiOptions options, MetricRegistry metrics, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        options.Validate();
        metrics.Register(new SchedulerMetrics(operations, time ?? TimeProvider.System));

        var tokenRequired = options.Token is not null;
        app.Use((context, next) => BrowserGuard.InvokeAsync(context, tokenRequired, next));
        if (options.Token is { } token)
        {
            app.Use((context, next) => Authentication.InvokeAsync(context, token, next));
        }

        app.Use((context, next) => context.GetEndpoint() is null && context.Request.Path.StartsWithSegments("/v1")
            ? Responses.ErrorAsync(context, ApiProblem.NotFound($"no such API endpoint: {context.Request.Method} {context.Request.Path}"))
            : next(context));

        var handler = new Handler(options.OperationTimeout);
        HealthEndpoints.Map(app, operations, handler);
        StateEndpoints.Map(app, operations, handler);
        ClusterEndpoints.Map(app, operations, options, handler);
        PlanEndpoints.Map(app, operations, handler);
        NodeEndpoints.Map(app, operations, handler);
        AdminEndpoints.Map(app, operations, handler);
        RegistryEndpoints.Map(app, operations, handler);
        ServiceEndpoints.Map(app, operations, handler);
        ConsoleEndpoints.Map(app);
        app.MapMetrics(metrics);
    }

    /// <summary>Builds, maps and starts the API; dispose the result to stop it. Throws <see cref="ApiConfigurationException"/> for unsafe options.</summary>
    public static async Task<OperatorServer> StartAsync(
        ISchedulerOperations operations, OperatorApiOptions options, MetricRegistry metrics, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var app = CreateBuilder(options).Build();
        try
        {
            Map(app, operations, options, metrics, time);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var server = new OperatorServer(app);
        Logging.Log.Info($"operator API and console on {server.Url} ({(options.Token is null ? "no token: loopback only" : "bearer token required")})", "api");
        return server;
    }
}
