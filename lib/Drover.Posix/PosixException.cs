namespace Drover.Posix;

/// <summary>A failed libc call: which call, on what, and the errno it left.</summary>
public class PosixException : IOException
{
    public PosixException(string call, int errno, string? subject = null)
        : this(call, errno, subject, FormatMessage(call, errno, subject))
    {
    }

    protected PosixException(string call, int errno, string? subject, string message)
        : base(message)
    {
        Call = call;
        Errno = errno;
        Subject = subject;
        HResult = errno;
    }

    /// <summary>The libc function that failed, e.g. "waitpid".</summary>
    public string Call { get; }

    /// <summary>The errno value, see <see cref="Posix.Errno"/>.</summary>
    public int Errno { get; }

    /// <summary>What the call was about (a path, a pid), when that helps the reader.</summary>
    public string? Subject { get; }

    /// <summary>Builds the exception from the calling thread's last P/Invoke errno.</summary>
    internal static PosixException FromLastError(string call, string? subject = null) =>
        new(call, System.Runtime.InteropServices.Marshal.GetLastPInvokeError(), subject);

    private static string FormatMessage(string call, int errno, string? subject) =>
        subject is null
            ? $"{call} failed: {Posix.Errno.Describe(errno)} ({Posix.Errno.Name(errno)})"
            : $"{call} {subject} failed: {Posix.Errno.Describe(errno)} ({Posix.Errno.Name(errno)})";
}

/// <summary>A process could not be started; the message names the executable and the reason.</summary>
public sealed class ProcessSpawnException : PosixException
{
    public ProcessSpawnException(string executable, int errno, string reason)
        : base("posix_spawn", errno, executable,
            $"cannot start '{executable}': {reason}: {Posix.Errno.Describe(errno)} ({Posix.Errno.Name(errno)})")
    {
        Executable = executable;
    }

    /// <summary>The executable as the request named it.</summary>
    public string Executable { get; }
}
