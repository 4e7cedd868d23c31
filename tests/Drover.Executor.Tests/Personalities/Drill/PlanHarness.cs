using Drover.Executor.Personalities;
using Drover.Posix;
using Drover.Testing;
using Drover.V1;
using Signals = Drover.Posix.Signals;

namespace Drover.Executor.Tests.Personalities.Drill;

/// <summary>A sandbox in a temp directory and the personality context for it.</summary>
internal sealed class TestSandbox : IDisposable
{
    public TestSandbox()
    {
        Path = Directory.CreateTempSubdirectory("drover-personality-").FullName;
    }

    public string Path { get; }

    public PersonalityContext Context(NodeSpec node, IReadOnlyDictionary<string, int> ports, string host = "127.0.0.1") => new(
        node,
        ports,
        Path,
        System.IO.Path.Combine(Path, "drover"),
        System.IO.Path.Combine(Path, "data"),
        host,
        "task-" + node.Node,
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["HOME"] = Path,
            ["LANG"] = "C.UTF-8",
        },
        static _ => null);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Temp files of a test: harmless if they stay.
        }
    }
}

/// <summary>
/// A plan run as the executor runs it, minus the executor: files and directories written, the service
/// spawned with ProcessSpawner in its own process group with the merged environment, its output in files.
/// The test host does not reap (System.Diagnostics.Process owns SIGCHLD here), so an exited service stays
/// a zombie until the test host ends: <see cref="HasExited"/> reads that from /proc.
/// </summary>
internal sealed class RunningPlan : IAsyncDisposable
{
    private readonly ServicePlan _plan;

    private RunningPlan(ServicePlan plan, SpawnedProcess process, string stdout, string stderr)
    {
        _plan = plan;
        Process = process;
        StdoutPath = stdout;
        StderrPath = stderr;
    }

    public SpawnedProcess Process { get; }

    public string StdoutPath { get; }

    public string StderrPath { get; }

    public bool HasExited => !ProcessTree.TryRead(Process.Pid, out var info) || info.IsZombie;

    /// <summary>The service's output so far, for failure messages.</summary>
    public string Output => $"stdout:\n{Read(StdoutPath)}\nstderr:\n{Read(StderrPath)}";

    public static RunningPlan Start(ServicePlan plan, PersonalityContext context)
    {
        Write(plan, context);
        var environment = new Dictionary<string, string>(context.Environment, StringComparer.Ordinal);
        foreach (var (name, value) in plan.Environment)
        {
            environment[name] = value;
        }

        var stdout = Path.Combine(context.Sandbox, "stdout");
        var stderr = Path.Combine(context.Sandbox, "stderr");
        var process = ProcessSpawner.Spawn(new SpawnRequest
        {
            Executable = plan.Executable,
            Arguments = plan.Arguments,
            Environment = [.. environment],
            WorkingDirectory = plan.WorkingDirectory ?? context.Sandbox,
            Stdout = StdioTarget.File(stdout),
            Stderr = StdioTarget.File(stderr),
        });
        return new RunningPlan(plan, process, stdout, stderr);
    }

    /// <summary>What the executor writes before the start: directories, then files under the config directory.</summary>
    public static void Write(ServicePlan plan, PersonalityContext context)
    {
        foreach (var directory in plan.Directories)
        {
            Directory.CreateDirectory(directory);
        }

        foreach (var file in plan.Files)
        {
            var path = Path.Combine(context.ConfigDirectory, file.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Content);
            if (OperatingSystem.IsLinux()) // the stand-ins are Linux-only; the guard keeps CA1416 quiet
            {
                File.SetUnixFileMode(path, file.Mode);
            }
        }
    }

    public Task WaitForExitAsync(string what) =>
        Eventually.TrueAsync(() => HasExited, $"{what} (pid {Process.Pid}) to exit; {Output}");

    public async ValueTask DisposeAsync()
    {
        Signals.SendToGroup(Process.ProcessGroupId, Signals.SIGCONT);
        Signals.SendToGroup(Process.ProcessGroupId, Signals.SIGKILL);
        foreach (var resource in _plan.Resources)
        {
            await resource.DisposeAsync();
        }
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
