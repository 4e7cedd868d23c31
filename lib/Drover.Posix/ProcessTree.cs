using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Drover.Posix.Proc;

namespace Drover.Posix;

/// <summary>
/// The process tree as /proc shows it. Every scan is a snapshot: processes that vanish while it runs are
/// skipped, processes that appear after it are not in it.
/// </summary>
/// <remarks>
/// A process whose parent died is re-parented to the nearest subreaper, i.e. to the executor, not to the
/// service it came from: look for escaped processes among <c>Descendants(Environment.ProcessId)</c>.
/// </remarks>
public static class ProcessTree
{
    /// <summary>How many discovery rounds <see cref="KillAll"/> makes before it signals what it found.</summary>
    public const int MaxKillRounds = 8;

    /// <summary>Reads one process; throws <see cref="PosixException"/> (ESRCH) when it does not exist.</summary>
    public static ProcessInfo Read(int pid) =>
        TryRead(pid, out var info) ? info : throw new PosixException("read", Errno.ESRCH, $"/proc/{pid}/stat");

    /// <summary>Reads one process; false when it does not exist (any more).</summary>
    public static bool TryRead(int pid, [NotNullWhen(true)] out ProcessInfo? info)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        Span<byte> buffer = stackalloc byte[ProcFs.StatBufferSize];
        if (!ProcFs.TryReadStat(pid, buffer, out var stat, out _))
        {
            info = null;
            return false;
        }

        info = ToInfo(stat, buffer);
        return true;
    }

    /// <summary>Every process visible in /proc.</summary>
    public static IReadOnlyList<ProcessInfo> Snapshot()
    {
        var pids = ArrayPool<int>.Shared.Rent(512);
        try
        {
            var count = ProcFs.ListPids(ref pids);
            var result = new List<ProcessInfo>(count);
            Span<byte> buffer = stackalloc byte[ProcFs.StatBufferSize];
            for (var i = 0; i < count; i++)
            {
                if (ProcFs.TryReadStat(pids[i], buffer, out var stat, out _))
                {
                    result.Add(ToInfo(stat, buffer));
                }
            }

            return result;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(pids);
        }
    }

    /// <summary>All processes below <paramref name="rootPid"/> (not the root itself), parents before children.</summary>
    public static IReadOnlyList<ProcessInfo> Descendants(int rootPid) => Descendants(Snapshot(), rootPid);

    /// <summary>The descendants of <paramref name="rootPid"/> within a snapshot.</summary>
    public static IReadOnlyList<ProcessInfo> Descendants(IReadOnlyList<ProcessInfo> snapshot, int rootPid)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var children = new Dictionary<int, List<ProcessInfo>>();
        foreach (var process in snapshot)
        {
            if (!children.TryGetValue(process.ParentPid, out var list))
            {
                children[process.ParentPid] = list = [];
            }

            list.Add(process);
        }

        var result = new List<ProcessInfo>();
        var queue = new Queue<int>();
        var seen = new HashSet<int> { rootPid };
        queue.Enqueue(rootPid);
        while (queue.TryDequeue(out var parent))
        {
            if (!children.TryGetValue(parent, out var list))
            {
                continue;
            }

            foreach (var child in list)
            {
                // A pid seen twice would mean a cycle in a torn snapshot; never loop on it.
                if (seen.Add(child.Pid))
                {
                    result.Add(child);
                    queue.Enqueue(child.Pid);
                }
            }
        }

        return result;
    }

    /// <summary>The members of a process group.</summary>
    public static IReadOnlyList<ProcessInfo> GroupMembers(int processGroupId) =>
        Snapshot().Where(p => p.ProcessGroupId == processGroupId).ToList();

    /// <summary>The members of a session.</summary>
    public static IReadOnlyList<ProcessInfo> SessionMembers(int sessionId) =>
        Snapshot().Where(p => p.SessionId == sessionId).ToList();

    /// <summary>
    /// Signals <paramref name="rootPid"/> (when <paramref name="includeRoot"/>) and all its descendants, whatever
    /// group or session they moved to. Returns how many processes were signalled.
    /// </summary>
    /// <remarks>
    /// For SIGKILL the tree is first frozen with SIGSTOP, round after round until a scan finds nothing new
    /// (at most <see cref="MaxKillRounds"/>): a stopped process cannot fork, and it does not die while we walk,
    /// so its children are not re-parented away from the tree before we saw them. Then every frozen process gets
    /// SIGKILL, which also ends stopped processes. Other signals are sent as found, in the same rounds, without
    /// freezing, so a process can handle SIGTERM at once. This process, pid 1 and <paramref name="except"/>
    /// are never signalled.
    /// </remarks>
    public static int KillAll(int rootPid, int signal, bool includeRoot = true, IReadOnlyCollection<int>? except = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rootPid);
        var freeze = signal == Signals.SIGKILL;
        var self = Environment.ProcessId;
        var signalled = new HashSet<(int Pid, ulong Start)>();
        var delivered = 0;
        for (var round = 0; round < MaxKillRounds; round++)
        {
            var snapshot = Snapshot();
            var targets = new List<ProcessInfo>(Descendants(snapshot, rootPid));
            if (includeRoot && snapshot.FirstOrDefault(p => p.Pid == rootPid) is { } root)
            {
                targets.Insert(0, root);
            }

            var foundNew = false;
            foreach (var process in targets)
            {
                if (process.Pid == self || process.Pid == 1 || (except?.Contains(process.Pid) ?? false)
                    || !signalled.Add((process.Pid, process.StartTimeTicks)))
                {
                    continue;
                }

                foundNew = true;
                if (Signals.Send(process.Pid, freeze ? Signals.SIGSTOP : signal) && !freeze)
                {
                    delivered++;
                }
            }

            if (!foundNew)
            {
                break;
            }
        }

        if (freeze)
        {
            foreach ((var pid, _) in signalled)
            {
                if (Signals.Send(pid, Signals.SIGKILL))
                {
                    delivered++;
                }
            }
        }

        return delivered;
    }

    private static ProcessInfo ToInfo(in ProcStat stat, ReadOnlySpan<byte> text)
    {
        var command = Encoding.UTF8.GetString(text.Slice(stat.CommandStart, stat.CommandLength));
        return new ProcessInfo(stat.Pid, stat.ParentPid, stat.ProcessGroupId, stat.SessionId, command, stat.State, stat.StartTimeTicks);
    }
}
