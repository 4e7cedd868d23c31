using System.Buffers;
using Drover.Posix.Interop;
using Drover.Posix.Proc;

namespace Drover.Posix;

/// <summary>
/// CPU, memory, thread and descriptor totals for a service from /proc, for metrics. Reads stat once per
/// process into stack buffers and pooled arrays: no per-process allocation.
/// </summary>
public static class ProcessStats
{
    private static readonly Lazy<long> ClockTicks = new(ReadClockTicks);

    /// <summary>sysconf(_SC_CLK_TCK): the unit of the CPU times in /proc (100 on Linux).</summary>
    public static long ClockTicksPerSecond => ClockTicks.Value;

    /// <summary>One process; all zeros when it is gone.</summary>
    public static ResourceUsage ForProcess(int pid) => ForProcesses([pid]);

    /// <summary>The given processes; those that are gone count as nothing.</summary>
    public static ResourceUsage ForProcesses(ReadOnlySpan<int> pids)
    {
        Span<byte> buffer = stackalloc byte[ProcFs.StatBufferSize];
        var total = default(ResourceUsage);
        foreach (var pid in pids)
        {
            if (pid > 0 && ProcFs.TryReadStat(pid, buffer, out var stat, out _))
            {
                total += Usage(stat);
            }
        }

        return total;
    }

    /// <summary>Every member of a process group.</summary>
    public static ResourceUsage ForProcessGroup(int processGroupId)
    {
        var pids = ArrayPool<int>.Shared.Rent(512);
        try
        {
            var count = ProcFs.ListPids(ref pids);
            Span<byte> buffer = stackalloc byte[ProcFs.StatBufferSize];
            var total = default(ResourceUsage);
            for (var i = 0; i < count; i++)
            {
                if (ProcFs.TryReadStat(pids[i], buffer, out var stat, out _) && stat.ProcessGroupId == processGroupId)
                {
                    total += Usage(stat);
                }
            }

            return total;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(pids);
        }
    }

    /// <summary><paramref name="rootPid"/> and all its descendants.</summary>
    public static ResourceUsage ForTree(int rootPid)
    {
        var pids = ArrayPool<int>.Shared.Rent(512);
        var parents = ArrayPool<int>.Shared.Rent(512);
        var usages = ArrayPool<ResourceUsage>.Shared.Rent(512);
        try
        {
            var count = ProcFs.ListPids(ref pids);
            EnsureLength(ref parents, count);
            EnsureLength(ref usages, count);
            Span<byte> buffer = stackalloc byte[ProcFs.StatBufferSize];
            var rootIndex = -1;
            for (var i = 0; i < count; i++)
            {
                if (ProcFs.TryReadStat(pids[i], buffer, out var stat, out _))
                {
                    parents[i] = stat.ParentPid;
                    usages[i] = Usage(stat);
                }
                else
                {
                    parents[i] = -1;
                    pids[i] = -1;
                }

                if (pids[i] == rootPid)
                {
                    rootIndex = i;
                }
            }

            return rootIndex < 0 ? default : SumTree(pids.AsSpan(0, count), parents.AsSpan(0, count), usages.AsSpan(0, count), rootIndex);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(pids);
            ArrayPool<int>.Shared.Return(parents);
            ArrayPool<ResourceUsage>.Shared.Return(usages);
        }
    }

    /// <summary>
    /// Marks the root, then repeatedly marks every process whose parent is marked, until nothing changes.
    /// Quadratic in the depth of the tree only; no maps are built.
    /// </summary>
    private static ResourceUsage SumTree(Span<int> pids, Span<int> parents, Span<ResourceUsage> usages, int rootIndex)
    {
        var marked = ArrayPool<bool>.Shared.Rent(pids.Length);
        try
        {
            var inTree = marked.AsSpan(0, pids.Length);
            inTree.Clear();
            inTree[rootIndex] = true;
            var changed = true;
            while (changed)
            {
                changed = false;
                for (var i = 0; i < pids.Length; i++)
                {
                    if (inTree[i] || parents[i] <= 0)
                    {
                        continue;
                    }

                    var parentIndex = pids.IndexOf(parents[i]);
                    if (parentIndex >= 0 && inTree[parentIndex])
                    {
                        inTree[i] = true;
                        changed = true;
                    }
                }
            }

            var total = default(ResourceUsage);
            for (var i = 0; i < pids.Length; i++)
            {
                if (inTree[i])
                {
                    total += usages[i];
                }
            }

            return total;
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(marked);
        }
    }

    private static ResourceUsage Usage(in ProcStat stat) => new(
        1,
        (stat.UserTicks + stat.SystemTicks) / (double)ClockTicksPerSecond,
        stat.RssPages * Environment.SystemPageSize,
        stat.Threads,
        ProcFs.CountDescriptors(stat.Pid));

    private static void EnsureLength<T>(ref T[] array, int length)
    {
        if (array.Length < length)
        {
            ArrayPool<T>.Shared.Return(array);
            array = ArrayPool<T>.Shared.Rent(length);
        }
    }

    private static long ReadClockTicks()
    {
        long ticks = Libc.sysconf(Libc._SC_CLK_TCK);
        return ticks > 0 ? ticks : 100;
    }
}
