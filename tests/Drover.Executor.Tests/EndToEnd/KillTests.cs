using Drover.Mesos;
using Drover.Mesos.V1;
using Drover.Testing;
using static Drover.Executor.Tests.EndToEnd.ExecutorHarness;

namespace Drover.Executor.Tests.EndToEnd;

/// <summary>KILL and SHUTDOWN: SIGTERM to the group, SIGKILL after the grace period, by Mesos' precedence.</summary>
public class KillTests
{
    // Each writes `trapped` once its trap is set: a SIGTERM before that would test the shell's default.
    private const string TrapsTerm = "trap 'echo got TERM; exit 0' TERM; touch trapped; while true; do sleep 0.05; done";
    private const string IgnoresTerm = "trap '' TERM; touch trapped; while true; do sleep 0.05; done";

    private static Task RunningWithTrapAsync(ExecutorHarness h, string taskId) =>
        Task.WhenAll(
            h.WaitForStateAsync(taskId, TaskState.TaskRunning),
            Eventually.TrueAsync(() => File.Exists(Path.Combine(h.Sandbox, "trapped")), "the service to set its trap", WaitTimeout));

    [Fact]
    public async Task Kill_ServiceThatExitsOnSigterm_IsKilledWithinGrace()
    {
        await using var h = await StartAsync();
        await h.LaunchAsync(CommandTask("t1", TrapsTerm, killGrace: TimeSpan.FromSeconds(20)));
        await RunningWithTrapAsync(h, "t1");

        await h.KillAsync("t1");
        var killed = await h.WaitForStateAsync("t1", TaskState.TaskKilled);

        // Exit status 0 from the trap: SIGTERM ended it, long before the 20 s grace (SIGKILL would say "signal Killed").
        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskKilled], h.StatesOf("t1"));
        Assert.Equal("Command exited with status 0", killed.Message);
        await Eventually.TrueAsync(() => File.ReadAllText(Path.Combine(h.Sandbox, "tasks", "t1", "stdout")).Contains("got TERM", StringComparison.Ordinal), "the trap's output", WaitTimeout);
    }

    [Fact]
    public async Task Kill_ServiceIgnoringSigterm_GetsSigkillAfterTheKillEventsGrace()
    {
        await using var h = await StartAsync();
        // TaskInfo says 30 s; the KILL event's policy (1 s) takes precedence.
        await h.LaunchAsync(CommandTask("t1", IgnoresTerm, killGrace: TimeSpan.FromSeconds(30)));
        await RunningWithTrapAsync(h, "t1");

        await h.KillAsync("t1", grace: TimeSpan.FromSeconds(1));
        var killed = await h.WaitForStateAsync("t1", TaskState.TaskKilled);

        // The timing itself is the unit tests' (Core/KillTests, on a fake clock); here: the binary took the event's grace.
        Assert.Equal("Command terminated with signal Killed", killed.Message);
        Assert.Contains($"grace period {MesosDuration.Format(TimeSpan.FromSeconds(1))}", await h.Executor.ReadStderrAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kill_WithoutAnyPolicy_UsesTaskInfoGrace()
    {
        await using var h = await StartAsync();
        await h.LaunchAsync(CommandTask("t1", IgnoresTerm, killGrace: TimeSpan.FromMilliseconds(500)));
        await RunningWithTrapAsync(h, "t1");

        await h.KillAsync("t1");
        var killed = await h.WaitForStateAsync("t1", TaskState.TaskKilled);

        Assert.Equal("Command terminated with signal Killed", killed.Message);
        Assert.Contains($"grace period {MesosDuration.Format(TimeSpan.FromMilliseconds(500))}", await h.Executor.ReadStderrAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kill_Repeated_OnlyShortensTheGrace()
    {
        await using var h = await StartAsync();
        await h.LaunchAsync(CommandTask("t1", IgnoresTerm));
        await RunningWithTrapAsync(h, "t1");

        await h.KillAsync("t1", grace: TimeSpan.FromSeconds(60));
        await h.KillAsync("t1", grace: TimeSpan.FromMilliseconds(300));
        await h.KillAsync("t1", grace: TimeSpan.FromSeconds(90)); // cannot lengthen it again
        await h.WaitForStateAsync("t1", TaskState.TaskKilled); // within the test's wait, so not after 60 s

        var log = await h.Executor.ReadStderrAsync();
        Assert.Contains($"grace shortened to {MesosDuration.Format(TimeSpan.FromMilliseconds(300))}", log, StringComparison.Ordinal);
        Assert.DoesNotContain($"grace shortened to {MesosDuration.Format(TimeSpan.FromSeconds(90))}", log, StringComparison.Ordinal);
        Assert.Single(h.UpdatesOf("t1"), u => u.State == TaskState.TaskKilled);
    }

    [Fact]
    public async Task Kill_FrameworkWithTaskKillingState_GetsTaskKillingFirst()
    {
        await using var h = await StartAsync(taskKillingState: true);
        await h.LaunchAsync(CommandTask("t1", TrapsTerm));
        await RunningWithTrapAsync(h, "t1");

        await h.KillAsync("t1");
        await h.WaitForStateAsync("t1", TaskState.TaskKilled);

        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskKilling, TaskState.TaskKilled], h.StatesOf("t1"));
    }

    [Fact]
    public async Task Kill_GrandchildDiesWithTheGroup()
    {
        await using var h = await StartAsync();
        await h.LaunchAsync(CommandTask("t1", "sleep 1000 & echo $! > grandchild.pid; wait"));
        await h.WaitForStateAsync("t1", TaskState.TaskRunning);
        var grandchild = await h.ReadPidFileAsync("grandchild.pid");
        Assert.True(IsAlive(grandchild));

        await h.KillAsync("t1");
        await h.WaitForStateAsync("t1", TaskState.TaskKilled);

        await Eventually.TrueAsync(() => !IsAlive(grandchild), $"grandchild {grandchild} to die", WaitTimeout);
    }

    [Fact]
    public async Task Shutdown_KillsEveryTask_AndTheExecutorExits()
    {
        await using var h = await StartAsync();
        await h.LaunchAsync(CommandTask("a", TrapsTerm.Replace("trapped", "a.trapped", StringComparison.Ordinal)));
        await h.LaunchAsync(CommandTask("b", IgnoresTerm.Replace("trapped", "b.trapped", StringComparison.Ordinal)));
        await h.WaitForStateAsync("a", TaskState.TaskRunning);
        await h.WaitForStateAsync("b", TaskState.TaskRunning);
        await Eventually.TrueAsync(() => File.Exists(Path.Combine(h.Sandbox, "a.trapped")) && File.Exists(Path.Combine(h.Sandbox, "b.trapped")), "both traps", WaitTimeout);

        await h.ShutdownAsync();

        await h.WaitForStateAsync("a", TaskState.TaskKilled);
        await h.WaitForStateAsync("b", TaskState.TaskKilled);
        Assert.Equal(0, await h.Executor.WaitForExitAsync(WaitTimeout));
    }

    [Fact]
    public async Task ExecutorSigkilled_ServiceDoesNotLiveOn()
    {
        await using var h = await StartAsync();
        await h.LaunchAsync(CommandTask("t1", "trap '' TERM; sleep 1000 & echo $! > grandchild.pid; echo $$ > service.pid; wait"));
        await h.WaitForStateAsync("t1", TaskState.TaskRunning);
        var service = await h.ReadPidFileAsync("service.pid");
        var grandchild = await h.ReadPidFileAsync("grandchild.pid");

        h.Executor.Kill(9);

        await Eventually.TrueAsync(() => !IsAlive(service) && !IsAlive(grandchild), $"service {service} and grandchild {grandchild} to die after the executor", WaitTimeout);
    }
}
