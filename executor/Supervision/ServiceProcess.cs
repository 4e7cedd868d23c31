using Drover.Executor.Core;
using Drover.Executor.Tasks;
using Drover.Posix;

namespace Drover.Executor.Supervision;

/// <summary>
/// One running incarnation of a service: a process in its own session and process group
/// (so a signal to the group reaches everything it started), its stdout and stderr pumped
/// into rotating files under sandbox/tasks/&lt;task id&gt;/.
/// </summary>
public sealed class ServiceProcess : IServiceProcess
{
    private ServiceProcess(int pid, int processGroupId, Task outputClosed)
    {
        Pid = pid;
        ProcessGroupId = processGroupId;
        StartedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        OutputClosed = outputClosed;
    }

    public Task OutputClosed { get; }

    public long StartedUnixMs { get; }

    public int Pid { get; }

    /// <summary>Also the session id: the service is spawned with setsid.</summary>
    public int ProcessGroupId { get; }

    /// <summary>Spawns the plan's command. Throws <see cref="LaunchException"/> when it cannot start.</summary>
    public static ServiceProcess Start(LaunchPlan plan, OutputPump pump)
    {
        Directory.CreateDirectory(plan.LogDirectory);
        var stdout = new RotatingLogFile(Path.Combine(plan.LogDirectory, "stdout"), plan.Logs.MaxBytes, plan.Logs.MaxFiles);
        var stderr = new RotatingLogFile(Path.Combine(plan.LogDirectory, "stderr"), plan.Logs.MaxBytes, plan.Logs.MaxFiles);
        SpawnedProcess spawned;
        try
        {
            spawned = ProcessSpawner.Spawn(new SpawnRequest
            {
                Executable = plan.Executable,
                Arguments = plan.Arguments,
                Environment = plan.Environment,
                WorkingDirectory = plan.WorkingDirectory,
                Stdin = StdioTarget.Null,
                Stdout = StdioTarget.Pipe,
                Stderr = StdioTarget.Pipe,
                NewSession = true,
            });
        }
        catch (Exception e) when (e is PosixException or IOException or ArgumentException)
        {
            stdout.Dispose();
            stderr.Dispose();
            throw new LaunchException($"failed to start {plan.Describe()}: {e.Message}");
        }

        // The pump owns the files from here: it closes each at EOF of its pipe, which may come
        // after the process exited (a grandchild can hold the pipe), so nothing is lost.
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var open = 2;
        void Closed(RotatingLogFile file)
        {
            file.Dispose();
            if (Interlocked.Decrement(ref open) == 0)
            {
                closed.TrySetResult();
            }
        }

        pump.Add(spawned.StdoutRead!, stdout, () => Closed(stdout));
        pump.Add(spawned.StderrRead!, stderr, () => Closed(stderr));
        return new ServiceProcess(spawned.Pid, spawned.ProcessGroupId, closed.Task);
    }

    /// <summary>Signals the whole process group; false when nothing is left in it.</summary>
    public bool SignalGroup(int signal) => Signals.SendToGroup(ProcessGroupId, signal);

    /// <summary>
    /// SIGKILL to everything in the service's session: its group and any sub-groups it made
    /// (shells with job control, daemons that called setpgid). Processes that called setsid
    /// themselves left the session; the executor sweeps those when it exits.
    /// </summary>
    public void KillSession()
    {
        SignalGroup(Signals.SIGKILL);
        foreach (var process in ProcessTree.SessionMembers(ProcessGroupId))
        {
            Signals.Send(process.Pid, Signals.SIGKILL);
        }
    }
}
