using Drover.Executor.Configuration;
using Drover.Executor.Core;
using Drover.Executor.Health;
using Drover.Executor.Tasks;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;
using Drover.Posix;
using Drover.LocalMesos.Agent;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.Executor.Tests.Core;

/// <summary>
/// One <see cref="ExecutorLoop"/> with fake effects on a fake clock, driven event by event (as Mesos' tests
/// pause the clock): what the loop sends, spawns and signals is recorded, and time moves only when told.
/// </summary>
public sealed class LoopHarness : IDisposable
{
    public const string AgentId = "agent-1";

    private LoopHarness(ExecutorSettings settings, TimeSpan? start)
    {
        Settings = settings;
        Loop = new ExecutorLoop(settings, new ExecutorEffects(Agent, Processes, Guard, Time, Plan, () => 0.5));
        if (start is { } at)
        {
            Time.Advance(at);
        }
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public FakeAgent Agent { get; } = new();

    public FakeProcesses Processes { get; } = new();

    public FakeGuard Guard { get; } = new();

    public ExecutorSettings Settings { get; }

    public ExecutorLoop Loop { get; }

    /// <summary>When set, replaces the health checks of every plan (the probes tests control).</summary>
    public IReadOnlyList<HealthCheckDefinition>? Checks { get; set; }

    public static ExecutorSettings DefaultSettings(bool checkpoint = true) => new()
    {
        FrameworkId = "framework-1",
        ExecutorId = "executor-1",
        AgentEndpoint = "127.0.0.1:5051",
        Sandbox = Path.GetTempPath(),
        Checkpoint = checkpoint,
        Environment = new Dictionary<string, string>(),
    };

    /// <summary>A loop that sent its first SUBSCRIBE (and, unless told otherwise, got SUBSCRIBED).</summary>
    public static LoopHarness Start(ExecutorSettings? settings = null, bool subscribed = true, bool taskKillingState = false)
    {
        var harness = new LoopHarness(settings ?? DefaultSettings(), start: null);
        harness.Loop.Start();
        if (subscribed)
        {
            harness.Subscribed(taskKillingState);
        }

        return harness;
    }

    private LaunchPlan Plan(TaskInfo task, PlanContext context)
    {
        var plan = LaunchPlanner.Plan(task, context);
        return Checks is { } checks ? plan with { HealthChecks = checks } : plan;
    }

    /// <summary>SUBSCRIBED on the connection of the SUBSCRIBE in flight.</summary>
    public void Subscribed(bool taskKillingState = false)
    {
        var framework = new FrameworkInfo { Name = "drover", User = "root", Id = new FrameworkID { Value = Settings.FrameworkId } };
        if (taskKillingState)
        {
            framework.Capabilities.Add(new FrameworkInfo.Types.Capability { Type = FrameworkInfo.Types.Capability.Types.Type.TaskKillingState });
        }

        Receive(new Event
        {
            Type = Event.Types.Type.Subscribed,
            Subscribed = new Event.Types.Subscribed
            {
                FrameworkInfo = framework,
                AgentInfo = new AgentInfo { Hostname = "localhost", Id = new AgentID { Value = AgentId } },
            },
        });
    }

    /// <summary>An event from the agent on the current connection, handled with whatever it posts at once.</summary>
    public void Receive(Event e) => Handle(new AgentEventReceived(Agent.Connection, e));

    public void Handle(ExecutorEvent e)
    {
        Loop.Handle(e);
        Loop.HandlePending();
    }

    public void Launch(TaskInfo task) => Receive(ExecutorEvents.Launch(task));

    public void Kill(string taskId, TimeSpan? grace = null) => Receive(ExecutorEvents.Kill(taskId, grace));

    /// <summary>The service of <paramref name="taskId"/> (its latest incarnation) exits.</summary>
    public void Exits(string taskId, int? code = null, int? signal = null) =>
        Handle(new ChildExited(new ChildExit(Processes.Of(taskId).Pid, signal is null ? code ?? 0 : null, signal, CoreDumped: false)));

    /// <summary>
    /// Handles what the loop gets until <paramref name="condition"/> holds: for results that probes post from
    /// their own continuations.
    /// </summary>
    public Task UntilAsync(Func<bool> condition, string what) =>
        Drover.Testing.Eventually.TrueAsync(() =>
        {
            Loop.HandlePending();
            return condition();
        }, what);

    /// <summary>Moves the clock by <paramref name="by"/>, in steps, handling what each step's timers post.</summary>
    public void Advance(TimeSpan by, TimeSpan? step = null)
    {
        var stride = step ?? TimeSpan.FromMilliseconds(10);
        for (var left = by; left > TimeSpan.Zero; left -= stride)
        {
            Time.Advance(left < stride ? left : stride);
            Loop.HandlePending();
        }
    }

    /// <summary>Every update the loop sent, in order.</summary>
    public IReadOnlyList<TaskStatus> Sent => [.. Agent.Sent.Where(c => c.Type == Call.Types.Type.Update).Select(c => c.Update.Status)];

    public IReadOnlyList<TaskState> StatesOf(string taskId) => [.. Sent.Where(s => s.TaskId.Value == taskId).Select(s => s.State)];

    public TaskStatus Last(string taskId) => Sent.Last(s => s.TaskId.Value == taskId);

    public void AcknowledgeAll()
    {
        foreach (var status in Sent)
        {
            Receive(ExecutorEvents.Acknowledged(status.TaskId, status.Uuid));
        }
    }

    public static TaskInfo CommandTask(string id, string command = "sleep 1000", TimeSpan? killGrace = null)
    {
        var task = new TaskInfoBuilder(id, AgentId).Cpus(0.1).Mem(32).Shell(command).Build();
        if (killGrace is { } grace)
        {
            task.KillPolicy = new KillPolicy { GracePeriod = ExecutorEvents.Duration(grace) };
        }

        return task;
    }

    public static TaskInfo NodeTask(string id, Drover.V1.RestartPolicy? restart = null)
    {
        var spec = new Drover.V1.NodeSpec
        {
            Cluster = "c",
            Node = id,
            Kind = Drover.V1.ServiceKind.Generic,
            Command = new Drover.V1.CommandSpec { Shell = true, Value = "sleep 1000" },
            RestartPolicy = restart,
        };
        var task = new TaskInfoBuilder(id, AgentId).Cpus(0.1).Mem(32).Build();
        task.Data = spec.ToByteString();
        return task;
    }

    public void Dispose() => Loop.Dispose();
}

/// <summary>The agent connection, recorded.</summary>
public sealed class FakeAgent : IAgentConnection
{
    private readonly List<Call> _sent = [];

    public List<(Call Call, long Connection)> Subscribes { get; } = [];

    /// <summary>The connection of the last SUBSCRIBE; 0 after a disconnection.</summary>
    public long Connection { get; private set; }

    public int Disconnections { get; private set; }

    public IReadOnlyList<Call> Sent => _sent;

    public void Subscribe(Call subscribe, long connection)
    {
        Subscribes.Add((subscribe, connection));
        Connection = connection;
    }

    public void Disconnect()
    {
        Disconnections++;
        Connection = 0;
    }

    public void Send(Call call, long connection, Guid? update)
    {
        Assert.Equal(Connection, connection);
        _sent.Add(call);
    }

    public void Dispose()
    {
    }
}

/// <summary>Processes that exist only as records: each spawn, signal and kill.</summary>
public sealed class FakeProcesses : IProcessControl
{
    private int _nextPid = 1000;

    public List<(string TaskId, FakeProcess Process)> Started { get; } = [];

    public List<int> Swept { get; } = [];

    public FakeProcess Of(string taskId) => Started.Last(s => s.TaskId == taskId).Process;

    public IServiceProcess Start(LaunchPlan plan)
    {
        var process = new FakeProcess(++_nextPid);
        var taskId = plan.Environment.First(v => v.Key == "MESOS_TASK_ID").Value;
        Started.Add((taskId, process));
        return process;
    }

    public IReadOnlyList<ProcessInfo> Descendants() => [];

    public bool GroupExists(int processGroupId) => false;

    public int KillDescendants(IReadOnlyCollection<int> except) => 0;

    public void Dispose()
    {
    }
}

public sealed class FakeProcess(int pid) : IServiceProcess
{
    private readonly TaskCompletionSource _output = new();

    public int Pid { get; } = pid;

    public int ProcessGroupId => Pid;

    public long StartedUnixMs => 0;

    public List<int> Signals { get; } = [];

    public int SessionKills { get; private set; }

    /// <summary>Done unless a test holds the output open (<see cref="HoldOutput"/>).</summary>
    public Task OutputClosed => Holding ? _output.Task : Task.CompletedTask;

    public bool Holding { get; private set; }

    public void HoldOutput() => Holding = true;

    public void CloseOutput() => _output.TrySetResult();

    public bool SignalGroup(int signal)
    {
        Signals.Add(signal);
        return true;
    }

    public void KillSession() => SessionKills++;
}

public sealed class FakeGuard : IOrphanGuard
{
    private readonly HashSet<int> _groups = [];

    public int WatchdogPid => 0;

    public IReadOnlyCollection<int> Groups => [.. _groups];

    public void Add(int processGroupId) => _groups.Add(processGroupId);

    public void Remove(int processGroupId) => _groups.Remove(processGroupId);

    public void Restart()
    {
    }

    public void Dispose()
    {
    }
}

/// <summary>
/// A probe the test answers: results queued with <see cref="Script"/> are returned at once (so a probe completes
/// within the clock step that started it); without one, the attempt waits for <see cref="Answer"/> or its timeout.
/// </summary>
public sealed class ScriptedProbe : IHealthProbe
{
    private readonly Queue<ProbeResult> _script = new();
    private readonly Queue<TaskCompletionSource<ProbeResult>> _waiting = new();

    public int Attempts { get; private set; }

    public int Waiting => _waiting.Count;

    public ScriptedProbe Script(params bool[] results)
    {
        foreach (var healthy in results)
        {
            _script.Enqueue(new ProbeResult(healthy, healthy ? "fine" : "down"));
        }

        return this;
    }

    public Task<ProbeResult> ProbeAsync(CancellationToken cancellation)
    {
        Attempts++;
        if (_script.TryDequeue(out var result))
        {
            return Task.FromResult(result);
        }

        var answer = new TaskCompletionSource<ProbeResult>();
        cancellation.Register(() => answer.TrySetCanceled(cancellation));
        _waiting.Enqueue(answer);
        return answer.Task;
    }

    /// <summary>Answers the oldest attempt still waiting.</summary>
    public void Answer(bool healthy, string detail = "") => _waiting.Dequeue().SetResult(new ProbeResult(healthy, detail));
}
