namespace Drover.Posix;

/// <summary>One process as /proc/&lt;pid&gt;/stat describes it at the moment it was read.</summary>
/// <param name="Command">comm: the executable name, at most 15 bytes for user processes.</param>
/// <param name="State">R running, S sleeping, D disk sleep, Z zombie, T stopped, ... (proc(5)).</param>
/// <param name="StartTimeTicks">Start time in clock ticks after boot; with the pid it names a process
/// uniquely even after the pid is reused.</param>
public sealed record ProcessInfo(
    int Pid,
    int ParentPid,
    int ProcessGroupId,
    int SessionId,
    string Command,
    char State,
    ulong StartTimeTicks)
{
    public bool IsZombie => State == 'Z';
}
