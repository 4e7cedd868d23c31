using System.Collections.Concurrent;
using System.Text;
using Drover.Testing;
using Microsoft.Win32.SafeHandles;

namespace Drover.Posix.Tests;

/// <summary>
/// The one reaper of the test host. The test host enables the subreaper role and runs ChildReaper, as the
/// executor does: harmless here, because neither xunit nor the VSTest host starts child processes of its
/// own inside the test process (ReaperTests checks that no SIGCHLD handler is installed, which
/// System.Diagnostics.Process would have done), and orphans of our tests then land with us instead of init.
/// </summary>
internal static class TestReaper
{
    private static readonly ConcurrentDictionary<int, TaskCompletionSource<ChildExit>> Exits = new();
    private static readonly Lazy<bool> Started = new(Start);

    public static void EnsureStarted() => _ = Started.Value;

    /// <summary>Waits for the reaper to report <paramref name="pid"/>; fails the test after the deadline.</summary>
    public static ChildExit WaitForExit(int pid, int timeoutSeconds = 20)
    {
        EnsureStarted();
        var exit = Exits.GetOrAdd(pid, _ => NewSource()).Task;
        if (!exit.Wait(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            throw new TimeoutException($"pid {pid} was not reaped within {timeoutSeconds} s");
        }

        Exits.TryRemove(pid, out _);
        return exit.Result;
    }

    public static bool HasExited(int pid) =>
        Exits.TryGetValue(pid, out var source) && source.Task.IsCompleted;

    private static bool Start()
    {
        Assert.True(ChildReaper.EnableSubreaper());
        ChildReaper.Start(exit =>
        {
            // As the executor does: children of CommandRunner/ExitWaiters first, the rest to the tests.
            if (!ExitWaiters.TryDeliver(exit))
            {
                Exits.GetOrAdd(exit.Pid, _ => NewSource()).TrySetResult(exit);
            }
        });
        return true;
    }

    private static TaskCompletionSource<ChildExit> NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("drover-posix-").FullName;
    }

    /// <summary>A directory in RAM (/dev/shm) for tests that create and delete thousands of files.</summary>
    public static TempDirectory InMemory() => new(Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath());

    private TempDirectory(string root)
    {
        Path = Directory.CreateDirectory(System.IO.Path.Combine(root, "drover-posix-" + Guid.NewGuid().ToString("N"))).FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A test child may still be writing; the OS temp cleaner gets it.
        }
    }
}

internal static class Children
{
    public static readonly KeyValuePair<string, string>[] BaseEnvironment = [new("PATH", "/usr/bin:/bin")];

    public static SpawnRequest Shell(string command, StdioTarget? stdout = null, string? workingDirectory = null) =>
        SpawnRequest.Shell(command, BaseEnvironment, workingDirectory ?? "/") with
        {
            Stdout = stdout ?? StdioTarget.Null,
            Stderr = StdioTarget.Null,
        };

    /// <summary>Spawns (after making sure the reaper runs).</summary>
    public static SpawnedProcess Spawn(SpawnRequest request)
    {
        TestReaper.EnsureStarted();
        return ProcessSpawner.Spawn(request);
    }

    /// <summary>Runs to completion and returns stdout and the exit.</summary>
    public static (string Output, ChildExit Exit) Run(SpawnRequest request)
    {
        var child = Spawn(request with { Stdout = StdioTarget.Pipe });
        var output = ReadToEnd(child.StdoutRead!);
        return (output, TestReaper.WaitForExit(child.Pid));
    }

    public static string ReadToEnd(SafeFileHandle handle)
    {
        using var stream = new FileStream(handle, FileAccess.Read, 1);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public static string ReadLine(SafeFileHandle handle)
    {
        // Byte by byte, so nothing after the line is consumed from the pipe.
        var line = new StringBuilder();
        Span<byte> one = stackalloc byte[1];
        while (RandomAccessRead(handle, one) == 1 && one[0] != (byte)'\n')
        {
            line.Append((char)one[0]);
        }

        return line.ToString();
    }

    /// <summary>Kills a process group and waits until nothing of it is left (members are reaped by us).</summary>
    public static void KillGroup(int processGroupId)
    {
        _ = Signals.SendToGroup(processGroupId, Signals.SIGKILL);
        Eventually.True(() => !Signals.GroupExists(processGroupId), $"group {processGroupId} is gone");
    }

    private static unsafe int RandomAccessRead(SafeFileHandle handle, Span<byte> buffer)
    {
        fixed (byte* bytes = buffer)
        {
            return (int)Interop.Libc.read((int)handle.DangerousGetHandle(), bytes, (nuint)buffer.Length);
        }
    }
}
