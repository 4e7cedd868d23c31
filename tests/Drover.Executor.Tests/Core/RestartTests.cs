using Drover.Mesos.V1;
using Google.Protobuf.WellKnownTypes;
using static Drover.Executor.Tests.Core.LoopHarness;

namespace Drover.Executor.Tests.Core;

/// <summary>Restarts in place by the node's policy: backoff doubling to its cap, a sliding window, then TASK_FAILED.</summary>
public class RestartTests
{
    private static Drover.V1.RestartPolicy Policy(uint max, TimeSpan window, TimeSpan initial, TimeSpan cap) => new()
    {
        MaxRestarts = max,
        Window = Duration.FromTimeSpan(window),
        InitialBackoff = Duration.FromTimeSpan(initial),
        MaxBackoff = Duration.FromTimeSpan(cap),
    };

    [Fact]
    public void Crash_IsRestartedAfterItsBackoff_NotBefore()
    {
        using var h = Start();
        h.Launch(NodeTask("n1", Policy(3, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30))));

        h.Exits("n1", code: 3);
        h.Advance(TimeSpan.FromMilliseconds(990));
        Assert.Single(h.Processes.Started);
        h.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(2, h.Processes.Started.Count);

        var running = h.Last("n1");
        Assert.Equal(TaskState.TaskRunning, running.State);
        Assert.Equal("restarted after: Command exited with status 3 (restart 1 of 3 within 5mins)", running.Message);
    }

    [Fact]
    public void Backoff_DoublesUpToItsCap()
    {
        using var h = Start();
        h.Launch(NodeTask("n1", Policy(10, TimeSpan.FromHours(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3))));
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 4; i++)
        {
            h.Exits("n1", code: 1);
            var before = h.Processes.Started.Count;
            var waited = TimeSpan.Zero;
            while (h.Processes.Started.Count == before)
            {
                h.Advance(TimeSpan.FromMilliseconds(100));
                waited += TimeSpan.FromMilliseconds(100);
            }

            waits.Add(waited);
        }

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3)], waits);
    }

    [Fact]
    public void TooManyRestartsInTheWindow_FailTheTask()
    {
        using var h = Start();
        h.Launch(NodeTask("n1", Policy(2, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100))));

        for (var i = 0; i < 2; i++)
        {
            h.Exits("n1", code: 3);
            h.Advance(TimeSpan.FromMilliseconds(200));
        }

        h.Exits("n1", code: 3);

        Assert.Equal(
            [TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskRunning, TaskState.TaskRunning, TaskState.TaskFailed],
            h.StatesOf("n1"));
        Assert.Equal("Command exited with status 3 after 2 restarts", h.Last("n1").Message);
    }

    [Fact]
    public void RestartsOutsideTheWindow_AreForgotten()
    {
        using var h = Start();
        h.Launch(NodeTask("n1", Policy(1, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100))));

        h.Exits("n1", code: 3);
        h.Advance(TimeSpan.FromSeconds(11), step: TimeSpan.FromMilliseconds(100)); // restarted, and the window passes
        h.Exits("n1", code: 3);
        h.Advance(TimeSpan.FromMilliseconds(200));

        Assert.Equal(3, h.Processes.Started.Count);
        Assert.Equal(TaskState.TaskRunning, h.Last("n1").State);
    }

    [Fact]
    public void CleanExit_IsNeverRestarted()
    {
        using var h = Start();
        h.Launch(NodeTask("n1"));

        h.Exits("n1", code: 0);

        Assert.Equal(TaskState.TaskFinished, h.Last("n1").State);
        h.Advance(TimeSpan.FromSeconds(2), step: TimeSpan.FromMilliseconds(100));
        Assert.Single(h.Processes.Started);
    }

    [Fact]
    public void CommandTask_IsNeverRestarted()
    {
        using var h = Start();
        h.Launch(CommandTask("t1"));

        h.Exits("t1", code: 7);

        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskFailed], h.StatesOf("t1"));
        Assert.Equal("Command exited with status 7", h.Last("t1").Message);
    }

    [Fact]
    public void Crash_DuringShutdown_IsNotRestarted()
    {
        using var h = Start();
        h.Launch(NodeTask("n1"));
        h.Receive(Drover.LocalMesos.Agent.ExecutorEvents.Shutdown());

        h.Exits("n1", code: 3);

        Assert.Equal(TaskState.TaskKilled, h.Last("n1").State);
        Assert.Single(h.Processes.Started);
    }
}
