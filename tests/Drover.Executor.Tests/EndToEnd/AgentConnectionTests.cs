using System.Text;
using Drover.Mesos.V1;
using Drover.Testing;
using static Drover.Executor.Tests.EndToEnd.ExecutorHarness;

namespace Drover.Executor.Tests.EndToEnd;

/// <summary>Losing and regaining the agent: Mesos' executor HTTP API, "Disconnections" and "Agent Recovery".</summary>
public class AgentConnectionTests
{
    [Fact]
    public async Task Subscribe_CarriesIdsAndAnEmptySubscribe_AndTheBearerToken()
    {
        await using var h = await StartAsync(token: "t0ken");

        var subscribe = h.Subscribes[0];
        Assert.Equal(h.FrameworkId, subscribe.FrameworkId.Value);
        Assert.Equal(h.ExecutorId, subscribe.ExecutorId.Value);
        Assert.NotNull(subscribe.Subscribe);
        Assert.DoesNotContain("t0ken", await h.Executor.ReadStderrAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentRestart_WithCheckpointing_ResubscribesWithUnacknowledged_ServiceUntouched()
    {
        await using var h = await StartAsync(checkpoint: true, recoveryTimeout: "1mins", backoffMax: "200ms");
        h.AutoAcknowledge = false;
        await h.LaunchAsync(CommandTask("t1", "echo $$ > service.pid; exec sleep 1000"));
        await h.WaitForStateAsync("t1", TaskState.TaskRunning);
        var service = await h.ReadPidFileAsync("service.pid");

        await h.StopAgentAsync();
        await h.StartAgentAgainAsync();

        var resubscribe = await h.WaitForSubscribeAsync(2);
        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning],
            resubscribe.Subscribe.UnacknowledgedUpdates.Select(u => u.Status.State));
        Assert.Equal(["t1"], resubscribe.Subscribe.UnacknowledgedTasks.Select(t => t.TaskId.Value));
        Assert.True(IsAlive(service), "the service must survive an agent restart");

        // Once acknowledged, updates are not carried again; the task still answers KILL.
        h.AutoAcknowledge = true;
        await h.AcknowledgeAllAsync();
        await h.KillAsync("t1");
        await h.WaitForStateAsync("t1", TaskState.TaskKilled);
        await Eventually.TrueAsync(() => !IsAlive(service), "the service to be killed", WaitTimeout);
    }

    [Fact]
    public async Task Disconnect_WithoutCheckpointing_StopsTheServiceAndExits()
    {
        await using var h = await StartAsync(checkpoint: false);
        await h.LaunchAsync(CommandTask("t1", "echo $$ > service.pid; exec sleep 1000"));
        await h.WaitForStateAsync("t1", TaskState.TaskRunning);
        var service = await h.ReadPidFileAsync("service.pid");

        await h.DropSubscriptionAsync();

        Assert.Equal(1, await h.Executor.WaitForExitAsync(WaitTimeout));
        Assert.False(IsAlive(service));
        Assert.Single(h.Subscribes);
    }

    [Fact]
    public async Task RecoveryTimeout_StopsTheServiceAndExits()
    {
        await using var h = await StartAsync(checkpoint: true, recoveryTimeout: "2secs", backoffMax: "200ms");
        await h.LaunchAsync(CommandTask("t1", "echo $$ > service.pid; exec sleep 1000"));
        await h.WaitForStateAsync("t1", TaskState.TaskRunning);
        var service = await h.ReadPidFileAsync("service.pid");

        await h.StopAgentAsync();

        Assert.Equal(1, await h.Executor.WaitForExitAsync(WaitTimeout));
        Assert.False(IsAlive(service));
        Assert.Contains("MESOS_RECOVERY_TIMEOUT", await h.Executor.ReadStderrAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorEvent_WithCheckpointing_ResubscribesAndKeepsTheService()
    {
        await using var h = await StartAsync(checkpoint: true, backoffMax: "200ms");
        await h.LaunchAsync(CommandTask("t1", "echo $$ > service.pid; exec sleep 1000"));
        await h.WaitForStateAsync("t1", TaskState.TaskRunning);
        var service = await h.ReadPidFileAsync("service.pid");

        await h.SendErrorAsync("Unrecoverable error");

        await h.WaitForSubscribeAsync(2);
        Assert.True(IsAlive(service));
        Assert.Contains("Unrecoverable error", await h.Executor.ReadStderrAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorEvent_WithoutCheckpointing_StopsAndExits()
    {
        await using var h = await StartAsync(checkpoint: false);
        await h.LaunchAsync(CommandTask("t1", "exec sleep 1000"));
        await h.WaitForStateAsync("t1", TaskState.TaskRunning);

        await h.SendErrorAsync("Unrecoverable error");

        Assert.Equal(1, await h.Executor.WaitForExitAsync(WaitTimeout));
    }

    [Theory]
    [InlineData("not-a-length\n")]            // garbage where a RecordIO length belongs
    [InlineData("99999999999999999999999\n")] // a length past any bound
    [InlineData("100\nshort")]                // a truncated record, then the stream ends
    [InlineData("3\n\xff\xff\xff")]           // a record that is not a protobuf Event
    [InlineData("2\n\x08\x02")]                // a LAUNCH event without its `launch`
    public async Task BrokenEventStream_WithCheckpointing_IsADisconnection_NothingLost(string raw)
    {
        await using var h = await StartAsync(checkpoint: true, backoffMax: "200ms");
        h.AutoAcknowledge = false;
        await h.LaunchAsync(CommandTask("t1", "echo $$ > service.pid; exec sleep 1000"));
        await h.WaitForStateAsync("t1", TaskState.TaskRunning);
        var service = await h.ReadPidFileAsync("service.pid");

        await h.SendRawAndCloseAsync(Encoding.Latin1.GetBytes(raw));

        var resubscribe = await h.WaitForSubscribeAsync(2);
        Assert.Equal(2, resubscribe.Subscribe.UnacknowledgedUpdates.Count);
        Assert.True(IsAlive(service));
        var log = await h.Executor.ReadStderrAsync();
        Assert.True(log.Contains("broken event stream", StringComparison.Ordinal) || log.Contains("undecodable event", StringComparison.Ordinal), log);
    }

    [Fact]
    public async Task UpdateRefusedWith503_IsRetried()
    {
        await using var h = await StartAsync();
        h.FailNextUpdates(2, 503);
        await h.LaunchAsync(CommandTask("t1", "exit 0"));

        await h.WaitForStateAsync("t1", TaskState.TaskFinished);

        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskFinished], h.StatesOf("t1"));
        Assert.Equal(0, await h.Executor.WaitForExitAsync(WaitTimeout));
    }
}
