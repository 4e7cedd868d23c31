using Drover.Testing;

namespace Drover.Posix.Tests;

public class ProcessStatsTests
{
    [Fact]
    public void ForProcess_Self_HasThreadsMemoryAndDescriptors()
    {
        var me = ProcessStats.ForProcess(Environment.ProcessId);

        Assert.Equal(1, me.Processes);
        Assert.True(me.Threads > 1);
        Assert.True(me.RssBytes > 10 * 1024 * 1024);
        Assert.True(me.OpenFileDescriptors > 3);
        Assert.True(me.CpuSeconds > 0);
        Assert.Equal(100, ProcessStats.ClockTicksPerSecond);
    }

    [Fact]
    public void ForTreeAndGroup_CountEveryMember()
    {
        var service = Children.Spawn(Children.Shell("sleep 1000 & sleep 1000 & wait"));
        try
        {
            Eventually.True(() => ProcessStats.ForTree(service.Pid).Processes == 3, "the shell and both sleeps run");
            var tree = ProcessStats.ForTree(service.Pid);
            var group = ProcessStats.ForProcessGroup(service.ProcessGroupId);

            Assert.Equal(3, group.Processes);
            Assert.Equal(3, tree.Threads);
            Assert.Equal(9, tree.OpenFileDescriptors); // 0, 1, 2 each
            Assert.True(tree.RssBytes > 0);

            // Both sums cover the same three processes, but they are read one after the other, and a sleep that has
            // just been exec'd may still be faulting its pages in between: the sums agree once the members are still.
            Eventually.True(
                () => ProcessStats.ForTree(service.Pid).RssBytes == ProcessStats.ForProcessGroup(service.ProcessGroupId).RssBytes,
                "the tree's and the group's RSS are the same sum");
        }
        finally
        {
            Children.KillGroup(service.ProcessGroupId);
        }
    }

    [Fact]
    public void ForProcesses_CountsCpuTimeAndSkipsTheGone()
    {
        var busy = Children.Spawn(Children.Shell("while :; do :; done"));
        try
        {
            Eventually.True(() => ProcessStats.ForProcess(busy.Pid).CpuSeconds >= 0.05, "the busy loop used CPU");

            var usage = ProcessStats.ForProcesses([busy.Pid, 4_000_001, -1]);
            Assert.Equal(1, usage.Processes);
        }
        finally
        {
            Children.KillGroup(busy.ProcessGroupId);
        }

        Assert.Equal(default, ProcessStats.ForTree(4_000_001));
        Assert.Equal(default, ProcessStats.ForProcessGroup(4_000_001));
    }
}
