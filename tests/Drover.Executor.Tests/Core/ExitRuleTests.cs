using Drover.Executor.Core;
using Drover.Mesos.V1;
using Drover.LocalMesos.Agent;
using TaskStatus = Drover.Mesos.V1.TaskStatus;
using static Drover.Executor.Tests.Core.LoopHarness;

namespace Drover.Executor.Tests.Core;

/// <summary>When the executor exits: the phase's exit rule, pure, and through the loop.</summary>
public class ExitRuleTests
{
    private static readonly TimeSpan Now = TimeSpan.FromSeconds(100);
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void AwaitingWork_NeverExitsByItself()
    {
        Assert.IsType<ExecutorPhase.AwaitingWork>(new ExecutorPhase.AwaitingWork().Settle(false, 0, Now, AckTimeout));
    }

    [Fact]
    public void Serving_WithAnActiveTask_Serves()
    {
        Assert.IsType<ExecutorPhase.Serving>(new ExecutorPhase.Serving().Settle(true, 5, Now, AckTimeout));
    }

    [Fact]
    public void Serving_NothingActiveNothingPending_ExitsZero()
    {
        Assert.Equal(new ExecutorPhase.Exited(0, "every task ended and every update was acknowledged"), new ExecutorPhase.Serving().Settle(false, 0, Now, AckTimeout));
    }

    [Fact]
    public void Serving_NothingActiveSomethingPending_DrainsUntilTheDeadline()
    {
        Assert.Equal(new ExecutorPhase.Draining(Now + AckTimeout), new ExecutorPhase.Serving().Settle(false, 2, Now, AckTimeout));
    }

    [Fact]
    public void Draining_ALaunch_ServesAgain()
    {
        Assert.IsType<ExecutorPhase.Serving>(new ExecutorPhase.Draining(Now).Settle(true, 2, Now, AckTimeout));
    }

    [Fact]
    public void ShuttingDown_ExitsZeroWithItsReason_OnceReported()
    {
        var shutdown = new ExecutorPhase.ShuttingDown("received SIGTERM");
        Assert.Same(shutdown, shutdown.Settle(true, 3, Now, AckTimeout));
        Assert.Equal(shutdown with { DrainDeadline = Now + AckTimeout }, shutdown.Settle(false, 3, Now, AckTimeout));
        Assert.Equal(new ExecutorPhase.Exited(0, "received SIGTERM"), shutdown.Settle(false, 0, Now, AckTimeout));
    }

    [Fact]
    public void AgentLost_ExitsOne_AsSoonAsNothingIsActive()
    {
        var lost = new ExecutorPhase.AgentLost("recovery timeout");
        Assert.Same(lost, lost.Settle(true, 3, Now, AckTimeout));
        Assert.Equal(new ExecutorPhase.Exited(1, "recovery timeout"), lost.Settle(false, 3, Now, AckTimeout));
    }

    [Fact]
    public void Exited_StaysExited()
    {
        var exited = new ExecutorPhase.Exited(0, "done");
        Assert.Same(exited, exited.Settle(true, 3, Now, AckTimeout));
    }

    [Fact]
    public void Loop_WithoutAcknowledgements_ExitsAtTheDeadline()
    {
        using var h = Start(DefaultSettings() with { TerminalAckTimeout = TimeSpan.FromSeconds(30) });
        h.Launch(CommandTask("t1"));
        h.Exits("t1", code: 0);

        h.Advance(TimeSpan.FromSeconds(29.9), step: TimeSpan.FromMilliseconds(100));
        Assert.Null(h.Loop.ExitCode);
        h.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, h.Loop.ExitCode);
    }

    [Fact]
    public void Loop_ALaunchWhileDraining_PutsTheDeadlineOff()
    {
        using var h = Start(DefaultSettings() with { TerminalAckTimeout = TimeSpan.FromSeconds(30) });
        h.Launch(CommandTask("t1"));
        h.Exits("t1", code: 0);
        h.Advance(TimeSpan.FromSeconds(20), step: TimeSpan.FromMilliseconds(100));

        h.Launch(CommandTask("t2"));
        h.Advance(TimeSpan.FromSeconds(20), step: TimeSpan.FromMilliseconds(100));
        Assert.Null(h.Loop.ExitCode); // the first drain's deadline passed while t2 ran

        h.Exits("t2", code: 0);
        h.Advance(TimeSpan.FromSeconds(29.9), step: TimeSpan.FromMilliseconds(100));
        Assert.Null(h.Loop.ExitCode);
        h.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, h.Loop.ExitCode);
    }

    [Fact]
    public void Loop_BeforeAnyLaunch_Waits()
    {
        using var h = Start();
        h.Advance(TimeSpan.FromMinutes(5), step: TimeSpan.FromSeconds(1));

        Assert.IsType<ExecutorPhase.AwaitingWork>(h.Loop.Phase);
    }

    [Fact]
    public void Loop_ShutdownBeforeAnyLaunch_ExitsZero()
    {
        using var h = Start();
        h.Receive(ExecutorEvents.Shutdown());

        Assert.Equal(0, h.Loop.ExitCode);
    }

    [Fact]
    public void Loop_LaunchWhileShuttingDown_FailsThatTask()
    {
        using var h = Start();
        h.Launch(CommandTask("t1"));
        h.Receive(ExecutorEvents.Shutdown());

        h.Launch(CommandTask("t2"));

        Assert.Equal([TaskState.TaskFailed], h.StatesOf("t2"));
        Assert.Equal("the executor is shutting down", h.Last("t2").Message);
    }

    [Fact]
    public void Loop_BadLaunch_FailsAlone()
    {
        using var h = Start();
        h.Launch(CommandTask("good"));
        var bad = CommandTask("bad");
        bad.Command = null;

        h.Launch(bad);

        Assert.Equal([TaskState.TaskFailed], h.StatesOf("bad"));
        Assert.Equal(TaskStatus.Types.Reason.TaskInvalid, h.Last("bad").Reason);
        Assert.IsType<ExecutorPhase.Serving>(h.Loop.Phase);
    }

    [Fact]
    public void Loop_TaskGroup_OneFailing_KillsTheOthers()
    {
        using var h = Start();
        h.Receive(ExecutorEvents.LaunchGroup(CommandTask("a"), CommandTask("b")));

        h.Exits("a", code: 1);

        Assert.Equal([Drover.Posix.Signals.SIGTERM], h.Processes.Of("b").Signals);
        h.Exits("b", signal: 15);
        Assert.Equal(TaskState.TaskKilled, h.Last("b").State);
        h.AcknowledgeAll();
        Assert.Equal(0, h.Loop.ExitCode);
    }
}
