using Drover.Executor.Supervision;
using Drover.Executor.Tasks;
using Drover.V1;
using Google.Protobuf;
using Drover.Mesos.V1;

namespace Drover.Executor.Tests.Unit;

public class LaunchPlannerTests
{
    private static readonly PlanContext Context = new(
        "/sandbox",
        new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"] = "secret" },
        "agent-1.example",
        "drover");

    private static TaskInfo Task(params (string Name, uint Port)[] ports)
    {
        var task = new TaskInfo
        {
            Name = "t",
            TaskId = new TaskID { Value = "task-1" },
            AgentId = new AgentID { Value = "agent" },
            Resources =
            {
                new Resource
                {
                    Name = "ports",
                    Type = Value.Types.Type.Ranges,
                    Ranges = new Value.Types.Ranges { Range = { new Value.Types.Range { Begin = 31000, End = 31010 } } },
                },
            },
        };
        if (ports.Length > 0)
        {
            var discovered = new Ports();
            foreach (var (name, port) in ports)
            {
                discovered.Ports_.Add(new Port { Name = name, Number = port, Protocol = "tcp" });
            }

            task.Discovery = new DiscoveryInfo { Visibility = DiscoveryInfo.Types.Visibility.Framework, Ports = discovered };
        }

        return task;
    }

    [Fact]
    public void Plan_ShellCommand_RunsUnderShWithPortsAndWithoutSecrets()
    {
        var task = Task(("http", 31001), ("metrics", 31002));
        task.Command = new CommandInfo { Value = "echo hi" };

        var plan = LaunchPlanner.Plan(task, Context);

        Assert.Equal("/bin/sh", plan.Executable);
        Assert.Equal(["sh", "-c", "echo hi"], plan.Arguments);
        var env = plan.Environment.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("31001", env["PORT_HTTP"]);
        Assert.Equal("31001,31002", env["PORTS"]);
        Assert.Equal("task-1", env["MESOS_TASK_ID"]);
        Assert.Equal("agent-1.example", env["HOST"]);
        Assert.False(env.ContainsKey("MESOS_EXECUTOR_AUTHENTICATION_TOKEN"));
        Assert.Equal(RestartBudget.Never, plan.Restart);
        Assert.Equal("/sandbox/tasks/task-1", plan.LogDirectory);
    }

    [Fact]
    public void Plan_ArgvCommand_UsesArgumentsAsWholeArgv()
    {
        var task = Task();
        task.Command = new CommandInfo { Shell = false, Value = "/bin/sleep", Arguments = { "sleep", "10" } };

        var plan = LaunchPlanner.Plan(task, Context);

        Assert.Equal("/bin/sleep", plan.Executable);
        Assert.Equal(["sleep", "10"], plan.Arguments);
    }

    [Fact]
    public void Plan_NodeSpec_TakesCommandRestartPolicyAndKillPolicy()
    {
        var task = Task(("http", 31005));
        task.KillPolicy = new KillPolicy { GracePeriod = new DurationInfo { Nanoseconds = 7_000_000_000 } };
        task.Data = new NodeSpec
        {
            Cluster = "c1",
            Node = "n1",
            Kind = ServiceKind.Generic,
            RequiredPorts = { "http" },
            Command = new CommandSpec { Shell = true, Value = "serve", WorkingDirectory = "data" },
            RestartPolicy = new Drover.V1.RestartPolicy { MaxRestarts = 2, InitialBackoff = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(50)) },
            Environment = { ["A"] = "1" },
        }.ToByteString();

        var plan = LaunchPlanner.Plan(task, Context);

        Assert.Equal(["sh", "-c", "serve"], plan.Arguments);
        Assert.Equal("/sandbox/data", plan.WorkingDirectory);
        Assert.Equal(2, plan.Restart.MaxRestarts);
        Assert.Equal(TimeSpan.FromMilliseconds(50), plan.Restart.InitialBackoff);
        Assert.Equal(TimeSpan.FromSeconds(7), plan.KillGracePeriod);
        Assert.Contains(new KeyValuePair<string, string>("A", "1"), plan.Environment);
        Assert.Equal("n1", plan.Node!.Node);
    }

    [Fact]
    public void Plan_UndecodableData_SaysItIsNotANodeSpec()
    {
        var task = Task();
        task.Data = ByteString.CopyFrom(0xff, 0xff, 0xff);

        var error = Assert.Throws<LaunchException>(() => LaunchPlanner.Plan(task, Context));
        Assert.Contains("not a valid drover.v1.NodeSpec", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_NeitherDataNorCommand_SaysSo()
    {
        var error = Assert.Throws<LaunchException>(() => LaunchPlanner.Plan(Task(), Context));
        Assert.Contains("neither a drover.v1.NodeSpec", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_RequiredPortMissing_NamesThePort()
    {
        var task = Task(("http", 31001));
        task.Data = new NodeSpec { Kind = ServiceKind.Generic, RequiredPorts = { "jmx" }, Command = new CommandSpec { Shell = true, Value = "x" } }.ToByteString();

        var error = Assert.Throws<LaunchException>(() => LaunchPlanner.Plan(task, Context));
        Assert.Contains("'jmx'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_DiscoveryPortOutsideResources_IsRefused()
    {
        var task = Task(("http", 8080));
        task.Command = new CommandInfo { Value = "x" };

        var error = Assert.Throws<LaunchException>(() => LaunchPlanner.Plan(task, Context));
        Assert.Contains("8080", error.Message, StringComparison.Ordinal);
        Assert.Contains("31000-31010", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_UnknownKind_NamesIt()
    {
        var task = Task();
        task.Data = new NodeSpec { Cluster = "c1", Node = "n1", Kind = ServiceKind.Unspecified }.ToByteString();

        var error = Assert.Throws<LaunchException>(() => LaunchPlanner.Plan(task, Context));
        Assert.Contains("NodeSpec.kind", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WorkingDirectoryEscapingSandbox_IsRefused()
    {
        var task = Task();
        task.Data = new NodeSpec { Kind = ServiceKind.Generic, Command = new CommandSpec { Shell = true, Value = "x", WorkingDirectory = "../../etc" } }.ToByteString();

        Assert.Throws<LaunchException>(() => LaunchPlanner.Plan(task, Context));
    }

    [Fact]
    public void Backoff_DoublesUpToTheCap()
    {
        var policy = new RestartBudget(5, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(350));

        Assert.Equal(TimeSpan.FromMilliseconds(100), policy.BackoffFor(1));
        Assert.Equal(TimeSpan.FromMilliseconds(200), policy.BackoffFor(2));
        Assert.Equal(TimeSpan.FromMilliseconds(350), policy.BackoffFor(3));
        Assert.Equal(TimeSpan.FromMilliseconds(350), policy.BackoffFor(30));
    }

    [Fact]
    public void RestartHistory_ForgetsRestartsOutsideTheWindow()
    {
        var policy = new RestartBudget(2, TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.Zero);
        var history = new RestartHistory();

        Assert.True(history.TryRecordRestart(policy, TimeSpan.FromMilliseconds(0)));
        Assert.True(history.TryRecordRestart(policy, TimeSpan.FromMilliseconds(1_000)));
        Assert.False(history.TryRecordRestart(policy, TimeSpan.FromMilliseconds(2_000)));
        Assert.True(history.TryRecordRestart(policy, TimeSpan.FromMilliseconds(11_500)));
        Assert.Equal(3, history.Total);
    }
}
