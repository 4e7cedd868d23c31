using System.Diagnostics;

namespace Drover.ZooKeeper.Bench;

/// <summary>One measured run: operations completed inside the window, its length, every latency, and the client's CPU time.</summary>
public sealed record RunResult(long Ops, TimeSpan Elapsed, long Errors, long[] LatencyNanos)
{
    public double OpsPerSecond => Ops / Elapsed.TotalSeconds;

    /// <summary>CPU time of the client's whole process over the measured window.</summary>
    public TimeSpan Cpu { get; init; }

    /// <summary>Client CPU per operation completed in the window, in microseconds.</summary>
    public double CpuMicrosPerOp => Ops == 0 ? double.NaN : Cpu.TotalMicroseconds / Ops;

    public double P50Micros => Percentile(0.50);

    public double P99Micros => Percentile(0.99);

    /// <summary>Nearest-rank percentile over the sorted latencies, in microseconds.</summary>
    private double Percentile(double q)
    {
        if (LatencyNanos.Length == 0)
        {
            return double.NaN;
        }
        var sorted = LatencyNanos.Order().ToArray();
        var rank = Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[rank] / 1000.0;
    }

    public static long TicksToNanos(long ticks) => (long)(ticks * (1_000_000_000.0 / Stopwatch.Frequency));
}
