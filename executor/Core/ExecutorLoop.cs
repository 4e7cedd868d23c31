using System.Collections.Immutable;
using System.Net;
using System.Threading.Channels;
using Drover.Executor.Agent;
using Drover.Executor.Configuration;
using Drover.Executor.Logging;
using Drover.Executor.Metrics;
using Drover.Executor.Tasks;
using Drover.Executor.Updates;
using Drover.Metrics.Http;
using Drover.Posix;
using Drover.Mesos.V1;

namespace Drover.Executor.Core;

/// <summary>
/// The one owner of the executor's state (style.md #12, after Mesos' default executor): a
/// single loop reads <see cref="ExecutorEvent"/>s from a channel; I/O completions, child
/// exits, signals and timers only post events. Nothing else touches tasks, updates or the
/// agent connection, so no state needs a lock. Split by concern into partial files:
/// agent connection, tasks, kills, status updates.
/// </summary>
public sealed partial class ExecutorLoop : IDisposable
{
    private readonly Channel<ExecutorEvent> _events = Channel.CreateUnbounded<ExecutorEvent>(
        new UnboundedChannelOptions { SingleReader = true });

    private readonly ExecutorSettings _settings;
    private readonly AgentClient _agent;
    private readonly StatusFactory _statuses;
    private readonly UpdateLedger _ledger = new();
    private readonly OutputPump _pump = new();
    private readonly Dictionary<string, ServiceTask> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ServiceTask> _byPid = [];
    private readonly FrameworkID _frameworkId;
    private readonly ExecutorID _executorId;
    private OrphanGuard? _guard;
    private readonly ExecutorMetrics _metrics = new(e => Log.Warning($"metrics collection failed: {e.Message}"));
    private MetricsServer? _metricsServer;
    private int? _exitCode;

    public ExecutorLoop(ExecutorSettings settings)
    {
        _settings = settings;
        _frameworkId = new FrameworkID { Value = settings.FrameworkId };
        _executorId = new ExecutorID { Value = settings.ExecutorId };
        _statuses = new StatusFactory(_executorId);
        if (settings.AgentId is { Length: > 0 } agentId)
        {
            _statuses.AgentId = new AgentID { Value = agentId };
        }

        _agent = new AgentClient(settings, Post);
    }

    /// <summary>Thread-safe: the only way in from other threads.</summary>
    public void Post(ExecutorEvent e) => _events.Writer.TryWrite(e);

    /// <summary>Runs until the executor has nothing left to do; returns the process exit code.</summary>
    public async Task<int> RunAsync()
    {
        _startedMs = System.Environment.TickCount64;
        Subscribe();
        await foreach (var e in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                Handle(e);
                RefreshMetrics();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A bug in handling one event must not take the services down with the executor.
                Log.Error($"internal error handling {e.GetType().Name}: {ex}");
            }

            if (_exitCode is { } code)
            {
                SweepDescendants();
                await DeregisterAllAsync().ConfigureAwait(false);
                return code;
            }
        }

        return _exitCode ?? 1;
    }

    private void Handle(ExecutorEvent e)
    {
        switch (e)
        {
            case SubscriptionOpened opened:
                OnSubscriptionOpened(opened);
                break;
            case AgentEventReceived received:
                OnAgentEvent(received);
                break;
            case SubscriptionClosed closed:
                OnSubscriptionClosed(closed);
                break;
            case CallCompleted completed:
                OnCallCompleted(completed);
                break;
            case SubscribeDue due:
                OnSubscribeDue(due);
                break;
            case RecoveryDeadline deadline:
                OnRecoveryDeadline(deadline);
                break;
            case ChildExited exited:
                OnChildExited(exited.Exit);
                break;
            case KillEscalationDue escalation:
                OnKillEscalation(escalation);
                break;
            case RestartDue restart:
                OnRestartDue(restart);
                break;
            case TerminalAckDeadline:
                OnTerminalAckDeadline();
                break;
            case HealthCheckDue due:
                OnHealthCheckDue(due);
                break;
            case HealthCheckCompleted completed:
                OnHealthCheckCompleted(completed);
                break;
            case HealthCheckTimedOut timedOut:
                OnHealthCheckTimedOut(timedOut);
                break;
            case StopStepsFinished finished:
                OnStopStepsFinished(finished);
                break;
            case AdminCompleted admin:
                OnAdminCompleted(admin);
                break;
            case StrayScanDue:
                OnStrayScanDue();
                break;
            case ShutdownSignal signal:
                Shutdown($"received {signal.Signal}");
                break;
        }
    }

    /// <summary>Posts <paramref name="e"/> after <paramref name="delay"/>; the handler decides whether it is stale.</summary>
    private void Schedule(TimeSpan delay, ExecutorEvent e)
    {
        if (delay <= TimeSpan.Zero)
        {
            Post(e);
            return;
        }

        _ = Task.Delay(delay).ContinueWith(_ => Post(e), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static long NowMs => System.Environment.TickCount64;

    private long _startedMs;

    private void Exit(int code, string why)
    {
        if (_exitCode is null)
        {
            Log.Info($"exiting with status {code}: {why}");
            _exitCode = code;
        }
    }

    /// <summary>
    /// Last act before exit: nothing the services started may outlive the executor
    /// (architecture.md, "Supervision notes"): every remaining descendant gets SIGKILL.
    /// </summary>
    private void SweepDescendants()
    {
        var except = _guard is { } guard ? new[] { guard.WatchdogPid } : [];
        var killed = ProcessTree.KillAll(System.Environment.ProcessId, Signals.SIGKILL, includeRoot: false, except: except);
        if (killed > 0)
        {
            Log.Warning($"killed {killed} leftover process(es) before exiting");
        }
    }

    /// <summary>Registry entries go with their terminal updates; wait (boundedly) for ZooKeeper to hear of it.</summary>
    private async Task DeregisterAllAsync()
    {
        foreach (var task in _tasks.Values)
        {
            if (task.Registration is { } registration)
            {
                _registryClosings.Add(registration.Close(Drover.Registry.NodeState.Lost));
            }
        }

        try
        {
            await Task.WhenAll([.. _registryClosings, .. _resourceDisposals]).WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.Warning("ZooKeeper did not confirm every deregistration; the sessions' end removes the ephemeral entries");
        }
    }

    /// <summary>Task gauges and the services the scrape reads: cheap, so refreshed after every event.</summary>
    private void RefreshMetrics()
    {
        var phases = new int[Enum.GetValues<TaskPhase>().Length];
        var services = ImmutableArray.CreateBuilder<ExecutorMetrics.ServiceView>();
        foreach (var task in _tasks.Values)
        {
            phases[(int)task.Phase]++;
            if (task.Process is { } process)
            {
                services.Add(new ExecutorMetrics.ServiceView(task.Id, process.ProcessGroupId, process.StartedUnixMs, task.Registration));
            }
        }

        foreach (var phase in Enum.GetValues<TaskPhase>())
        {
            _metrics.Tasks.WithLabels(phase.ToString().ToLowerInvariant()).Set(phases[(int)phase]);
        }

        _metrics.UpdatesPending.Set(_ledger.Count);
        _metrics.PublishServices(services.ToImmutable());
    }

    /// <summary>
    /// Serves /metrics on the first task port named `metrics` (TaskInfo.discovery), on every
    /// interface: Prometheus scrapes it from elsewhere, like the service's own ports.
    /// </summary>
    private void StartMetricsServer(ServiceTask task)
    {
        if (_metricsServer is not null || !task.Plan.Ports.TryGetValue("metrics", out var port))
        {
            return;
        }

        try
        {
            _metricsServer = MetricsServer.Start(_metrics.Registry, IPAddress.Any, port);
            Log.Info($"serving Prometheus metrics on port {port} at /metrics", task.Id);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
        {
            Log.Error($"cannot serve metrics on port {port}: {e.Message}", task.Id);
        }
    }

    public void Dispose()
    {
        _metricsServer?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _guard?.Dispose();
        _pump.Dispose();
        _probes.Dispose();
        _agent.Dispose();
    }
}
