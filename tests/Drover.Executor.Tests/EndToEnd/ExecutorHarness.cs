using Drover.Mesos;
using Drover.Testing;
using Drover.LocalMesos.Agent;
using Drover.V1;
using Google.Protobuf;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.Executor.Tests.EndToEnd;

/// <summary>
/// One published drover-executor under one agent emulator, subscribed and ready: the
/// end-to-end scenarios read like the behaviour they check. Waits fail with what the
/// executor logged, so a red test explains itself.
/// </summary>
public sealed class ExecutorHarness : IAsyncDisposable
{
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(30);

    private ExecutorHarness(MesosAgentEmulator agent, ExecutorProcess executor)
    {
        Agent = agent;
        Executor = executor;
    }

    public MesosAgentEmulator Agent { get; }

    public ExecutorProcess Executor { get; }

    public string Sandbox => Executor.Sandbox;

    public string FrameworkId => Agent.FrameworkId;

    public string ExecutorId => Agent.ExecutorId;

    public IReadOnlyList<Call> Subscribes => Agent.Subscribes;

    public bool AutoAcknowledge
    {
        get => Agent.AutoAcknowledge;
        set => Agent.AutoAcknowledge = value;
    }

    /// <summary>The AOT binary under test: $DROVER_EXECUTOR_BINARY (set by tests/run.sh) or artifacts/executor/bin.</summary>
    public static string ExecutorBinary() => Drover.Testing.ExecutorBinary.Path();

    public static async Task<ExecutorHarness> StartAsync(
        bool checkpoint = true,
        string recoveryTimeout = "15mins",
        string backoffMax = "2secs",
        string shutdownGrace = "5secs",
        string? token = null,
        bool taskKillingState = false,
        IReadOnlyDictionary<string, string>? environment = null,
        string hostname = "localhost")
    {
        var agent = new MesosAgentEmulator(new MesosAgentEmulatorOptions
        {
            Hostname = hostname,
            Checkpoint = checkpoint,
            AuthenticationToken = token,
            FrameworkCapabilities = taskKillingState
                ? [FrameworkInfo.Types.Capability.Types.Type.TaskKillingState]
                : [],
            WaitTimeout = WaitTimeout,
        });
        await agent.StartAsync();
        var executor = agent.LaunchExecutor(ExecutorBinary(), new ExecutorLaunchOptions
        {
            Checkpoint = checkpoint,
            RecoveryTimeout = MesosDuration.Parse(recoveryTimeout),
            SubscriptionBackoffMax = MesosDuration.Parse(backoffMax),
            ShutdownGracePeriod = MesosDuration.Parse(shutdownGrace),
            AuthenticationToken = token,
            Environment = environment ?? new Dictionary<string, string>(),
        });
        var harness = new ExecutorHarness(agent, executor);
        await agent.WaitForSubscribeAsync(1, WaitTimeout);
        await agent.WaitUntilAsync(() => agent.IsSubscribed, "the executor to be subscribed", WaitTimeout);
        return harness;
    }

    public Task LaunchAsync(TaskInfo task) => Agent.LaunchAsync(task);

    public Task LaunchGroupAsync(params TaskInfo[] tasks) => Agent.LaunchGroupAsync(tasks);

    public Task KillAsync(string taskId, TimeSpan? grace = null) => Agent.KillAsync(taskId, grace);

    public Task ShutdownAsync() => Agent.ShutdownAsync();

    public Task SendErrorAsync(string message) => Agent.SendErrorAsync(message);

    public Task SendRawAndCloseAsync(byte[] bytes) => Agent.SendRawAndCloseAsync(bytes);

    public Task DropSubscriptionAsync() => Agent.DropSubscriptionAsync();

    public Task StopAgentAsync() => Agent.StopAsync();

    public Task StartAgentAgainAsync() => Agent.StartAsync();

    public Task AcknowledgeAllAsync() => Agent.AcknowledgeAllAsync(WaitTimeout);

    public void FailNextUpdates(int count, int statusCode) => Agent.FailNextUpdates(count, statusCode);

    public async Task<TaskStatus> WaitForStateAsync(string taskId, TaskState state) =>
        (await Agent.WaitForUpdateAsync(taskId, state, WaitTimeout)).Status;

    public async Task<TaskStatus> WaitForUpdateAsync(string taskId, Func<TaskStatus, bool> predicate) =>
        (await Agent.WaitForUpdateAsync(s => s.TaskId.Value == taskId && predicate(s), WaitTimeout, $"an update of task '{taskId}' matching the test's predicate")).Status;

    public Task<Call> WaitForSubscribeAsync(int count) => Agent.WaitForSubscribeAsync(count, WaitTimeout);

    public IReadOnlyList<TaskState> StatesOf(string taskId) => Agent.StatesOf(taskId);

    public IReadOnlyList<TaskStatus> UpdatesOf(string taskId) => Agent.UpdatesOf(taskId);

    /// <summary>A pid the service wrote into a file in the sandbox.</summary>
    public async Task<int> ReadPidFileAsync(string name)
    {
        var path = Path.Combine(Sandbox, name);
        var pid = 0;
        await Eventually.TrueAsync(
            () => File.Exists(path) && File.ReadAllText(path).Trim() is var text && text.Length > 0 && int.TryParse(text, out pid),
            $"the service to write {name}", WaitTimeout);
        return pid;
    }

    public static TaskInfo CommandTask(string id, string shell, TimeSpan? killGrace = null, params (string Name, int Port)[] ports)
    {
        var task = BareTask(id, ports);
        task.Command = new CommandInfo { Value = shell };
        if (killGrace is { } grace)
        {
            task.KillPolicy = new KillPolicy { GracePeriod = new DurationInfo { Nanoseconds = grace.Ticks * 100 } };
        }

        return task;
    }

    public static TaskInfo NodeTask(string id, NodeSpec spec, params (string Name, int Port)[] ports)
    {
        var task = BareTask(id, ports);
        task.Data = spec.ToByteString();
        return task;
    }

    public static NodeSpec GenericNode(string command) => new()
    {
        Cluster = "test-cluster",
        Node = "node-1",
        Kind = ServiceKind.Generic,
        Version = "1.0",
        Command = new CommandSpec { Shell = true, Value = command },
    };

    /// <summary>A task with resources (and the named ports, each held as a port resource) but nothing to run.</summary>
    public static TaskInfo BareTask(string id, params (string Name, int Port)[] ports)
    {
        var builder = new TaskInfoBuilder(id, new MesosAgentEmulatorOptions().AgentId).Cpus(0.1).Mem(32);
        foreach (var (name, port) in ports)
        {
            builder.Ports(((ulong)port, (ulong)port)).DiscoveryPort(name, (uint)port);
        }

        return builder.Build();
    }

    /// <summary>Alive and not a zombie (an orphan whose reaper is gone stays a zombie on some hosts).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state != 'Z' && state != 'X';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Every update as Mesos' own executors make them.</summary>
    public static void AssertWellFormed(ExecutorHarness h, IReadOnlyList<TaskStatus> updates)
    {
        Assert.NotEmpty(updates);
        Assert.Equal(updates.Count, updates.Select(u => u.Uuid).Distinct().Count());
        Assert.All(updates, u =>
        {
            Assert.Equal(TaskStatus.Types.Source.Executor, u.Source);
            Assert.Equal(16, u.Uuid.Length);
            Assert.Equal(h.ExecutorId, u.ExecutorId.Value);
            Assert.Equal(h.Agent.AgentId, u.AgentId.Value);
            Assert.True(u.Timestamp > 1_600_000_000, $"timestamp {u.Timestamp}");
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (!Executor.HasExited)
        {
            // SIGTERM first: the executor kills its services as on SHUTDOWN; then make sure.
            Executor.Kill(15);
            try
            {
                await Executor.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                Executor.Kill(9);
            }
        }

        Executor.Dispose();
        await Agent.DisposeAsync();
    }
}
