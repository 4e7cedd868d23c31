using Drover.Mesos.V1;
using Drover.Posix;
using static Drover.Executor.Tests.Core.LoopHarness;

namespace Drover.Executor.Tests.Core;

/// <summary>Kill policy precedence and escalation, on the fake clock.</summary>
public class KillTests
{
    private static (LoopHarness H, FakeProcess Process) Running(TimeSpan? taskGrace = null, bool taskKillingState = false)
    {
        var h = Start(taskKillingState: taskKillingState);
        h.Launch(CommandTask("t1", killGrace: taskGrace));
        return (h, h.Processes.Of("t1"));
    }

    [Fact]
    public void Kill_SigtermAtOnce_SigkillExactlyAtTheDefaultGrace()
    {
        var (h, process) = Running();
        using var _ = h;

        h.Kill("t1");
        Assert.Equal([Signals.SIGTERM], process.Signals);

        h.Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromMilliseconds(10));
        Assert.Equal(0, process.SessionKills);
        h.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, process.SessionKills);

        h.Exits("t1", signal: 9);
        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskKilled], h.StatesOf("t1"));
        Assert.Equal("Command terminated with signal Killed", h.Last("t1").Message);
    }

    [Fact]
    public void Kill_TaskInfoPolicy_BeatsTheDefault()
    {
        var (h, process) = Running(taskGrace: TimeSpan.FromMilliseconds(500));
        using var _ = h;

        h.Kill("t1");
        h.Advance(TimeSpan.FromMilliseconds(490));
        Assert.Equal(0, process.SessionKills);
        h.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, process.SessionKills);
    }

    [Fact]
    public void Kill_EventPolicy_BeatsTheTaskInfoPolicy()
    {
        var (h, process) = Running(taskGrace: TimeSpan.FromSeconds(30));
        using var _ = h;

        h.Kill("t1", grace: TimeSpan.FromSeconds(1));
        h.Advance(TimeSpan.FromMilliseconds(990));
        Assert.Equal(0, process.SessionKills);
        h.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, process.SessionKills);
    }

    [Fact]
    public void Kill_Repeated_OnlyShortensTheGrace()
    {
        var (h, process) = Running();
        using var _ = h;

        h.Kill("t1", grace: TimeSpan.FromSeconds(60));
        h.Kill("t1", grace: TimeSpan.FromMilliseconds(300));
        h.Kill("t1", grace: TimeSpan.FromSeconds(90));

        Assert.Equal([Signals.SIGTERM], process.Signals); // one SIGTERM for the whole kill
        h.Advance(TimeSpan.FromMilliseconds(290));
        Assert.Equal(0, process.SessionKills);
        h.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, process.SessionKills);

        // The first kill's timer (60 s) is stale: it does not escalate again.
        h.Advance(TimeSpan.FromSeconds(61), step: TimeSpan.FromSeconds(1));
        Assert.Equal(1, process.SessionKills);
    }

    [Fact]
    public void Kill_EndingInTime_IsNotEscalated()
    {
        var (h, process) = Running();
        using var _ = h;

        h.Kill("t1");
        h.Exits("t1", code: 0);
        var sessionKillsAtExit = process.SessionKills; // the exit sweeps the session once
        h.Advance(TimeSpan.FromSeconds(5), step: TimeSpan.FromMilliseconds(100));

        Assert.Equal(sessionKillsAtExit, process.SessionKills);
        Assert.Equal(TaskState.TaskKilled, h.Last("t1").State);
        Assert.Equal("Command exited with status 0", h.Last("t1").Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Kill_TaskKillingOnlyWithTheFrameworksCapability(bool capable)
    {
        var (h, _) = Running(taskKillingState: capable);
        using var __ = h;

        h.Kill("t1");
        h.Exits("t1", signal: 15);

        TaskState[] expected = capable
            ? [TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskKilling, TaskState.TaskKilled]
            : [TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskKilled];
        Assert.Equal(expected, h.StatesOf("t1"));
    }

    [Fact]
    public void Kill_UnknownTask_IsIgnored()
    {
        var (h, process) = Running();
        using var _ = h;

        h.Kill("nope");

        Assert.Empty(process.Signals);
        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning], h.StatesOf("t1"));
    }

    [Fact]
    public void Shutdown_CapsEveryGraceBelowTheAgentsShutdownGrace()
    {
        // MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD 5 s: SIGKILL a second early (at 4 s), whatever the task asked for.
        var (h, process) = Running(taskGrace: TimeSpan.FromSeconds(30));
        using var _ = h;

        h.Receive(Drover.LocalMesos.Agent.ExecutorEvents.Shutdown());
        Assert.Equal([Signals.SIGTERM], process.Signals);
        h.Advance(TimeSpan.FromMilliseconds(3990));
        Assert.Equal(0, process.SessionKills);
        h.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, process.SessionKills);

        h.Exits("t1", signal: 9);
        Assert.IsType<Drover.Executor.Core.ExecutorPhase.ShuttingDown>(h.Loop.Phase);
        h.AcknowledgeAll();
        Assert.Equal(0, h.Loop.ExitCode);
    }

    [Fact]
    public void Shutdown_ShortGrace_KeepsAFifthForReporting()
    {
        var settings = DefaultSettings() with { ShutdownGracePeriod = TimeSpan.FromSeconds(2) };
        using var h = Start(settings);
        h.Launch(CommandTask("t1"));
        var process = h.Processes.Of("t1");

        h.Handle(new Drover.Executor.Core.ShutdownSignal("SIGTERM"));
        h.Advance(TimeSpan.FromMilliseconds(1590));
        Assert.Equal(0, process.SessionKills);
        h.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, process.SessionKills);
    }

    [Fact]
    public void Kill_WhileBackingOff_EndsTheTaskAtOnce()
    {
        using var h = Start();
        h.Launch(NodeTask("n1"));
        h.Exits("n1", code: 3);
        Assert.Equal(TaskState.TaskRunning, h.Last("n1").State); // waiting out its restart backoff

        h.Kill("n1");

        Assert.Equal(TaskState.TaskKilled, h.Last("n1").State);
        Assert.StartsWith("killed (KILL from the scheduler) while waiting to restart after: Command exited with status 3", h.Last("n1").Message, StringComparison.Ordinal);
        h.Advance(TimeSpan.FromSeconds(2), step: TimeSpan.FromMilliseconds(100));
        Assert.Single(h.Processes.Started); // no restart after all
    }
}
