using Drover.Posix.Interop;
using Drover.Testing;
using Microsoft.Win32.SafeHandles;

namespace Drover.Posix.Tests;

public class OrphanGuardTests
{
    [Fact]
    public void Script_IsValidPosixSh()
    {
        (var output, var exit) = Children.Run(new SpawnRequest
        {
            Executable = "/bin/sh",
            Arguments = ["sh", "-n", "-c", OrphanGuard.Script],
            WorkingDirectory = "/",
            Stderr = StdioTarget.Inherit,
        });

        Assert.Equal(0, exit.ExitCode);
        Assert.Empty(output);
    }

    [Fact]
    public void Script_KillsExactlyTheGroupsStillListed_AndNeverGroupZeroOrOne()
    {
        // kill is a regular builtin, so a function of that name replaces it: the script runs for real but only
        // prints what it would signal. "kill -0" reports the group gone, so there is no retry round. The group
        // ids are above pid_max, so even a real kill would hit nothing.
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("commands"), "add 1\nadd 0\nadd -7\nadd 12x\nadd\nfrob 4000008\nadd 4000005\nadd 4000006\nadd 4000077\ndel 4000005\ndel 4000077\nadd 4000009\n");
        var fake = "kill() { echo \"kill $*\"; [ \"$1\" != -0 ]; }\n";

        (var output, var exit) = Children.Run(new SpawnRequest
        {
            Executable = "/bin/sh",
            Arguments = ["sh", "-c", fake + OrphanGuard.Script],
            WorkingDirectory = "/",
            Stdin = StdioTarget.File(dir.File("commands")),
        });

        Assert.Equal(0, exit.ExitCode);
        Assert.Equal("kill -KILL -4000006\nkill -KILL -4000009\nkill -0 -4000006\nkill -0 -4000009\n", output);
    }

    [Fact]
    public void Script_WithNothingListed_ExitsWithoutKilling()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("commands"), "add 4000005\ndel 4000005\n");

        (var output, var exit) = Children.Run(new SpawnRequest
        {
            Executable = "/bin/sh",
            Arguments = ["sh", "-c", "kill() { echo \"kill $*\"; }\n" + OrphanGuard.Script],
            WorkingDirectory = "/",
            Stdin = StdioTarget.File(dir.File("commands")),
        });

        Assert.Equal(0, exit.ExitCode);
        Assert.Empty(output);
    }

    [Fact]
    public void Script_RetriesGroupsThatStillHaveMembers_ThenGivesUp()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("commands"), "add 4000005\n");

        (var output, var exit) = Children.Run(new SpawnRequest
        {
            Executable = "/bin/sh",
            Arguments = ["sh", "-c", "kill() { echo \"kill $*\"; }\n" + OrphanGuard.Script],
            WorkingDirectory = "/",
            Stdin = StdioTarget.File(dir.File("commands")),
        });

        Assert.Equal(0, exit.ExitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + (2 * OrphanGuard.RetryRounds), lines.Length);
        Assert.Equal(1 + OrphanGuard.RetryRounds, lines.Count(l => l == "kill -KILL -4000005"));
    }

    [Fact]
    public void OwnerDeath_KillsListedGroupsWithTheirGrandchildren_AndSparesTheOthers()
    {
        TestReaper.EnsureStarted();
        using var guard = OrphanGuard.Start();
        var watchdog = guard.WatchdogPid;
        // Services started after the guard: had they inherited its pipe, its end of file would never come.
        var listed = Children.Spawn(Children.Shell("sleep 1000 & sleep 1000 & wait"));
        var removed = Children.Spawn(Children.Shell("exec sleep 1000"));
        var unlisted = Children.Spawn(Children.Shell("exec sleep 1000"));
        try
        {
            Eventually.True(() => ProcessTree.GroupMembers(listed.ProcessGroupId).Count == 3, "the listed service has its grandchildren");
            guard.Add(listed.ProcessGroupId);
            guard.Add(removed.ProcessGroupId);
            guard.Remove(removed.ProcessGroupId);
            Assert.Equal([listed.ProcessGroupId], guard.Groups);

            guard.SimulateOwnerDeath();

            Assert.Equal(Signals.SIGKILL, TestReaper.WaitForExit(listed.Pid).Signal);
            Eventually.True(() => !Signals.GroupExists(listed.ProcessGroupId), "the listed group is gone");
            Assert.Equal(0, TestReaper.WaitForExit(watchdog).ExitCode);
            Assert.True(Signals.GroupExists(removed.ProcessGroupId));
            Assert.True(Signals.GroupExists(unlisted.ProcessGroupId));
        }
        finally
        {
            Children.KillGroup(removed.ProcessGroupId);
            Children.KillGroup(unlisted.ProcessGroupId);
        }
    }

    [Fact]
    public void Dispose_LetsTheWatchdogExitWithoutKilling()
    {
        TestReaper.EnsureStarted();
        var guard = new OrphanGuard();
        var watchdog = guard.WatchdogPid;
        var service = Children.Spawn(Children.Shell("exec sleep 1000"));
        try
        {
            guard.Add(service.ProcessGroupId);
            Assert.True(guard.IsAlive);

            guard.Dispose();

            Assert.Equal(0, TestReaper.WaitForExit(watchdog).ExitCode);
            Assert.False(guard.IsAlive);
            Assert.True(Signals.GroupExists(service.ProcessGroupId));
            Assert.Throws<ObjectDisposedException>(() => guard.Add(service.ProcessGroupId));
        }
        finally
        {
            Children.KillGroup(service.ProcessGroupId);
        }
    }

    [Fact]
    public void Restart_AfterTheWatchdogWasKilled_ReplaysTheGroups()
    {
        TestReaper.EnsureStarted();
        using var guard = new OrphanGuard();
        var service = Children.Spawn(Children.Shell("exec sleep 1000"));
        guard.Add(service.ProcessGroupId);
        var first = guard.WatchdogPid;

        Assert.True(Signals.Send(first, Signals.SIGKILL));
        Assert.Equal(Signals.SIGKILL, TestReaper.WaitForExit(first).Signal);
        Assert.False(guard.IsAlive);
        guard.Add(service.ProcessGroupId + 0); // idempotent, and no error although nobody reads the pipe

        Assert.Same(guard, guard.Restart());
        Assert.NotEqual(first, guard.WatchdogPid);
        Assert.True(guard.IsAlive);

        var second = guard.WatchdogPid;
        guard.SimulateOwnerDeath();
        Assert.Equal(Signals.SIGKILL, TestReaper.WaitForExit(service.Pid).Signal);
        Assert.Equal(0, TestReaper.WaitForExit(second).ExitCode);
    }

    [Fact]
    public async Task TheGuardsPipe_IsNotInheritedByServices()
    {
        TestReaper.EnsureStarted();
        using var guard = new OrphanGuard();
        var service = Children.Spawn(Children.Shell("exec sleep 1000"));
        try
        {
            var ourEnd = FdTarget(Environment.ProcessId, guard.PipeForTests);
            Assert.StartsWith("pipe:[", ourEnd, StringComparison.Ordinal);
            string[] theirs = [];
            // While sh execs sleep, the dynamic loader briefly holds libc.so open: wait for the settled set,
            // and check at every look that our pipe is never among them.
            await Drover.Testing.Eventually.TrueAsync(() =>
            {
                theirs = Directory.GetFileSystemEntries($"/proc/{service.Pid}/fd")
                    .Select(link => new FileInfo(link).LinkTarget ?? "")
                    .ToArray();
                Assert.DoesNotContain(ourEnd, theirs);
                return theirs.Length == 3;
            }, "the service to hold only stdin, stdout and stderr (it holds " + string.Join(", ", theirs) + ")");
        }
        finally
        {
            Children.KillGroup(service.ProcessGroupId);
        }
    }

    [Fact]
    public unsafe void WatchdogScript_WhenTheOwningProcessIsSigkilled_KillsTheGroups()
    {
        // The real thing with a real SIGKILL: the watchdog's pipe write end is held only by an "owner" process
        // (a shell that announces a group, then sleeps). Killing the owner closes the pipe in the kernel.
        TestReaper.EnsureStarted();
        var service = Children.Spawn(Children.Shell("sleep 1000 & exec sleep 1000"));
        var fds = stackalloc int[2];
        Assert.Equal(0, Libc.pipe2(fds, Libc.O_CLOEXEC));
        SpawnedProcess watchdog;
        SpawnedProcess owner;
        using (var read = new SafeFileHandle(fds[0], ownsHandle: true))
        using (var write = new SafeFileHandle(fds[1], ownsHandle: true))
        {
            watchdog = Children.Spawn(new SpawnRequest
            {
                Executable = "/bin/sh",
                Arguments = ["sh", "-c", OrphanGuard.Script],
                WorkingDirectory = "/",
                Stdin = StdioTarget.FromHandle(read),
            });
            owner = Children.Spawn(Children.Shell($"echo add junk; echo add {service.ProcessGroupId}; exec sleep 1000") with
            {
                Stdout = StdioTarget.FromHandle(write),
            });
        }

        Eventually.True(() => ProcessTree.Read(owner.Pid).Command == "sleep", "the owner has announced its group");
        Assert.True(Signals.GroupExists(service.ProcessGroupId));
        Assert.True(Signals.Send(owner.Pid, Signals.SIGKILL));

        Assert.Equal(Signals.SIGKILL, TestReaper.WaitForExit(owner.Pid).Signal);
        Assert.Equal(0, TestReaper.WaitForExit(watchdog.Pid).ExitCode);
        Assert.Equal(Signals.SIGKILL, TestReaper.WaitForExit(service.Pid).Signal);
        Eventually.True(() => !Signals.GroupExists(service.ProcessGroupId), "the service group is gone");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-4)]
    public void Add_RefusesGroupsThatWouldMeanEverything(int pgid)
    {
        TestReaper.EnsureStarted();
        using var guard = new OrphanGuard();

        Assert.Throws<ArgumentOutOfRangeException>(() => guard.Add(pgid));
    }

    private static string FdTarget(int pid, SafeFileHandle handle) =>
        new FileInfo($"/proc/{pid}/fd/{handle.DangerousGetHandle()}").LinkTarget!;
}
