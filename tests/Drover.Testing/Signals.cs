using System.Runtime.InteropServices;

namespace Drover.Testing;

/// <summary>Linux signal numbers (x86-64 and arm64 agree on these) and kill(2).</summary>
public static partial class Signals
{
    public const int Hup = 1;
    public const int Int = 2;
    public const int Quit = 3;
    public const int Kill = 9;
    public const int Term = 15;
    public const int Cont = 18;
    public const int Stop = 19;

    private const int NoSuchProcess = 3; // ESRCH

    /// <summary>kill(2): <paramref name="pid"/> &gt; 0 one process, &lt; 0 the process group -pid. False if there is no such process.</summary>
    public static bool Send(int pid, int signal)
    {
        if (SysKill(pid, signal) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == NoSuchProcess
            ? false
            : throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {errno}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
