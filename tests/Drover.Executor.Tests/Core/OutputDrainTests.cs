using Drover.Mesos.V1;
using static Drover.Executor.Tests.Core.LoopHarness;

namespace Drover.Executor.Tests.Core;

/// <summary>A terminal update waits until the service's output is in its files, within a bound.</summary>
public class OutputDrainTests
{
    [Fact]
    public void TerminalUpdate_WaitsForTheOutputToClose()
    {
        using var h = Start();
        h.Launch(CommandTask("t1"));
        var process = h.Processes.Of("t1");
        process.HoldOutput();

        h.Exits("t1", code: 0);
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning], h.StatesOf("t1"));

        process.CloseOutput();
        h.Loop.HandlePending();
        Assert.Equal(TaskState.TaskFinished, h.Last("t1").State);
        Assert.Equal("Command exited with status 0", h.Last("t1").Message);
    }

    [Fact]
    public void TerminalUpdate_GoesAnyway_WhenTheOutputStaysOpen()
    {
        using var h = Start();
        h.Launch(CommandTask("t1"));
        h.Processes.Of("t1").HoldOutput(); // a process outside the session holds the pipe

        h.Exits("t1", code: 4);
        h.Advance(Drover.Executor.Core.ExecutorLoop.OutputDrainLimit - TimeSpan.FromMilliseconds(10));
        Assert.Equal(TaskState.TaskRunning, h.Last("t1").State);
        h.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Equal(TaskState.TaskFailed, h.Last("t1").State);
        Assert.Equal("Command exited with status 4", h.Last("t1").Message);
    }

    [Fact]
    public void KillWhileTheOutputDrains_ChangesNothing()
    {
        using var h = Start();
        h.Launch(CommandTask("t1"));
        var process = h.Processes.Of("t1");
        process.HoldOutput();
        h.Exits("t1", code: 0);

        h.Kill("t1");
        process.CloseOutput();
        h.Loop.HandlePending();

        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskFinished], h.StatesOf("t1"));
        Assert.Empty(process.Signals);
    }

    [Fact]
    public void ExecutorWaitsForTheDrainBeforeExiting()
    {
        using var h = Start();
        h.Launch(CommandTask("t1"));
        var process = h.Processes.Of("t1");
        process.HoldOutput();
        h.Exits("t1", code: 0);
        h.AcknowledgeAll();

        Assert.Null(h.Loop.ExitCode);
        process.CloseOutput();
        h.Loop.HandlePending();
        h.AcknowledgeAll();
        Assert.Equal(0, h.Loop.ExitCode);
    }
}
