using System.IO.Enumeration;

namespace Drover.Metrics.Procfs;

/// <summary>
/// The standard <c>process_*</c> metrics of this process, read from /proc/self at every scrape, with the
/// names and HELP texts of the Go client's process collector (client_golang, procfs):
/// CPU = (utime + stime) / USER_HZ, RSS = rss pages × page size, start time = btime + starttime / USER_HZ.
/// <c>process_threads</c> is our addition (the Go client has no such metric).
/// </summary>
public sealed class ProcessCollector : IMetricCollector
{
    /// <summary>
    /// The unit of the tick fields in /proc. The kernel exports them in USER_HZ, which is 100 on every
    /// architecture Linux supports for user space; procfs hard-codes the same value.
    /// </summary>
    private const double UserHz = 100;

    private static readonly MetricDescriptor CpuSeconds = new(
        "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", MetricType.Counter);
    private static readonly MetricDescriptor OpenFds = new(
        "process_open_fds", "Number of open file descriptors.", MetricType.Gauge);
    private static readonly MetricDescriptor MaxFds = new(
        "process_max_fds", "Maximum number of open file descriptors.", MetricType.Gauge);
    private static readonly MetricDescriptor VirtualBytes = new(
        "process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType.Gauge);
    private static readonly MetricDescriptor VirtualMaxBytes = new(
        "process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.", MetricType.Gauge);
    private static readonly MetricDescriptor ResidentBytes = new(
        "process_resident_memory_bytes", "Resident memory size in bytes.", MetricType.Gauge);
    private static readonly MetricDescriptor StartTime = new(
        "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", MetricType.Gauge);
    private static readonly MetricDescriptor Threads = new(
        "process_threads", "Number of OS threads in the process.", MetricType.Gauge);

    private readonly string _statPath;
    private readonly string _limitsPath;
    private readonly string _fdPath;
    private readonly byte[] _buffer = new byte[8192];
    private readonly double _startTime;

    /// <summary>Reads the start time once; throws <see cref="MetricCollectionException"/> if /proc cannot be read.</summary>
    public ProcessCollector()
        : this("/proc/self", "/proc/stat")
    {
    }

    /// <param name="procDirectory">The /proc/[pid] directory to read (tests point it at fixtures).</param>
    /// <param name="systemStatPath">The /proc/stat file holding the boot time.</param>
    public ProcessCollector(string procDirectory, string systemStatPath)
    {
        ArgumentNullException.ThrowIfNull(procDirectory);
        ArgumentNullException.ThrowIfNull(systemStatPath);
        _statPath = Path.Combine(procDirectory, "stat");
        _limitsPath = Path.Combine(procDirectory, "limits");
        _fdPath = Path.Combine(procDirectory, "fd");
        if (!ProcFiles.TryParseBootTime(Read(systemStatPath), out var bootTime))
        {
            throw new MetricCollectionException($"No btime line in {systemStatPath}.");
        }
        _startTime = bootTime + (ReadStat().StartTicks / UserHz);
    }

    public IReadOnlyList<MetricDescriptor> Families { get; } =
        [CpuSeconds, OpenFds, MaxFds, VirtualBytes, VirtualMaxBytes, ResidentBytes, StartTime, Threads];

    public void Collect(MetricSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var stat = ReadStat();
        sink.Add(CpuSeconds, (stat.UserTicks + stat.SystemTicks) / UserHz);
        sink.Add(VirtualBytes, stat.VirtualBytes);
        sink.Add(ResidentBytes, (double)stat.ResidentPages * Environment.SystemPageSize);
        sink.Add(StartTime, _startTime);
        sink.Add(Threads, stat.Threads);
        sink.Add(OpenFds, CountOpenFds());

        var limits = Read(_limitsPath);
        if (!ProcFiles.TryParseSoftLimit(limits, "Max open files"u8, out var maxFds)
            || !ProcFiles.TryParseSoftLimit(limits, "Max address space"u8, out var maxAddressSpace))
        {
            throw new MetricCollectionException($"Unrecognised {_limitsPath}.");
        }
        sink.Add(MaxFds, maxFds);
        sink.Add(VirtualMaxBytes, maxAddressSpace);
    }

    private ProcStat ReadStat()
    {
        if (!ProcFiles.TryParseStat(Read(_statPath), out var stat))
        {
            throw new MetricCollectionException($"Unrecognised {_statPath}.");
        }
        return stat;
    }

    private int CountOpenFds()
    {
        // Counting entries without materialising their names keeps the scrape nearly allocation-free.
        var entries = new FileSystemEnumerable<byte>(
            _fdPath, static (ref FileSystemEntry _) => 0, new EnumerationOptions { AttributesToSkip = 0 });
        var count = 0;
        foreach (var _ in entries)
        {
            count++;
        }
        return count;
    }

    /// <summary>Reads a whole (small) /proc file into the reused buffer; called under the scrape lock.</summary>
    private ReadOnlySpan<byte> Read(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path);
            var length = 0;
            while (length < _buffer.Length)
            {
                var read = RandomAccess.Read(handle, _buffer.AsSpan(length), length);
                if (read == 0)
                {
                    break;
                }
                length += read;
            }
            return _buffer.AsSpan(0, length);
        }
        catch (IOException error)
        {
            throw new MetricCollectionException($"Cannot read {path}.", error);
        }
        catch (UnauthorizedAccessException error)
        {
            throw new MetricCollectionException($"Cannot read {path}.", error);
        }
    }
}
