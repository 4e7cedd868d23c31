using System.Globalization;

namespace Drover.Posix;

/// <summary>One reaped child: exactly one of <see cref="ExitCode"/> and <see cref="Signal"/> is set.</summary>
public readonly record struct ChildExit(int Pid, int? ExitCode, int? Signal, bool CoreDumped)
{
    /// <summary>Decodes a wait status the way WIFEXITED / WEXITSTATUS / WTERMSIG / WCOREDUMP do.</summary>
    public static ChildExit FromWaitStatus(int pid, int status)
    {
        var low = status & 0x7f;
        if (low == 0)
        {
            return new ChildExit(pid, (status >> 8) & 0xff, null, false);
        }

        // waitpid without WUNTRACED/WCONTINUED reports only terminations, so anything else is a signal death.
        return new ChildExit(pid, null, low, (status & 0x80) != 0);
    }

    /// <summary>"exited with code 3", "killed by SIGKILL", "killed by SIGSEGV (core dumped)".</summary>
    public string Describe() => Signal is int signal
        ? "killed by " + Signals.Describe(signal) + (CoreDumped ? " (core dumped)" : "")
        : "exited with code " + ExitCode!.Value.ToString(CultureInfo.InvariantCulture);
}
