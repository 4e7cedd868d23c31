using Drover.Testing;

namespace Drover.Posix.Tests;

/// <summary>Tests that need the whole test process to themselves: they run after the parallel ones, alone.</summary>
[CollectionDefinition(nameof(SerialTests), DisableParallelization = true)]
public class SerialCollection;

[Collection(nameof(SerialTests))]
public class SerialTests
{
    [Fact]
    public void Reaper_AfterAllChildrenAreGone_SleepsAndStillReapsTheNextSpawn()
    {
        TestReaper.EnsureStarted();
        // Nothing else runs now: whatever children are left belong to finished tests.
        ProcessTree.KillAll(Environment.ProcessId, Signals.SIGKILL, includeRoot: false);
        Eventually.True(() => ChildReaper.IsIdle, "the reaper has no children and sleeps");

        var child = Children.Spawn(Children.Shell("exit 7"));

        Assert.Equal(7, TestReaper.WaitForExit(child.Pid).ExitCode);
        Eventually.True(() => ChildReaper.IsIdle, "the reaper sleeps again");
    }
}
