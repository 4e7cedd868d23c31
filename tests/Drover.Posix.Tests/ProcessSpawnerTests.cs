using Drover.Posix.Interop;
using Microsoft.Win32.SafeHandles;

namespace Drover.Posix.Tests;

public class ProcessSpawnerTests
{
    [Fact]
    public void Spawn_ArgvForm_ChildSeesExactlyTheGivenEnvironment()
    {
        var request = new SpawnRequest
        {
            Executable = "/usr/bin/env",
            Arguments = ["env"],
            Environment = [new("DROVER_A", "one two"), new("DROVER_B", "x=y"), new("EMPTY", "")],
            WorkingDirectory = "/",
        };

        (var output, var exit) = Children.Run(request);

        Assert.Equal(new ChildExit(exit.Pid, 0, null, false), exit);
        Assert.Equal(["DROVER_A=one two", "DROVER_B=x=y", "EMPTY="], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Spawn_ArgvForm_PassesArgumentsVerbatim()
    {
        var request = new SpawnRequest
        {
            Executable = "/usr/bin/printf",
            Arguments = ["printf", "[%s]\n", "a b", "", "$HOME", "'quoted'", "ünïcode"],
            WorkingDirectory = "/",
        };

        (var output, _) = Children.Run(request);

        Assert.Equal("[a b]\n[]\n[$HOME]\n['quoted']\n[ünïcode]\n", output);
    }

    [Fact]
    public void Spawn_ShellForm_RunsInWorkingDirectoryWithEnvironment()
    {
        using var dir = new TempDirectory();
        var request = SpawnRequest.Shell("echo \"$GREETING\"; pwd; ls", [new("GREETING", "hello"), new("PATH", "/usr/bin:/bin")], dir.Path);
        File.WriteAllText(dir.File("marker"), "");

        (var output, var exit) = Children.Run(request);

        Assert.Equal(0, exit.ExitCode);
        Assert.Equal($"hello\n{dir.Path}\nmarker\n", output);
    }

    [Fact]
    public void Spawn_BareName_IsLookedUpInTheChildsPathNotOurs()
    {
        using var dir = new TempDirectory();
        var script = dir.File("drover-test-tool");
        File.WriteAllText(script, "#!/bin/sh\necho found me\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var request = new SpawnRequest
        {
            Executable = "drover-test-tool",
            Arguments = ["drover-test-tool"],
            Environment = [new("PATH", "/nonexistent:" + dir.Path)],
            WorkingDirectory = "/",
        };
        (var output, _) = Children.Run(request);
        Assert.Equal("found me\n", output);

        // Our own PATH does not have it, and an environment without PATH gets execvp's default.
        var withoutPath = request with { Environment = [] };
        var error = Assert.Throws<ProcessSpawnException>(() => ProcessSpawner.Spawn(withoutPath));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Contains("'drover-test-tool'", error.Message, StringComparison.Ordinal);
        Assert.Contains("not found in PATH '/bin:/usr/bin'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Spawn_MissingExecutable_NamesItAndTheErrno()
    {
        var request = new SpawnRequest
        {
            Executable = "/usr/bin/drover-does-not-exist",
            Arguments = ["x"],
            WorkingDirectory = "/",
        };

        var error = Assert.Throws<ProcessSpawnException>(() => ProcessSpawner.Spawn(request));

        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Equal("/usr/bin/drover-does-not-exist", error.Executable);
        Assert.Equal("cannot start '/usr/bin/drover-does-not-exist': '/usr/bin/drover-does-not-exist' does not exist: No such file or directory (ENOENT)", error.Message);
        Assert.IsAssignableFrom<IOException>(error);
    }

    [Fact]
    public void Spawn_MissingWorkingDirectory_SaysSo()
    {
        var request = new SpawnRequest
        {
            Executable = "/bin/true",
            Arguments = ["true"],
            WorkingDirectory = "/nonexistent/drover",
        };

        var error = Assert.Throws<ProcessSpawnException>(() => ProcessSpawner.Spawn(request));

        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Equal("cannot start '/bin/true': working directory '/nonexistent/drover' does not exist: No such file or directory (ENOENT)", error.Message);
    }

    [Fact]
    public void Spawn_WorkingDirectoryIsAFile_SaysSo()
    {
        var request = new SpawnRequest { Executable = "/bin/true", Arguments = ["true"], WorkingDirectory = "/etc/hostname" };

        var error = Assert.Throws<ProcessSpawnException>(() => ProcessSpawner.Spawn(request));

        Assert.Equal(Errno.ENOTDIR, error.Errno);
        Assert.Contains("is not a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Spawn_NotExecutable_IsEacces()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("data"), "x");
        File.SetUnixFileMode(dir.File("data"), UnixFileMode.UserRead);

        var error = Assert.Throws<ProcessSpawnException>(() => ProcessSpawner.Spawn(
            new SpawnRequest { Executable = dir.File("data"), Arguments = ["data"], WorkingDirectory = "/" }));
        // As root, access(X_OK) is granted only when some execute bit is set, so this holds for root too.
        Assert.Equal(Errno.EACCES, error.Errno);

        var directory = Assert.Throws<ProcessSpawnException>(() => ProcessSpawner.Spawn(
            new SpawnRequest { Executable = "/usr", Arguments = ["usr"], WorkingDirectory = "/" }));
        Assert.Equal(Errno.EACCES, directory.Errno);
    }

    [Fact]
    public void Spawn_ExecFailureInTheChild_ComesBackAsPosixSpawnsReturnCode()
    {
        // Executable bit set, but neither ELF nor "#!": only execve in the child can find out (ENOEXEC),
        // and glibc's CLONE_VFORK spawn hands that errno back to the parent.
        using var dir = new TempDirectory();
        var junk = dir.File("junk");
        File.WriteAllBytes(junk, [0x00, 0x01, 0x02, 0x03, 0xff, 0xfe]);
        File.SetUnixFileMode(junk, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var error = Assert.Throws<ProcessSpawnException>(() => Children.Spawn(
            new SpawnRequest { Executable = junk, Arguments = ["junk"], WorkingDirectory = dir.Path }));

        Assert.Equal(Errno.ENOEXEC, error.Errno);
        Assert.Contains($"exec of '{junk}' in '{dir.Path}' failed: Exec format error (ENOEXEC)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Spawn_BadRequests_AreArgumentErrors()
    {
        var good = new SpawnRequest { Executable = "/bin/true", Arguments = ["true"], WorkingDirectory = "/" };

        Assert.Throws<ArgumentException>(() => ProcessSpawner.Spawn(good with { Arguments = [] }));
        Assert.Throws<ArgumentException>(() => ProcessSpawner.Spawn(good with { Arguments = ["true", "a\0b"] }));
        Assert.Throws<ArgumentException>(() => ProcessSpawner.Spawn(good with { Environment = [new("A=B", "c")] }));
        Assert.Throws<ArgumentException>(() => ProcessSpawner.Spawn(good with { Environment = [new("", "c")] }));
        Assert.Throws<ArgumentException>(() => ProcessSpawner.Spawn(good with { Environment = [new("A", "c\0")] }));
        Assert.Throws<ArgumentException>(() => ProcessSpawner.Spawn(good with { Executable = "" }));
        Assert.Throws<ArgumentException>(() => ProcessSpawner.Spawn(good with { WorkingDirectory = "" }));
    }

    [Fact]
    public void Spawn_NewSession_MakesTheChildLeaderOfSessionAndGroup()
    {
        var child = Children.Spawn(Children.Shell("exec sleep 1000"));
        try
        {
            var info = ProcessTree.Read(child.Pid);
            Assert.Equal(child.Pid, child.ProcessGroupId);
            Assert.Equal(child.Pid, info.ProcessGroupId);
            Assert.Equal(child.Pid, info.SessionId);
            Assert.Equal(Environment.ProcessId, info.ParentPid);
        }
        finally
        {
            Children.KillGroup(child.ProcessGroupId);
        }
    }

    [Fact]
    public void Spawn_WithoutNewSession_StaysInOurGroup()
    {
        var child = Children.Spawn(Children.Shell("exec sleep 1000") with { NewSession = false });
        try
        {
            var me = ProcessTree.Read(Environment.ProcessId);
            var info = ProcessTree.Read(child.Pid);
            Assert.Equal(me.ProcessGroupId, child.ProcessGroupId);
            Assert.Equal(me.ProcessGroupId, info.ProcessGroupId);
            Assert.Equal(me.SessionId, info.SessionId);
        }
        finally
        {
            Signals.Send(child.Pid, Signals.SIGKILL);
            TestReaper.WaitForExit(child.Pid);
        }
    }

    [Fact]
    public void Spawn_ChildStartsWithNoBlockedOrIgnoredSignals()
    {
        // The .NET runtime ignores SIGPIPE in this process; the child must not inherit that.
        Assert.NotEqual(0UL, StatusMask(File.ReadAllText("/proc/self/status"), "SigIgn") & (1UL << (Signals.SIGPIPE - 1)));

        (var output, _) = Children.Run(Children.Shell("exec cat /proc/self/status"));

        Assert.Equal(0UL, StatusMask(output, "SigIgn"));
        Assert.Equal(0UL, StatusMask(output, "SigBlk"));
    }

    [Fact]
    public unsafe void Spawn_ChildGetsOnlyStdio_EvenFdsOpenedWithoutCloexec()
    {
        int leaky;
        fixed (byte* path = "/etc/hostname\0"u8)
        {
            leaky = Libc.open(path, Libc.O_RDONLY, 0); // deliberately without O_CLOEXEC
        }

        Assert.True(leaky >= 3);
        try
        {
            // ls opens the directory it lists as fd 3: the list must be exactly 0 1 2 3.
            (var output, _) = Children.Run(Children.Shell("exec ls /proc/self/fd"));
            Assert.Equal(["0", "1", "2", "3"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            _ = Libc.close(leaky);
        }
    }

    [Fact]
    public void Spawn_StdinPipe_FeedsTheChild()
    {
        var child = Children.Spawn(Children.Shell("exec tr a-z A-Z", StdioTarget.Pipe) with { Stdin = StdioTarget.Pipe });
        using (var stdin = new FileStream(child.StdinWrite!, FileAccess.Write, 1))
        {
            stdin.Write("hello pipe\n"u8);
        }

        Assert.Equal("HELLO PIPE\n", Children.ReadToEnd(child.StdoutRead!));
        Assert.Equal(0, TestReaper.WaitForExit(child.Pid).ExitCode);
        Assert.Null(child.StderrRead);
    }

    [Fact]
    public void Spawn_FileTargets_AppendOrTruncate()
    {
        using var dir = new TempDirectory();
        var log = dir.File("out.log");
        File.WriteAllText(log, "old\n");

        Run(Children.Shell("echo one; echo err >&2", StdioTarget.File(log, append: true)) with { Stderr = StdioTarget.File(log, append: true) });
        Assert.Equal("old\none\nerr\n", File.ReadAllText(log));

        Run(Children.Shell("echo two", StdioTarget.File(log, append: false)));
        Assert.Equal("two\n", File.ReadAllText(log));

        File.WriteAllText(dir.File("in.txt"), "from a file\n");
        var child = Children.Spawn(Children.Shell("exec cat", StdioTarget.Pipe) with { Stdin = StdioTarget.File(dir.File("in.txt")) });
        Assert.Equal("from a file\n", Children.ReadToEnd(child.StdoutRead!));
        TestReaper.WaitForExit(child.Pid);

        static void Run(SpawnRequest request) => TestReaper.WaitForExit(Children.Spawn(request).Pid);
    }

    [Fact]
    public void Spawn_UnwritableStdoutFile_NamesTheFile()
    {
        var error = Assert.Throws<ProcessSpawnException>(() => ProcessSpawner.Spawn(
            Children.Shell("true", StdioTarget.File("/nonexistent/dir/out.log"))));

        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Contains("cannot open stdout file '/nonexistent/dir/out.log'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public unsafe void Spawn_SharedHandle_CombinesStdoutAndStderr()
    {
        var fds = stackalloc int[2];
        Assert.Equal(0, Libc.pipe2(fds, Libc.O_CLOEXEC));
        using var read = new SafeFileHandle(fds[0], ownsHandle: true);
        SpawnedProcess child;
        using (var write = new SafeFileHandle(fds[1], ownsHandle: true))
        {
            child = Children.Spawn(Children.Shell("echo out; echo err >&2; echo out2") with
            {
                Stdout = StdioTarget.FromHandle(write),
                Stderr = StdioTarget.FromHandle(write),
            });
        }

        Assert.Equal("out\nerr\nout2\n", Children.ReadToEnd(read));
        Assert.Equal(0, TestReaper.WaitForExit(child.Pid).ExitCode);
    }

    [Fact]
    public void Spawn_RelativeExecutable_IsResolvedInTheWorkingDirectory()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("bin"));
        File.WriteAllText(dir.File("bin/tool"), "#!/bin/sh\npwd\n");
        File.SetUnixFileMode(dir.File("bin/tool"), UnixFileMode.UserRead | UnixFileMode.UserExecute);

        (var output, _) = Children.Run(new SpawnRequest { Executable = "./bin/tool", Arguments = ["tool"], WorkingDirectory = dir.Path });

        Assert.Equal(dir.Path + "\n", output);
    }

    private static ulong StatusMask(string status, string field)
    {
        var line = status.Split('\n').Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return Convert.ToUInt64(line[(field.Length + 1)..].Trim(), 16);
    }
}
