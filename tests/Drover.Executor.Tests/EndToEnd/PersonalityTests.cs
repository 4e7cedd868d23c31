using Drover.V1;
using Google.Protobuf;
using Drover.Mesos.V1;
using Drover.Testing;
using static Drover.Executor.Tests.EndToEnd.ExecutorHarness;

namespace Drover.Executor.Tests.EndToEnd;

/// <summary>What every personality shares, shown with GENERIC nodes: NodeSpec checks, admin requests, kinds.</summary>
public class PersonalityTests
{
    private static CheckSpec Quick(CheckSpec spec, uint failures = 2)
    {
        spec.Delay = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.Zero);
        spec.Interval = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(200));
        spec.Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(3));
        spec.GracePeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(20));
        spec.ConsecutiveFailures = failures;
        return spec;
    }

    [Fact]
    public async Task NodeSpec_http_check_with_body_reports_healthy_then_unhealthy_and_kills()
    {
        await using var h = await StartAsync();
        var port = FreePort.Next();
        var node = GenericNode("mkdir -p www && echo OK > www/ping && exec /usr/bin/python3 -m http.server $PORT_HTTP --bind 127.0.0.1 --directory www");
        node.HealthChecks.Add(Quick(new CheckSpec { Name = "ping", Http = new HttpCheck { Port = "http", Path = "/ping", BodyContains = "OK" } }));
        await h.LaunchAsync(NodeTask("n1", node, ("http", port)));

        var healthy = await h.WaitForUpdateAsync("n1", u => u.HasHealthy && u.Healthy);
        Assert.Equal(TaskState.TaskRunning, healthy.State);

        await File.WriteAllTextAsync(Path.Combine(h.Sandbox, "www", "ping"), "pang\n");
        var unhealthy = await h.WaitForUpdateAsync("n1", u => u.HasHealthy && !u.Healthy);
        Assert.Contains("does not contain 'OK'", unhealthy.Message, StringComparison.Ordinal);
        Assert.Contains("pang", unhealthy.Message, StringComparison.Ordinal);

        var killed = await h.WaitForStateAsync("n1", TaskState.TaskKilled);
        Assert.False(killed.Healthy);
    }

    [Fact]
    public async Task NodeSpec_tcp_check_names_a_port_the_task_must_have()
    {
        await using var h = await StartAsync();
        var node = GenericNode("exec sleep 1000");
        node.HealthChecks.Add(Quick(new CheckSpec { Tcp = new TcpCheck { Port = "native" } }));
        await h.LaunchAsync(NodeTask("n1", node, ("http", FreePort.Next())));

        var failed = await h.WaitForStateAsync("n1", TaskState.TaskFailed);
        Assert.Equal(Mesos.V1.TaskStatus.Types.Reason.TaskInvalid, failed.Reason);
        Assert.Equal("NodeSpec health check 'health_checks[0]' uses port 'native', which is not among the task's named ports", failed.Message);
    }

    [Fact]
    public async Task Unknown_and_unset_kinds_fail_the_task_naming_the_kinds_there_are()
    {
        await using var h = await StartAsync();
        // A running task keeps the executor up: with nothing left to run it would exit after the first failure.
        await h.LaunchAsync(NodeTask("keep", GenericNode("exec sleep 1000")));
        await h.WaitForStateAsync("keep", TaskState.TaskRunning);
        var unknown = GenericNode("exec sleep 1000");
        unknown.Kind = (ServiceKind)42;
        var unset = GenericNode("exec sleep 1000");
        unset.Kind = ServiceKind.Unspecified;
        await h.LaunchAsync(NodeTask("unknown", unknown));
        await h.LaunchAsync(NodeTask("unset", unset));

        var a = await h.WaitForStateAsync("unknown", TaskState.TaskFailed);
        var b = await h.WaitForStateAsync("unset", TaskState.TaskFailed);
        Assert.StartsWith("NodeSpec.kind 42 (42) is unknown to this executor version, which runs GENERIC", a.Message, StringComparison.Ordinal);
        Assert.StartsWith("NodeSpec.kind is not set: say which service this node runs (GENERIC", b.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_requests_that_cannot_run_are_rejected_with_the_reason_and_garbage_is_dropped()
    {
        await using var h = await StartAsync();
        await h.LaunchAsync(NodeTask("n1", GenericNode("exec sleep 1000")));
        await h.WaitForStateAsync("n1", TaskState.TaskRunning);

        await h.Agent.SendMessageAsync(ByteString.CopyFrom(0xff, 0xff, 0xff)); // not an AdminRequest: dropped
        await h.Agent.SendMessageAsync(new AdminRequest { RequestId = "r1", TaskId = "n1", Operation = "repair" }.ToByteString());
        await h.Agent.SendMessageAsync(new AdminRequest { RequestId = "r2", TaskId = "nope", Operation = "repair" }.ToByteString());

        await Eventually.TrueAsync(() => h.Agent.Messages.Count >= 2, "two admin replies", WaitTimeout);
        var replies = h.Agent.Messages.Select(m => AdminReply.Parser.ParseFrom(m)).ToDictionary(r => r.RequestId);
        Assert.Equal(2, replies.Count);
        Assert.Equal(AdminReply.Types.Outcome.Rejected, replies["r1"].Outcome);
        Assert.Equal("task 'n1' has no admin operation 'repair'; it has none", replies["r1"].Output);
        Assert.Equal("n1", replies["r1"].TaskId);
        Assert.Equal("repair", replies["r1"].Operation);
        Assert.Equal(AdminReply.Types.Outcome.Rejected, replies["r2"].Outcome);
        Assert.Equal("no task 'nope' on this executor", replies["r2"].Output);
        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning], h.StatesOf("n1"));
    }
}
