using System.Net;
using System.Text;
using Drover.LocalMesos.Agent;
using Drover.Mesos.Scheduler;
using Drover.Mesos.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Call = Drover.Mesos.V1.Scheduler.Call;

namespace Drover.LocalMesos.Master;

/// <summary>
/// One master process's HTTP side: <c>/api/v1/scheduler</c> (also under <c>/master/</c>) answered as
/// Master::Http::scheduler does when this master leads, 307 to the leader (503 "No leader elected" when there is
/// none) when it does not; read-only JSON at <c>/master/state</c> and <c>/agent/&lt;id&gt;/state</c>; a page at <c>/</c>
/// that says what this is. Parsing and answering happen here; every decision runs on the core's loop.
/// </summary>
internal sealed class MasterServer : IAsyncDisposable
{
    public const string Banner = "Drover local Mesos: an EMULATION of an Apache Mesos 1.12 master and agents (v1 scheduler and executor HTTP APIs). It is not Mesos.";
    private const string Protobuf = "application/x-protobuf";
    private const string Json = "application/json";
    private const int MaxCallSize = 16 * 1024 * 1024;

    private readonly MasterCore _core;
    private readonly Func<MasterServer?> _leader;
    private readonly LocalMesosOptions _options;
    private WebApplication? _app;

    public MasterServer(MasterCore core, LocalMesosOptions options, int port, Func<MasterServer?> leader)
    {
        _core = core;
        _options = options;
        Port = port;
        _leader = leader;
    }

    public int Port { get; private set; }

    public MasterEndpoint Endpoint => new(_options.ListenHost, Port);

    public bool IsListening => _app is not null;

    public MasterInfo Info(string masterId) => new()
    {
        Id = masterId,
        Ip = MasterCore.PackedIp(_options.ListenHost),
        Port = (uint)Port,
        Pid = $"master@{_options.ListenHost}:{Port}",
        Hostname = _options.ListenHost,
        Version = MasterCore.Version,
        Address = new Address { Hostname = _options.ListenHost, Ip = _options.ListenHost, Port = Port },
    };

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(_options.ListenHost is "localhost" ? "127.0.0.1" : _options.ListenHost), Port);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Limits.MaxRequestBodySize = MaxCallSize;
        });
        var app = builder.Build();
        ((IApplicationBuilder)app).Run(HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
        _app = app;
    }

    /// <summary>Stops like a killed process: open streams and connections are aborted.</summary>
    public async Task StopAsync()
    {
        var app = _app;
        _app = null;
        if (app is null)
        {
            return;
        }

        try
        {
            await app.StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await app.DisposeAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        try
        {
            switch (path)
            {
                case SchedulerClient.ApiPath or "/master" + SchedulerClient.ApiPath:
                    await SchedulerAsync(context).ConfigureAwait(false);
                    return;
                case "/master/state" or "/state" or "/master/state.json":
                    await WriteAsync(context, 200, Json, await _core.Loop.InvokeAsync(_core.StateJson).ConfigureAwait(false)).ConfigureAwait(false);
                    return;
                case "/" or "/index.html":
                    await WriteAsync(context, 200, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(Page())).ConfigureAwait(false);
                    return;
                case "/health" or "/master/health":
                    context.Response.StatusCode = 200;
                    return;
            }

            if (path.StartsWith("/agent/", StringComparison.Ordinal) && path.EndsWith("/state", StringComparison.Ordinal))
            {
                var id = path["/agent/".Length..^"/state".Length];
                var json = await _core.Loop.InvokeAsync(() => _core.AgentStateJson(id)).ConfigureAwait(false);
                await (json is null
                    ? WriteTextAsync(context, 404, $"No agent '{id}'")
                    : WriteAsync(context, 200, Json, json)).ConfigureAwait(false);
                return;
            }

            context.Response.StatusCode = 404;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
        {
            // The client went away.
        }
    }

    /// <summary>Master::Http::scheduler: leader check, authentication, method, content type, parse, validate, then the call.</summary>
    private async Task SchedulerAsync(HttpContext context)
    {
        if (_leader() != this)
        {
            await RedirectAsync(context).ConfigureAwait(false);
            return;
        }

        var request = context.Request;
        string? principal = null;
        if (_options.Credentials.Count > 0)
        {
            principal = Authenticate(request.Headers.Authorization.ToString());
            if (principal is null)
            {
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"mesos\"";
                await WriteTextAsync(context, 401, "").ConfigureAwait(false);
                return;
            }
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await WriteTextAsync(context, 405, $"Expecting one of {{ 'POST' }}, but received '{request.Method}'").ConfigureAwait(false);
            return;
        }

        if (request.ContentType is not { } contentType)
        {
            await WriteTextAsync(context, 400, "Expecting 'Content-Type' to be present").ConfigureAwait(false);
            return;
        }

        if (contentType != Protobuf)
        {
            var note = contentType == Json ? " (the local Mesos decodes only application/x-protobuf)" : "";
            await WriteTextAsync(context, 415, $"Expecting 'Content-Type' of {Json} or {Protobuf}{note}").ConfigureAwait(false);
            return;
        }

        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            body = buffer.ToArray();
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e)
        {
            await WriteTextAsync(context, e.StatusCode, e.Message).ConfigureAwait(false);
            return;
        }

        Call call;
        try
        {
            call = Call.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException)
        {
            await WriteTextAsync(context, 400, "Failed to parse body into Call protobuf").ConfigureAwait(false);
            return;
        }

        // C++ ParseFromString also fails when a required field, at any depth, is missing.
        if (!call.IsInitialized())
        {
            await WriteTextAsync(context, 400, "Failed to parse body into Call protobuf").ConfigureAwait(false);
            return;
        }

        if (SchedulerCallValidation.Validate(call, principal) is { } invalid)
        {
            await WriteTextAsync(context, 400, "Failed to validate scheduler::Call: " + invalid).ConfigureAwait(false);
            return;
        }

        if (call.Type == Call.Types.Type.Subscribe)
        {
            await SubscribeAsync(context, call).ConfigureAwait(false);
            return;
        }

        var streamId = request.Headers[SchedulerClient.StreamIdHeader].ToString() is { Length: > 0 } id ? id : null;
        CallAnswer answer;
        try
        {
            answer = await _core.Loop.InvokeAsync(() => _core.Handle(call, streamId, principal)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug, not the caller's fault: say so rather than pretend the call was bad.
            answer = new CallAnswer(500, $"local Mesos bug while handling {call.Type}: {e.Message}");
        }

        if (answer.Protobuf is { } payload)
        {
            await WriteAsync(context, answer.Status, Protobuf, payload).ConfigureAwait(false);
        }
        else
        {
            await WriteTextAsync(context, answer.Status, answer.Body).ConfigureAwait(false);
        }
    }

    private async Task SubscribeAsync(HttpContext context, Call call)
    {
        var accept = context.Request.Headers.Accept.ToString() is { Length: > 0 } a ? a : null;
        if (AcceptHeader.Accepts(accept, Json))
        {
            await WriteTextAsync(context, 406, $"local Mesos: a real master would stream this SUBSCRIBE as JSON, because Accept ({accept ?? "absent"}) allows {Json}; send 'Accept: {Protobuf}'").ConfigureAwait(false);
            return;
        }

        if (!AcceptHeader.Accepts(accept, Protobuf))
        {
            await WriteTextAsync(context, 406, $"Expecting 'Accept' to allow '{Protobuf}' or '{Json}'").ConfigureAwait(false);
            return;
        }

        var stream = await _core.Loop.InvokeAsync(() => _core.Subscribe(call)).ConfigureAwait(false);
        var response = context.Response;
        using var stopped = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stream.Aborted);
        try
        {
            response.StatusCode = 200;
            response.ContentType = Protobuf;
            response.Headers[SchedulerClient.StreamIdHeader] = stream.StreamId;
            await response.StartAsync(stopped.Token).ConfigureAwait(false);
            await foreach (var frame in stream.Outgoing.Reader.ReadAllAsync(stopped.Token).ConfigureAwait(false))
            {
                await response.Body.WriteAsync(frame, stopped.Token).ConfigureAwait(false);
                if (stream.Outgoing.Reader.Count == 0)
                {
                    await response.Body.FlushAsync(stopped.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException or InvalidOperationException)
        {
        }
        finally
        {
            if (stream.Aborted.IsCancellationRequested)
            {
                context.Abort();
            }

            _core.Loop.Post(() => _core.StreamEnded(stream));
        }
    }

    /// <summary>Master::Http::redirect: 307 to //leader:port/path, or 503 when no master leads.</summary>
    private async Task RedirectAsync(HttpContext context)
    {
        if (_leader() is not { } leader)
        {
            await WriteTextAsync(context, 503, "No leader elected").ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = 307;
        context.Response.Headers.Location = $"//{_options.ListenHost}:{leader.Port}{context.Request.Path}";
    }

    private string? Authenticate(string header)
    {
        if (!header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && _options.Credentials.TryGetValue(pair[..colon], out var secret)
                && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(pair[(colon + 1)..]))
                ? pair[..colon]
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private string Page() => $"""
        <!doctype html><html><head><meta charset="utf-8"><title>Drover local Mesos (emulated)</title></head>
        <body><h1>Drover local Mesos</h1>
        <p><strong>{WebUtility.HtmlEncode(Banner)}</strong></p>
        <p>This master: {WebUtility.HtmlEncode(Endpoint.ToString())}, {(_leader() == this ? "leading" : "standby")}.
        Scheduler API: POST <code>{SchedulerClient.ApiPath}</code>. State: <a href="/master/state">/master/state</a>.</p>
        </body></html>
        """;

    private static Task WriteTextAsync(HttpContext context, int status, string text) =>
        WriteAsync(context, status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text));

    private static async Task WriteAsync(HttpContext context, int status, string contentType, byte[] body)
    {
        context.Response.StatusCode = status;
        if (body.Length > 0)
        {
            context.Response.ContentType = contentType;
            await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
