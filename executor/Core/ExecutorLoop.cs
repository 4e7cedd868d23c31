using System.Threading.Channels;
using Drover.Executor.Configuration;
using Drover.Logging;
using Drover.Executor.Metrics;
using Drover.Executor.Tasks;
using Drover.Executor.Updates;
using Drover.Mesos.V1;
using Drover.Metrics.Http;

namespace Drover.Executor.Core;

/// <summary>
/// The one owner of the executor's state, after Mesos' default executor: a single loop reads
/// <see cref="ExecutorEvent"/>s from a channel; I/O completions, child exits, signals and timers only post
/// events, and the effects on the world go through <see cref="ExecutorEffects"/>. Nothing else touches tasks,
/// updates or the agent link, so no state needs a lock, and unit tests drive <see cref="Handle"/> with a fake
/// clock. Every piece of state is declared here; the behaviour is split by responsibility into partial files:
/// the agent link, task lifecycle, kills, health checks, admin operations, status updates, and the exit rule.
/// </summary>
public sealed partial class ExecutorLoop : IDisposable
{
    private readonly Channel<ExecutorEvent> _events = Channel.CreateUnbounded<ExecutorEvent>(
        new UnboundedChannelOptions { SingleReader = true });

    private readonly ExecutorSettings _settings;
    private readonly IAgentConnection _agent;
    private readonly IProcessControl _processes;
    private readonly IOrphanGuard _guard;
    private readonly TimeProvider _time;
    private readonly Func<TaskInfo, PlanContext, LaunchPlan> _plan;
    private readonly Func<double> _jitter;
    private readonly long _startedAt;
    private readonly FrameworkID _frameworkId;
    private readonly ExecutorID _executorId;
    private readonly StatusFactory _statuses;
    private readonly ExecutorMetrics _metrics = new(e => Log.Warning($"metrics collection failed: {e.Message}"));

    /// <summary>Where the executor is in its life; see <see cref="ExecutorPhase.Settle"/> for the exit rule.</summary>
    private ExecutorPhase _phase = new ExecutorPhase.AwaitingWork();

    /// <summary>The subscription to the agent.</summary>
    private AgentLink _link = new AgentLink.Waiting(1, Recovery: null);

    /// <summary>The last connection id handed out; events of any other are stale.</summary>
    private long _connections;

    /// <summary>What the agent said in SUBSCRIBED.</summary>
    private FrameworkInfo? _frameworkInfo;
    private AgentInfo? _agentInfo;

    /// <summary>Status updates not acknowledged yet, in the order they were made.</summary>
    private readonly UpdateLedger _ledger = new();

    /// <summary>Every task not yet forgotten (a task is forgotten once it ended and its updates are acknowledged).</summary>
    private readonly Dictionary<string, ServiceTask> _tasks = new(StringComparer.Ordinal);

    /// <summary>The tasks whose service process runs, by its pid.</summary>
    private readonly Dictionary<int, ServiceTask> _byPid = [];

    /// <summary>Ids of kill attempts and probe attempts, so a stale timer or result is recognised.</summary>
    private long _killIds;
    private long _checkAttempts;

    /// <summary>Registry deregistrations, cEPMD stops and helpers' disposals, awaited (boundedly) before exit.</summary>
    private readonly List<Task> _closings = [];

    private MetricsServer? _metricsServer;

    /// <summary>Events handled so far: what the idle trimmer watches.</summary>
    private long _handled;

    /// <summary>The periodic scan for services' descendants in sessions of their own; started with the first service.</summary>
    private ITimer? _strayScan;

    public ExecutorLoop(ExecutorSettings settings, ExecutorEffects effects)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(effects);
        _settings = settings;
        (_agent, _processes, _guard, _time, _plan, _jitter) = (effects.Agent, effects.Processes, effects.Guard, effects.Time, effects.Plan, effects.Jitter);
        _startedAt = _time.GetTimestamp();
        _frameworkId = new FrameworkID { Value = settings.FrameworkId };
        _executorId = new ExecutorID { Value = settings.ExecutorId };
        _statuses = new StatusFactory(_executorId, _time);
        if (settings.AgentId is { Length: > 0 } agentId)
        {
            _statuses.AgentId = new AgentID { Value = agentId };
        }
    }

    /// <summary>Where the executor is in its life.</summary>
    public ExecutorPhase Phase => _phase;

    /// <summary>The subscription to the agent.</summary>
    public AgentLink Link => _link;

    /// <summary>Events handled so far; thread-safe (read by the idle trimmer).</summary>
    public long EventsHandled => Interlocked.Read(ref _handled);

    /// <summary>The exit code once the executor is done, else null.</summary>
    public int? ExitCode => (_phase as ExecutorPhase.Exited)?.Code;

    /// <summary>Thread-safe: the only way in from other threads.</summary>
    public void Post(ExecutorEvent e) => _events.Writer.TryWrite(e);

    /// <summary>The first SUBSCRIBE. <see cref="RunAsync"/> calls it; tests that drive <see cref="Handle"/> call it themselves.</summary>
    public void Start() => Subscribe();

    /// <summary>Runs until the executor has nothing left to do; returns the process exit code.</summary>
    public async Task<int> RunAsync()
    {
        Start();
        await foreach (var e in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                Handle(e);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A bug in handling one event must not take the services down with the executor.
                Log.Error($"internal error handling {e.GetType().Name}: {ex}");
            }

            if (ExitCode is { } code)
            {
                SweepDescendants();
                await AwaitClosingsAsync().ConfigureAwait(false);
                return code;
            }
        }

        return ExitCode ?? 1;
    }

    /// <summary>Handles every event already posted (and those their handling posts at once); how many. For tests.</summary>
    public int HandlePending()
    {
        var handled = 0;
        while (ExitCode is null && _events.Reader.TryRead(out var e))
        {
            Handle(e);
            handled++;
        }

        return handled;
    }

    /// <summary>One event: its handler, then the exit rule, then the gauges.</summary>
    public void Handle(ExecutorEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
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
            case EpmdStarted started:
                OnEpmdStarted(started);
                break;
            case ChildExited exited:
                OnChildExited(exited.Exit);
                break;
            case OutputDrained drained:
                OnOutputDrained(drained);
                break;
            case KillEscalationDue escalation:
                OnKillEscalation(escalation);
                break;
            case RestartDue restart:
                OnRestartDue(restart);
                break;
            case TerminalAckDeadline deadline:
                OnTerminalAckDeadline(deadline);
                break;
            case HealthCheckDue due:
                OnHealthCheckDue(due);
                break;
            case HealthCheckCompleted completed:
                OnHealthCheckCompleted(completed);
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

        Settle();
        RefreshMetrics();
        Interlocked.Increment(ref _handled);
    }

    /// <summary>Time since the loop was made, on its clock: every deadline is kept in it.</summary>
    private TimeSpan Now => _time.GetElapsedTime(_startedAt);

    /// <summary>Posts <paramref name="e"/> after <paramref name="delay"/> on the loop's clock; its handler decides whether it is stale.</summary>
    private void Schedule(TimeSpan delay, ExecutorEvent e)
    {
        if (delay <= TimeSpan.Zero)
        {
            Post(e);
            return;
        }

        var timer = new OneShot(this, e);
        timer.Timer = _time.CreateTimer(static state => ((OneShot)state!).Fire(), timer, delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A timer that posts its event once. It holds its ITimer so the timer stays reachable until it fires.</summary>
    private sealed class OneShot(ExecutorLoop loop, ExecutorEvent e)
    {
        public ITimer? Timer { get; set; }

        public void Fire()
        {
            Timer?.Dispose();
            loop.Post(e);
        }
    }

    public void Dispose()
    {
        _strayScan?.Dispose();
        _metricsServer?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _guard.Dispose();
        _processes.Dispose();
        _agent.Dispose();
    }
}
