using System.Net;
using System.Security.Cryptography.X509Certificates;
using Drover.Metrics.AspNetCore;
using Drover.Registry;
using Drover.Sidecar.Configuration;
using Drover.Sidecar.Discovery;
using Drover.Sidecar.Metrics;
using Drover.Sidecar.PrometheusSd;
using Drover.Sidecar.Proxy;
using Drover.Sidecar.View;
using Grpc.Reflection;
using Grpc.Reflection.V1Alpha;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Drover.Sidecar.Hosting;

/// <summary>Test seams of <see cref="SidecarApp"/>: the clock and extra log sinks.</summary>
public sealed class SidecarAppOptions
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Called after the console logger is set up (tests add a sink that records lines).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}

/// <summary>
/// The running sidecar: one ZooKeeper session and the view it feeds; Kestrel serving gRPC discovery
/// (with grpc.health.v1 and reflection) on one endpoint and /metrics, /health and the Prometheus
/// targets on another; one proxy listener per configured (cluster, port).
/// </summary>
public sealed partial class SidecarApp : IAsyncDisposable
{
    private readonly WebApplication _web;
    private readonly RegistrySession _session;
    private readonly ZooKeeperRegistrySource _source;
    private readonly CancellationTokenSource _stop;
    private readonly Task _viewLoop;
    private readonly List<ProxyListener> _proxies;
    private readonly Forwarder _forwarder;
    private readonly ILoggerFactory _loggers;
    private int _disposed;

    private SidecarApp(WebApplication web, RegistrySession session, ZooKeeperRegistrySource source, RegistryView view, SidecarMetrics metrics,
        CancellationTokenSource stop, Task viewLoop, List<ProxyListener> proxies, Forwarder forwarder, ILoggerFactory loggers, IPEndPoint grpc, IPEndPoint http)
    {
        _forwarder = forwarder;
        _loggers = loggers;
        _web = web;
        _session = session;
        _source = source;
        View = view;
        Metrics = metrics;
        _stop = stop;
        _viewLoop = viewLoop;
        _proxies = proxies;
        GrpcEndPoint = grpc;
        HttpEndPoint = http;
    }

    public RegistryView View { get; }

    public SidecarMetrics Metrics { get; }

    /// <summary>The ZooKeeper session the view reads through.</summary>
    public RegistrySession Session => _session;

    public IPEndPoint GrpcEndPoint { get; }

    public IPEndPoint HttpEndPoint { get; }

    public IReadOnlyList<ProxyListener> Proxies => _proxies;

    /// <summary>The gRPC discovery service (one for the app: its WatchNodes bodies are shared).</summary>
    public DiscoveryService Discovery => _web.Services.GetRequiredService<DiscoveryService>();

    /// <summary>Completes when the host is asked to stop (SIGTERM, SIGINT).</summary>
    public Task WaitForShutdownAsync() => _web.WaitForShutdownAsync();

    public static async Task<SidecarApp> StartAsync(SidecarSettings settings, SidecarAppOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        options ??= new SidecarAppOptions();
        var certificate = LoadCertificate(settings);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "drover-sidecar" });
        ConfigureLogging(builder.Logging, settings.LogLevel);
        options.ConfigureLogging?.Invoke(builder.Logging);

        ListenOptions? grpcListen = null;
        ListenOptions? httpListen = null;
        if (certificate is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(settings.Grpc, listen =>
            {
                // Cleartext gRPC is HTTP/2 with prior knowledge; with TLS, ALPN chooses.
                listen.Protocols = certificate is null ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
                grpcListen = listen;
            });
            kestrel.Listen(settings.Http, listen =>
            {
                listen.Protocols = certificate is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
                httpListen = listen;
            });
        });

        var metrics = SidecarMetrics.Create();
        var session = new RegistrySession(settings.Registry());
        var loggers = LoggerFactory.Create(logging =>
        {
            ConfigureLogging(logging, settings.LogLevel);
            options.ConfigureLogging?.Invoke(logging);
        });
        RegistryView? view = null;
        var source = new ZooKeeperRegistrySource(session, input => view!.Post(input), loggers.CreateLogger("Drover.Sidecar.Registry"));
        view = new RegistryView(source, options.Time, new ViewObserver(loggers.CreateLogger("Drover.Sidecar.View"), metrics), settings.Clusters);
        metrics.Observe(view);
        metrics.Observe(session);

        builder.Services.AddSingleton(view);
        builder.Services.AddSingleton(metrics);
        // One instance for every call: Resolve's round robin turns across calls.
        builder.Services.AddSingleton<DiscoveryService>();
        builder.Services.AddGrpc(grpc => grpc.EnableDetailedErrors = false);
        // Reflection over the services served here, named explicitly (no assembly scanning: AOT-clean).
        builder.Services.AddSingleton(new ReflectionServiceImpl(V1.Discovery.Descriptor, Grpc.Health.V1.Health.Descriptor, ServerReflection.Descriptor));
        builder.Services.AddGrpcHealthChecks(health =>
        {
            health.Services.Map("", _ => true);
            health.Services.Map("drover.v1.Discovery", _ => true);
        }).AddCheck(ViewHealthCheck.Name, new ViewHealthCheck(view));

        var web = builder.Build();
        web.MapGrpcService<DiscoveryService>();
        web.MapGrpcHealthChecksService();
        web.MapGrpcService<ReflectionServiceImpl>();
        web.MapMetrics(metrics.Registry);
        web.MapHealthChecks("/health");
        web.MapMethods(TargetsEndpoint.Path, [HttpMethods.Get, HttpMethods.Head], context => TargetsEndpoint.HandleAsync(context, view, settings.Framework));

        var stop = new CancellationTokenSource();
        var viewLoop = Task.Run(() => view.RunAsync(stop.Token), CancellationToken.None);
        if (settings.Clusters is null)
        {
            source.FollowClusterList();
        }
        var proxies = new List<ProxyListener>();
        var forwarder = new Forwarder();
        var log = loggers.CreateLogger("Drover.Sidecar");
        try
        {
            foreach (var proxy in settings.Proxies)
            {
                var listener = new ProxyListener(proxy, view, metrics.Proxy, forwarder, loggers.CreateLogger("Drover.Sidecar.Proxy"));
                proxies.Add(listener);
                listener.Start();
            }
            await web.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            foreach (var listener in proxies)
            {
                await listener.DisposeAsync().ConfigureAwait(false);
            }
            forwarder.Dispose();
            await stop.CancelAsync().ConfigureAwait(false);
            await viewLoop.ConfigureAwait(false);
            await source.DisposeAsync().ConfigureAwait(false);
            await session.DisposeAsync().ConfigureAwait(false);
            await web.DisposeAsync().ConfigureAwait(false);
            loggers.Dispose();
            throw;
        }
        var app = new SidecarApp(web, session, source, view, metrics, stop, viewLoop, proxies, forwarder, loggers, grpcListen!.IPEndPoint!, httpListen!.IPEndPoint!);
        LogStarted(log, app.GrpcEndPoint.ToString(), app.HttpEndPoint.ToString(), certificate is null ? "cleartext" : "TLS",
            settings.Registry().ToString(), settings.Clusters is null ? "every cluster" : string.Join(", ", settings.Clusters), proxies.Count);
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        foreach (var proxy in _proxies)
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
        }
        _forwarder.Dispose();
        await _web.StopAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _viewLoop.ConfigureAwait(false);
        await _source.DisposeAsync().ConfigureAwait(false);
        await _session.DisposeAsync().ConfigureAwait(false);
        await _web.DisposeAsync().ConfigureAwait(false);
        _loggers.Dispose();
        _stop.Dispose();
    }

    /// <summary>One line per event on stderr: UTC time, level, category, message.</summary>
    public static void ConfigureLogging(ILoggingBuilder logging, LogLevel level)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.SetMinimumLevel(level);
        // The framework's own chatter (request logs, hosting banners) only when it is a problem.
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Grpc", LogLevel.Warning);
        // The view's own lines say when it is stale; the health service need not repeat it at every check.
        logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Error);
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.ColorBehavior = Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Disabled;
        });
        logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    private static X509Certificate2? LoadCertificate(SidecarSettings settings)
    {
        if (settings.TlsCertificate is not { } path)
        {
            return null;
        }
        try
        {
            return settings.TlsKey is { } key
                ? X509Certificate2.CreateFromPemFile(path, key)
                : X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new SettingsException($"TLS certificate '{path}': {e.Message}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "drover-sidecar: gRPC on {Grpc}, HTTP on {Http} ({Transport}); {Registry}; following {Clusters}; {Proxies} proxy listener(s)")]
    private static partial void LogStarted(ILogger logger, string grpc, string http, string transport, string registry, string clusters, int proxies);
}
