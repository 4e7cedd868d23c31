using System.Diagnostics;
using System.Globalization;
using Drover.Scheduler.EndToEnd.Tests.Support;
using Drover.Testing;
using Drover.Testing.Programs;
using Drover.Testing.ZooKeeper;
using Xunit.Abstractions;

namespace Drover.Scheduler.EndToEnd.Tests;

/// <summary>
/// The leading drover-scheduler loses ZooKeeper for good (its only server killed): it cannot know whether it still
/// leads, so it stops and exits non-zero for the standby or a restart to continue from the last commit. Without a
/// master either (nothing listens at its address), which is the state a scheduler was seen spinning in.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ZooKeeperLossTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task ZooKeeperKilled_TheLeaderExitsNonZero_WithinTheSessionTimeout_WithoutSpinning()
    {
        await using var zooKeeper = await ZooKeeperServer.StartStandaloneAsync();
        await using var scheduler = SchedulerProcess.Start("leader",
        [
            "--master", $"127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}",
            "--zk", zooKeeper.ConnectString,
            "--framework", "zk-loss-" + Guid.NewGuid().ToString("N")[..8],
            "--zk-session-timeout", $"{SessionTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}secs",
            "--executor-uri", "file:///opt/drover/drover-executor-0.1.0-linux-x64.tar.gz",
            "--principal", "drover",
        ]);
        await scheduler.WaitForLogAsync("leading framework");

        var cpuBefore = ProcessCpu.Seconds(scheduler.Pid) ?? throw new InvalidOperationException("the scheduler is gone already");
        var clock = Stopwatch.StartNew();
        zooKeeper.Kill();

        // Its CPU time is sampled until it exits (the last sample is what it used, bar its last moments).
        var cpuLast = cpuBefore;
        var bound = (SessionTimeout * 2) + TimeSpan.FromSeconds(15);
        while (!scheduler.HasExited && clock.Elapsed < bound)
        {
            cpuLast = ProcessCpu.Seconds(scheduler.Pid) ?? cpuLast;
            await Task.WhenAny(scheduler.Exited, Task.Delay(100));
        }

        Assert.True(scheduler.HasExited, $"still running {clock.Elapsed.TotalSeconds:0.0} s after ZooKeeper was killed (session timeout {SessionTimeout.TotalSeconds} s):\n{scheduler.Tail()}");
        var wall = clock.Elapsed;
        Assert.Equal(1, await scheduler.Exited);
        // Either way out is right, whichever comes first: the session watch (no server for the session timeout), or
        // a write of the loop failing on the lost connection (the store is the truth: the loop stops). Both say why.
        Assert.Matches("ERROR .*(no ZooKeeper server reachable for the session timeout|ZooKeeper|store)", scheduler.Output);
        var cpu = cpuLast - cpuBefore;
        output.WriteLine($"exited {wall.TotalSeconds:0.0} s after ZooKeeper was killed (session timeout {SessionTimeout.TotalSeconds} s), {cpu:0.00} s of CPU meanwhile");
        Assert.True(cpu < (wall.TotalSeconds * 0.25) + 0.5, $"{cpu:0.00} s of CPU in the {wall.TotalSeconds:0.0} s between the kill and the exit:\n{scheduler.Tail()}");
    }
}
