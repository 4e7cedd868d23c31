using System.Globalization;
using System.Runtime.InteropServices;
using Drover.Posix.Interop;

namespace Drover.Posix;

/// <summary>Sending signals to processes and process groups, and naming them.</summary>
public static class Signals
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGQUIT = 3;
    public const int SIGILL = 4;
    public const int SIGTRAP = 5;
    public const int SIGABRT = 6;
    public const int SIGBUS = 7;
    public const int SIGFPE = 8;
    public const int SIGKILL = 9;
    public const int SIGUSR1 = 10;
    public const int SIGSEGV = 11;
    public const int SIGUSR2 = 12;
    public const int SIGPIPE = 13;
    public const int SIGALRM = 14;
    public const int SIGTERM = 15;
    public const int SIGSTKFLT = 16;
    public const int SIGCHLD = 17;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;
    public const int SIGTSTP = 20;
    public const int SIGTTIN = 21;
    public const int SIGTTOU = 22;
    public const int SIGURG = 23;
    public const int SIGXCPU = 24;
    public const int SIGXFSZ = 25;
    public const int SIGVTALRM = 26;
    public const int SIGPROF = 27;
    public const int SIGWINCH = 28;
    public const int SIGIO = 29;
    public const int SIGPWR = 30;
    public const int SIGSYS = 31;

    /// <summary>The first real-time signal glibc leaves to applications (32 and 33 are its own).</summary>
    public const int SIGRTMIN = 34;

    public const int SIGRTMAX = 64;

    private static readonly string[] Names =
    [
        "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>
    /// kill(pid, signal). Returns false when the process no longer exists (ESRCH); throws
    /// <see cref="PosixException"/> for other errors. Signal 0 only checks existence.
    /// </summary>
    /// <remarks>pid must be positive: kill(0) and kill(-1) would hit our own group or every process.</remarks>
    public static bool Send(int pid, int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        CheckSignal(signal);
        return Kill(pid, signal, "pid");
    }

    /// <summary>
    /// kill(-pgid, signal): every process of the group. Returns false when the group has no members left
    /// (ESRCH), which for a stop sequence means the work is done.
    /// </summary>
    /// <remarks>pgid must be above 1: kill(-1) signals every process we may signal.</remarks>
    public static bool SendToGroup(int processGroupId, int signal)
    {
        if (processGroupId <= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(processGroupId), processGroupId, "a process group id must be above 1");
        }

        CheckSignal(signal);
        return Kill(-processGroupId, signal, "group");
    }

    /// <summary>Whether a process with this pid exists (zombies included). EPERM counts as existing.</summary>
    public static bool Exists(int pid)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        if (Libc.kill(pid, 0) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Errno.EPERM || (errno == Errno.ESRCH ? false : throw new PosixException("kill", errno, $"pid {pid}"));
    }

    /// <summary>Whether the process group has any member left.</summary>
    public static bool GroupExists(int processGroupId) => SendToGroup(processGroupId, 0);

    /// <summary>"SIGTERM" for 15, "SIGRTMIN+2" for 36, "signal 99" for numbers Linux does not have.</summary>
    public static string Describe(int signal)
    {
        if (signal > 0 && signal < Names.Length)
        {
            return Names[signal];
        }

        if (signal >= SIGRTMIN && signal <= SIGRTMAX)
        {
            return signal == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + (signal - SIGRTMIN).ToString(CultureInfo.InvariantCulture);
        }

        return "signal " + signal.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Parses "SIGTERM", "TERM", "term" or "15" (1 to 64).</summary>
    public static bool TryParse(string? text, out int signal)
    {
        signal = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        if (int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            if (number is >= 1 and <= SIGRTMAX)
            {
                signal = number;
                return true;
            }

            return false;
        }

        var name = trimmed.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? trimmed : "SIG" + trimmed;
        for (var i = 1; i < Names.Length; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                signal = i;
                return true;
            }
        }

        return false;
    }

    private static void CheckSignal(int signal)
    {
        if (signal < 0 || signal > SIGRTMAX)
        {
            throw new ArgumentOutOfRangeException(nameof(signal), signal, "a signal number is 0 to 64");
        }
    }

    private static bool Kill(int target, int signal, string what)
    {
        if (Libc.kill(target, signal) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Errno.ESRCH
            ? false
            : throw new PosixException("kill", errno, $"{what} {Math.Abs(target)} with {Describe(signal)}");
    }
}
