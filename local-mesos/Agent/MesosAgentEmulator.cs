using System.Net;
using Google.Protobuf;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Drover.LocalMesos.Agent;

/// <summary>
/// A Mesos 1.12 agent's executor API (POST /api/v1/executor) for one executor of one framework,
/// behaving as recorded in what a real Mesos 1.12 agent was observed to do and apache/mesos src/slave/http.cpp: the same
/// checks, status codes and error texts, a chunked RecordIO stream of protobuf events per SUBSCRIBE,
/// 202 for UPDATE and MESSAGE, ACKNOWLEDGED after updates. Tests drive it (send events, break the
/// stream, stop and restart the agent, fail calls) and read what the executor did (calls, updates).
/// Every wait has a timeout and fails with a <see cref="TimeoutException"/> saying what was awaited
/// and what was seen, including the launched executor's stderr.
/// </summary>
/// <remarks>
/// Split by concern: lifecycle here; the request pipeline in .Http; subscription streams, events and
/// acknowledgements in .Stream; records and waits in .Records; launching executors in .Executors.
/// All state is guarded by one lock; every change pulses the waiters.
/// </remarks>
public sealed partial class MesosAgentEmulator : IAsyncDisposable
{
    /// <summary>The endpoint path (the agent also answers it under /slave(1)/).</summary>
    public const string ApiPath = "/api/v1/executor";

    private readonly object _gate = new();
    private readonly MesosAgentEmulatorOptions _options;
    private WebApplication? _app;
    private int _port;

    public MesosAgentEmulator(MesosAgentEmulatorOptions? options = null)
    {
        _options = options ?? new MesosAgentEmulatorOptions();
        _port = _options.Port;
        _autoAcknowledge = _options.AutoAcknowledge;
        _acknowledgeDelay = _options.AcknowledgeDelay;
        ExecutorInfo = _options.ExecutorInfo?.Clone() ?? DefaultExecutorInfo();
        FrameworkInfo = _options.FrameworkInfo?.Clone() ?? DefaultFrameworkInfo();
    }

    public MesosAgentEmulatorOptions Options => _options;

    public string FrameworkId => _options.FrameworkId;

    public string ExecutorId => _options.ExecutorId;

    public string AgentId => _options.AgentId;

    public string ContainerId => _options.ContainerId;

    /// <summary>The ExecutorInfo sent in SUBSCRIBED and copied into tasks built by <see cref="NewTask"/>.</summary>
    public ExecutorInfo ExecutorInfo { get; }

    /// <summary>The FrameworkInfo sent in SUBSCRIBED.</summary>
    public FrameworkInfo FrameworkInfo { get; }

    /// <summary>The AgentInfo sent in SUBSCRIBED (its port is the listening port).</summary>
    public AgentInfo AgentInfo => _options.AgentInfo?.Clone() ?? DefaultAgentInfo();

    /// <summary>The listening port; 0 before the first start.</summary>
    public int Port
    {
        get
        {
            lock (_gate)
            {
                return _port;
            }
        }
    }

    /// <summary>"127.0.0.1:port", as MESOS_AGENT_ENDPOINT.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>http://127.0.0.1:port/api/v1/executor</summary>
    public Uri ApiUri => new($"http://{Endpoint}{ApiPath}");

    public bool IsListening
    {
        get
        {
            lock (_gate)
            {
                return _app is not null;
            }
        }
    }

    /// <summary>Starts listening on 127.0.0.1 (on the port of a previous start, if any).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        int port;
        lock (_gate)
        {
            if (_app is not null)
            {
                throw new InvalidOperationException($"the agent emulator is already listening on {Endpoint}");
            }

            port = _port;
        }

        var app = BuildApp(port);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        lock (_gate)
        {
            _app = app;
            _port = new Uri(address).Port;
            Note($"listening on {Endpoint}");
        }
    }

    /// <summary>
    /// Stops like a killed agent process: the subscription stream and every other connection are
    /// aborted and the port refuses connections until <see cref="StartAsync"/>.
    /// </summary>
    public async Task StopAsync()
    {
        WebApplication? app;
        lock (_gate)
        {
            app = _app;
            _app = null;
            AbortAllSubscriptionsUnsynchronized("the agent stopped");
            Note("stopped");
        }

        if (app is null)
        {
            return;
        }

        try
        {
            // A cancelled token: no graceful drain, Kestrel aborts what is still open.
            await app.StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>An agent restart: stop, stay down for <paramref name="downtime"/>, listen again on the same port.</summary>
    public async Task RestartAsync(TimeSpan? downtime = null)
    {
        await StopAsync().ConfigureAwait(false);
        if (downtime is { } pause && pause > TimeSpan.Zero)
        {
            await Task.Delay(pause).ConfigureAwait(false);
        }

        await StartAsync().ConfigureAwait(false);
    }

    /// <summary>A TaskInfo builder for this agent: agent id set, and the executor's ExecutorInfo attached.</summary>
    public TaskInfoBuilder NewTask(string taskId, string? name = null) =>
        new TaskInfoBuilder(taskId, AgentId, name).Executor(ExecutorInfo);

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        DisposeExecutors();
    }

    private WebApplication BuildApp(int port)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            kestrel.AddServerHeader = false;

            // A subscription stream may stay idle for a long time, and tests pause readers on purpose.
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
        });
        var app = builder.Build();
        ((IApplicationBuilder)app).Run(HandleAsync);
        return app;
    }

    private ExecutorInfo DefaultExecutorInfo()
    {
        var info = new ExecutorInfo
        {
            Type = ExecutorInfo.Types.Type.Custom,
            ExecutorId = new ExecutorID { Value = _options.ExecutorId },
            FrameworkId = new FrameworkID { Value = _options.FrameworkId },
            Name = "Drover executor",
            Command = new CommandInfo { Value = "./drover-executor", Shell = true },
        };
        info.Command.Uris.Add(new CommandInfo.Types.URI { Value = "http://artifacts.invalid/drover-executor.tar.gz", Extract = true });
        info.Resources.Add([Resources.Cpus(_options.ExecutorCpus), Resources.Mem(_options.ExecutorMemMb), Resources.Disk(_options.ExecutorDiskMb)]);
        return info;
    }

    private FrameworkInfo DefaultFrameworkInfo()
    {
        var info = new FrameworkInfo
        {
            Id = new FrameworkID { Value = _options.FrameworkId },
            User = "root",
            Name = "drover",
            Principal = "drover",
            Checkpoint = _options.Checkpoint,
            FailoverTimeout = TimeSpan.FromDays(7).TotalSeconds,
        };
        info.Roles.Add(_options.Role);
        foreach (var capability in _options.FrameworkCapabilities)
        {
            info.Capabilities.Add(new FrameworkInfo.Types.Capability { Type = capability });
        }

        return info;
    }

    private AgentInfo DefaultAgentInfo()
    {
        var info = new AgentInfo
        {
            Hostname = _options.Hostname,
            Port = Port,
            Id = new AgentID { Value = _options.AgentId },
        };
        info.Resources.Add([Resources.Cpus(4), Resources.Mem(15_360), Resources.Disk(100_000), Resources.Ports((31000, 32000))]);
        return info;
    }

    private Event SubscribedEvent() => new()
    {
        Type = Event.Types.Type.Subscribed,
        Subscribed = new Event.Types.Subscribed
        {
            ExecutorInfo = ExecutorInfo.Clone(),
            FrameworkInfo = FrameworkInfo.Clone(),
            AgentInfo = AgentInfo,
            ContainerId = new ContainerID { Value = _options.ContainerId },
        },
    };

    private static string Describe(ByteString uuid) => Convert.ToHexString(uuid.Span).ToLowerInvariant();
}
