using Drover.V1;
using Google.Protobuf;
using Drover.Mesos.V1;
using static Drover.Executor.Tests.EndToEnd.ExecutorHarness;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.Executor.Tests.EndToEnd;

/// <summary>The published AOT executor under the agent emulator: a task's life from launch to its end.</summary>
public class LifecycleTests
{
    [Fact]
    public async Task CommandTask_ExitsZero_StartingRunningFinished_ThenExecutorExits()
    {
        await using var h = await StartAsync();
        await h.LaunchAsync(CommandTask("t1", "echo hello from $MESOS_TASK_ID; exit 0"));

        var finished = await h.WaitForStateAsync("t1", TaskState.TaskFinished);

        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskFinished], h.StatesOf("t1"));
        Assert.Equal("Command exited with status 0", finished.Message);
        AssertWellFormed(h, h.UpdatesOf("t1"));
        Assert.Equal(0, await h.Executor.WaitForExitAsync(WaitTimeout));
        Assert.Contains("hello from t1", await File.ReadAllTextAsync(Path.Combine(h.Sandbox, "tasks", "t1", "stdout")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandTask_NonZeroExit_FailsWithTheStatusAndNoRestart()
    {
        await using var h = await StartAsync();
        await h.LaunchAsync(CommandTask("t1", "exit 7"));

        var failed = await h.WaitForStateAsync("t1", TaskState.TaskFailed);

        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskFailed], h.StatesOf("t1"));
        Assert.Equal("Command exited with status 7", failed.Message);
    }

    [Fact]
    public async Task Node_Crashing_IsRestartedByPolicy_ThenFails()
    {
        await using var h = await StartAsync();
        var spec = GenericNode("exit 3");
        spec.RestartPolicy = new Drover.V1.RestartPolicy
        {
            MaxRestarts = 2,
            Window = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(1)),
            InitialBackoff = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(50)),
            MaxBackoff = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100)),
        };
        await h.LaunchAsync(NodeTask("n1", spec));

        var failed = await h.WaitForStateAsync("n1", TaskState.TaskFailed);

        Assert.Equal(
            [TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskRunning, TaskState.TaskRunning, TaskState.TaskFailed],
            h.StatesOf("n1"));
        Assert.Equal("Command exited with status 3 after 2 restarts", failed.Message);
        Assert.All(h.UpdatesOf("n1").Where(u => u.State == TaskState.TaskRunning).Skip(1),
            u => Assert.StartsWith("restarted after: Command exited with status 3", u.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Node_NamedPorts_ReachTheServiceEnvironment()
    {
        await using var h = await StartAsync();
        var spec = GenericNode("echo http=$PORT_HTTP metrics=$PORT_METRICS ports=$PORTS host=$HOST; exit 0");
        spec.RequiredPorts.Add("http");
        await h.LaunchAsync(NodeTask("n1", spec, ("http", 31001), ("metrics", 31002)));

        await h.WaitForStateAsync("n1", TaskState.TaskFinished);

        var stdout = await File.ReadAllTextAsync(Path.Combine(h.Sandbox, "tasks", "n1", "stdout"));
        Assert.Contains("http=31001 metrics=31002 ports=31001,31002 host=", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArgvCommand_RunsWithoutShell()
    {
        await using var h = await StartAsync();
        var task = CommandTask("t1", "");
        task.Command = new CommandInfo { Shell = false, Value = "/bin/echo", Arguments = { "echo", "argv", "$NOT_EXPANDED" } };
        await h.LaunchAsync(task);

        await h.WaitForStateAsync("t1", TaskState.TaskFinished);

        Assert.Equal("argv $NOT_EXPANDED\n", await File.ReadAllTextAsync(Path.Combine(h.Sandbox, "tasks", "t1", "stdout")));
    }

    [Theory]
    [InlineData("garbage", "TaskInfo.data")]
    [InlineData("empty", "neither a drover.v1.NodeSpec")]
    [InlineData("port", "'jmx'")]
    [InlineData("kind", "NodeSpec.kind")]
    public async Task BadLaunch_FailsThatTaskWithAReason_AndTheExecutorCarriesOn(string bad, string expected)
    {
        await using var h = await StartAsync();
        await h.LaunchAsync(CommandTask("good", "sleep 30"));
        await h.WaitForStateAsync("good", TaskState.TaskRunning);

        var task = bad switch
        {
            "garbage" => WithData(CommandTask("bad", ""), ByteString.CopyFrom(0x0a, 0xff, 0xff, 0xff)),
            "empty" => BareTask("bad"),
            "port" => NodeTask("bad", WithRequiredPort(GenericNode("true"), "jmx"), ("http", 31001)),
            _ => NodeTask("bad", new NodeSpec { Cluster = "c", Node = "n", Kind = ServiceKind.Unspecified }),
        };
        task.Command = null;
        await h.LaunchAsync(task);

        var failed = await h.WaitForStateAsync("bad", TaskState.TaskFailed);
        Assert.Contains(expected, failed.Message, StringComparison.Ordinal);
        Assert.Equal(TaskStatus.Types.Reason.TaskInvalid, failed.Reason);
        Assert.Equal([TaskState.TaskFailed], h.StatesOf("bad"));

        // The good task is untouched, and killing it still works.
        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning], h.StatesOf("good"));
        await h.KillAsync("good");
        await h.WaitForStateAsync("good", TaskState.TaskKilled);
    }

    [Fact]
    public async Task TaskGroup_OneTaskFails_TheOthersAreKilled()
    {
        await using var h = await StartAsync();
        await h.LaunchGroupAsync(CommandTask("a", "sleep 0.3; exit 1"), CommandTask("b", "sleep 60"));

        await h.WaitForStateAsync("a", TaskState.TaskFailed);
        var killed = await h.WaitForStateAsync("b", TaskState.TaskKilled);

        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskKilled], h.StatesOf("b"));
        Assert.Contains("Terminated", killed.Message, StringComparison.Ordinal);
        Assert.Equal(0, await h.Executor.WaitForExitAsync(WaitTimeout));
    }

    [Fact]
    public async Task TaskGroup_AllFinish_ExecutorExitsAfterAcknowledgements()
    {
        await using var h = await StartAsync();
        await h.LaunchGroupAsync(CommandTask("a", "exit 0"), CommandTask("b", "sleep 0.2"));

        await h.WaitForStateAsync("a", TaskState.TaskFinished);
        await h.WaitForStateAsync("b", TaskState.TaskFinished);

        Assert.Equal(0, await h.Executor.WaitForExitAsync(WaitTimeout));
    }

    private static TaskInfo WithData(TaskInfo task, ByteString data)
    {
        task.Data = data;
        return task;
    }

    private static NodeSpec WithRequiredPort(NodeSpec spec, string port)
    {
        spec.RequiredPorts.Add(port);
        return spec;
    }
}
