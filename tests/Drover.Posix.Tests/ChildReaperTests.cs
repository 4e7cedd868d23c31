namespace Drover.Posix.Tests;

public class ChildReaperTests
{
    [Fact]
    public void Reaper_ReportsExitCode()
    {
        var child = Children.Spawn(Children.Shell("exit 3"));

        Assert.Equal(new ChildExit(child.Pid, 3, null, false), TestReaper.WaitForExit(child.Pid));
    }

    [Fact]
    public void Reaper_ReportsTerminatingSignal()
    {
        var child = Children.Spawn(Children.Shell("kill -TERM $$; sleep 5"));

        var exit = TestReaper.WaitForExit(child.Pid);

        Assert.Equal(new ChildExit(child.Pid, null, Signals.SIGTERM, false), exit);
        Assert.Equal("killed by SIGTERM", exit.Describe());
    }

    [Fact]
    public void Reaper_ReportsEveryOneOfManyConcurrentExits()
    {
        var pids = Enumerable.Range(0, 40)
            .Select(i => Children.Spawn(Children.Shell($"exit {i}")).Pid)
            .ToList();

        for (var i = 0; i < pids.Count; i++)
        {
            Assert.Equal(i, TestReaper.WaitForExit(pids[i]).ExitCode);
        }
    }

    [Fact]
    public void Reaper_ThisProcessIsASubreaperAndTheRuntimeDoesNotCatchSigchld()
    {
        TestReaper.EnsureStarted();
        Assert.True(ChildReaper.IsSubreaper);
        Assert.True(ChildReaper.IsStarted);

        // No SIGCHLD handler: neither the runtime nor the test host (via System.Diagnostics.Process) installed
        // one, so nothing but our reaper waits for children (see ChildReaper's remarks).
        var status = File.ReadAllText("/proc/self/status");
        var caught = status.Split('\n').Single(l => l.StartsWith("SigCgt:", StringComparison.Ordinal))[7..].Trim();
        Assert.Equal(0UL, Convert.ToUInt64(caught, 16) & (1UL << (Signals.SIGCHLD - 1)));
    }

    [Fact]
    public void Start_Twice_Throws()
    {
        TestReaper.EnsureStarted();

        Assert.Throws<InvalidOperationException>(() => ChildReaper.Start(_ => { }));
    }

    [Theory]
    [InlineData(0x0000, 0, null, false)]      // exit 0
    [InlineData(0x0300, 3, null, false)]      // exit 3
    [InlineData(0xff00, 255, null, false)]    // exit 255
    [InlineData(0x0009, null, 9, false)]      // SIGKILL
    [InlineData(0x008b, null, 11, true)]      // SIGSEGV, core dumped
    [InlineData(0x0086, null, 6, true)]       // SIGABRT, core dumped
    public void FromWaitStatus_DecodesLikeTheWaitMacros(int status, int? code, int? signal, bool core)
    {
        Assert.Equal(new ChildExit(42, code, signal, core), ChildExit.FromWaitStatus(42, status));
    }

    [Fact]
    public void Describe_NamesCodeAndSignal()
    {
        Assert.Equal("exited with code 0", new ChildExit(1, 0, null, false).Describe());
        Assert.Equal("killed by SIGSEGV (core dumped)", new ChildExit(1, null, 11, true).Describe());
    }
}
