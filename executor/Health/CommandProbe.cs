using Drover.Executor.Core;
using Drover.Executor.Supervision;
using Drover.Posix;

namespace Drover.Executor.Health;

/// <summary>
/// A command check: the command runs in a session of its own, in the task's environment and working
/// directory, its output on the executor's stderr as Mesos' health checker does; exit status 0 is healthy.
/// When the probe is cancelled (its timeout), and after it exits, its whole group is killed. While it runs
/// the orphan watchdog covers its group.
/// </summary>
public sealed class CommandProbe(
    string executable,
    IReadOnlyList<string> arguments,
    IReadOnlyList<KeyValuePair<string, string>> environment,
    string workingDirectory,
    IOrphanGuard? guard) : IHealthProbe
{
    public string Executable { get; } = executable;

    /// <summary>The full argv, argv[0] included.</summary>
    public IReadOnlyList<string> Arguments { get; } = arguments;

    public async Task<ProbeResult> ProbeAsync(CancellationToken cancellation)
    {
        SpawnedProcess spawned;
        Task<ChildExit> exited;
        try
        {
            spawned = ExitWaiters.Spawn(new SpawnRequest
            {
                Executable = Executable,
                Arguments = Arguments,
                Environment = environment,
                WorkingDirectory = workingDirectory,
                Stdin = StdioTarget.Null,
                Stdout = StdioTarget.Inherit,
                Stderr = StdioTarget.Inherit,
                NewSession = true,
            }, out exited);
        }
        catch (Exception e) when (e is PosixException or IOException or ArgumentException)
        {
            return new ProbeResult(false, $"Failed to create subprocess: {e.Message}");
        }

        var group = spawned.ProcessGroupId;
        guard?.Add(group);
        try
        {
            var exit = await exited.WaitAsync(cancellation).ConfigureAwait(false);
            return ExitDescription.Succeeded(exit)
                ? new ProbeResult(true, "Command exited with status 0")
                : new ProbeResult(false, "Command returned " + ExitDescription.Of(exit));
        }
        finally
        {
            // Whatever the check left behind, or the check itself when it timed out.
            Signals.SendToGroup(group, Signals.SIGKILL);
            guard?.Remove(group);
        }
    }
}
