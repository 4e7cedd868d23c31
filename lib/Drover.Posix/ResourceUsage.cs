namespace Drover.Posix;

/// <summary>Summed resource use of a set of processes at one moment.</summary>
/// <param name="Processes">How many processes were counted.</param>
/// <param name="CpuSeconds">User plus system CPU time of those processes (not of their reaped children).</param>
/// <param name="RssBytes">Resident set sizes added up (shared pages count once per process).</param>
/// <param name="Threads">Threads of those processes.</param>
/// <param name="OpenFileDescriptors">Open descriptors, when /proc lets us read them.</param>
public readonly record struct ResourceUsage(int Processes, double CpuSeconds, long RssBytes, int Threads, int OpenFileDescriptors)
{
    public static ResourceUsage operator +(ResourceUsage a, ResourceUsage b) => new(
        a.Processes + b.Processes,
        a.CpuSeconds + b.CpuSeconds,
        a.RssBytes + b.RssBytes,
        a.Threads + b.Threads,
        a.OpenFileDescriptors + b.OpenFileDescriptors);

    public static ResourceUsage Add(ResourceUsage left, ResourceUsage right) => left + right;
}
