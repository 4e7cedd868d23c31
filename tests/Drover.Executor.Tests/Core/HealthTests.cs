using Drover.Executor.Health;
using Drover.Mesos.V1;
using TaskStatus = Drover.Mesos.V1.TaskStatus;
using static Drover.Executor.Tests.Core.LoopHarness;

namespace Drover.Executor.Tests.Core;

/// <summary>Health checks by Mesos' rules, with probes the test scripts and the fake clock.</summary>
public class HealthTests
{
    private static (LoopHarness H, ScriptedProbe Probe) Checked(TimeSpan grace, int failures = 3, TimeSpan? timeout = null, params bool[] script)
    {
        var probe = new ScriptedProbe().Script(script);
        var h = Start();
        h.Checks =
        [
            new HealthCheckDefinition
            {
                Name = "probe",
                Kind = HealthCheckKind.Command,
                Probe = probe,
                Delay = TimeSpan.FromSeconds(1),
                Interval = TimeSpan.FromSeconds(2),
                Timeout = timeout ?? TimeSpan.FromSeconds(5),
                Grace = grace,
                ConsecutiveFailures = failures,
            },
        ];
        h.Launch(CommandTask("t1"));
        return (h, probe);
    }

    private static List<TaskStatus> HealthUpdates(LoopHarness h) => [.. h.Sent.Where(s => s.HasHealthy)];

    [Fact]
    public void FirstProbe_WaitsForTheDelay_ThenRepeatsAtTheInterval()
    {
        var (h, probe) = Checked(TimeSpan.Zero, script: [true, true, true]);
        using var _ = h;

        h.Advance(TimeSpan.FromMilliseconds(990));
        Assert.Equal(0, probe.Attempts);
        h.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, probe.Attempts);
        h.Advance(TimeSpan.FromMilliseconds(1990));
        Assert.Equal(1, probe.Attempts);
        h.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(2, probe.Attempts);
    }

    [Fact]
    public void Successes_AreReportedOnce()
    {
        var (h, probe) = Checked(TimeSpan.Zero, script: [true, true, true, true]);
        using var _ = h;

        h.Advance(TimeSpan.FromSeconds(8), step: TimeSpan.FromMilliseconds(100));

        Assert.Equal(4, probe.Attempts);
        var healthy = Assert.Single(HealthUpdates(h));
        Assert.True(healthy.Healthy);
        Assert.Equal(TaskStatus.Types.Reason.TaskHealthCheckStatusUpdated, healthy.Reason);
        Assert.Equal(TaskState.TaskRunning, healthy.State);
    }

    [Fact]
    public void FailuresWithinTheGracePeriod_AreIgnored_LaterOnesCount()
    {
        // Probes at 1, 3 and 5 s; the grace period covers the first 4 s.
        var (h, probe) = Checked(TimeSpan.FromSeconds(4), failures: 1, script: [false, false, false]);
        using var _ = h;

        h.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(2, probe.Attempts);
        Assert.Empty(HealthUpdates(h));
        Assert.Empty(h.Processes.Of("t1").Signals);

        h.Advance(TimeSpan.FromSeconds(2));
        var unhealthy = Assert.Single(HealthUpdates(h));
        Assert.False(unhealthy.Healthy);
        Assert.Equal("COMMAND health check failed: down", unhealthy.Message);

        h.Exits("t1", signal: 15);
        Assert.Equal(TaskState.TaskKilled, h.Last("t1").State);
        Assert.True(h.Last("t1").HasHealthy && !h.Last("t1").Healthy, "the terminal update of a task its check killed says healthy = false");
    }

    [Fact]
    public void ConsecutiveFailures_KillTheTask_ASuccessResetsTheCount()
    {
        var (h, probe) = Checked(TimeSpan.Zero, failures: 3, script: [false, false, true, false, false, false]);
        using var _ = h;
        var process = h.Processes.Of("t1");

        h.Advance(TimeSpan.FromSeconds(10), step: TimeSpan.FromMilliseconds(100)); // five probes: 1, 3, 5, 7, 9 s
        Assert.Equal(5, probe.Attempts);
        Assert.Empty(process.Signals);

        h.Advance(TimeSpan.FromSeconds(2), step: TimeSpan.FromMilliseconds(100));
        Assert.Equal([Drover.Posix.Signals.SIGTERM], process.Signals);
        Assert.Equal([false, false, true, false, false, false], HealthUpdates(h).Select(u => u.Healthy));
    }

    [Fact]
    public async Task ProbePastItsTimeout_IsAFailure()
    {
        var (h, probe) = Checked(TimeSpan.Zero, failures: 1, timeout: TimeSpan.FromMilliseconds(500));
        using var _ = h;

        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, probe.Attempts);
        h.Advance(TimeSpan.FromMilliseconds(490));
        Assert.Empty(HealthUpdates(h));
        h.Advance(TimeSpan.FromMilliseconds(10));
        await h.UntilAsync(() => HealthUpdates(h).Count == 1, "the timed-out probe to count");

        Assert.Equal("COMMAND health check failed: Command has not returned after 500ms; aborting", Assert.Single(HealthUpdates(h)).Message);
    }

    [Fact]
    public async Task LateAnswer_OfAProbeInFlight_IsHandledWhenItComes()
    {
        var (h, probe) = Checked(TimeSpan.Zero);
        using var _ = h;

        h.Advance(TimeSpan.FromSeconds(1));
        probe.Answer(true);

        await h.UntilAsync(() => HealthUpdates(h).Count == 1, "the answer to be reported");
    }

    [Fact]
    public void ResultsWhileDisconnected_AreDropped()
    {
        var (h, probe) = Checked(TimeSpan.Zero, failures: 1, script: [false]);
        using var _ = h;

        h.Handle(new Drover.Executor.Core.SubscriptionClosed(h.Agent.Connection, "agent gone"));
        h.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, probe.Attempts);
        Assert.Empty(HealthUpdates(h));
        Assert.Empty(h.Processes.Of("t1").Signals);
    }

    [Fact]
    public void RestartedService_StartsItsChecksAfresh_AndAStaleResultIsDropped()
    {
        var probe = new ScriptedProbe();
        using var h = Start();
        h.Checks = [new HealthCheckDefinition { Name = "probe", Kind = HealthCheckKind.Custom, Probe = probe, Delay = TimeSpan.FromSeconds(1), Grace = TimeSpan.Zero, ConsecutiveFailures = 1 }];
        h.Launch(NodeTask("n1"));

        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, probe.Attempts);
        h.Exits("n1", code: 3); // crashes with a probe in flight
        probe.Answer(false, "late");
        h.Loop.HandlePending();
        Assert.Empty(HealthUpdates(h)); // the result of the dead incarnation is dropped

        probe.Script(true);
        h.Advance(TimeSpan.FromSeconds(1)); // restarted after 1 s
        h.Advance(TimeSpan.FromSeconds(1)); // its first probe 1 s later
        Assert.Equal(2, probe.Attempts);
        Assert.True(Assert.Single(HealthUpdates(h)).Healthy);
    }
}
