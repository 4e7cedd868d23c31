using Microsoft.Win32.SafeHandles;

namespace Drover.Posix;

/// <summary>
/// A started child. Its exit is reported by <see cref="ChildReaper"/>, never by this object.
/// The pipe ends belong to the caller (hand them to <see cref="OutputPump"/> or dispose them).
/// </summary>
public sealed class SpawnedProcess
{
    internal SpawnedProcess(int pid, int processGroupId, string executablePath)
    {
        Pid = pid;
        ProcessGroupId = processGroupId;
        ExecutablePath = executablePath;
    }

    public int Pid { get; }

    /// <summary>Equal to <see cref="Pid"/> for a new session; otherwise the spawner's group.</summary>
    public int ProcessGroupId { get; }

    /// <summary>The file that was executed, after the PATH lookup.</summary>
    public string ExecutablePath { get; }

    /// <summary>Write end of the stdin pipe, when stdin was <see cref="StdioKind.Pipe"/>.</summary>
    public SafeFileHandle? StdinWrite { get; internal init; }

    /// <summary>Read end of the stdout pipe, when stdout was <see cref="StdioKind.Pipe"/>.</summary>
    public SafeFileHandle? StdoutRead { get; internal init; }

    /// <summary>Read end of the stderr pipe, when stderr was <see cref="StdioKind.Pipe"/>.</summary>
    public SafeFileHandle? StderrRead { get; internal init; }

    public override string ToString() => $"pid {Pid} (pgid {ProcessGroupId}) {ExecutablePath}";
}
