using System.Text;
using Drover.Metrics.Exposition;

namespace Drover.Metrics;

/// <summary>
/// A histogram family: observations counted in buckets with upper bounds, written as cumulative
/// <c>_bucket{le="…"}</c> lines ending with <c>le="+Inf"</c>, then <c>_sum</c> and <c>_count</c>.
/// </summary>
public sealed class Histogram : MetricFamily
{
    /// <summary>The Prometheus client libraries' default buckets, for durations in seconds.</summary>
    public static IReadOnlyList<double> DefaultBuckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly SeriesSet<HistogramChild> _series;
    private readonly HistogramChild? _unlabelled;
    private readonly double[] _bounds;
    private readonly byte[][] _boundLabels;
    private readonly byte[] _bucketName;
    private readonly byte[] _sumName;
    private readonly byte[] _countName;

    internal Histogram(string name, string help, IReadOnlyList<double> buckets, ReadOnlySpan<string> labelNames)
        : base(name, help, MetricType.Histogram, labelNames)
    {
        _bounds = CheckBuckets(name, buckets);
        _boundLabels = new byte[_bounds.Length + 1][];
        for (var i = 0; i < _bounds.Length; i++)
        {
            _boundLabels[i] = Encoding.ASCII.GetBytes($"le=\"{GoFloat.Format(_bounds[i])}\"}}");
        }
        _boundLabels[_bounds.Length] = "le=\"+Inf\"}"u8.ToArray();
        _bucketName = Encoding.UTF8.GetBytes(name + "_bucket");
        _sumName = Encoding.UTF8.GetBytes(name + "_sum");
        _countName = Encoding.UTF8.GetBytes(name + "_count");
        var names = LabelNameArray;
        var bounds = _bounds;
        _series = new SeriesSet<HistogramChild>(name, names.Length, values => new HistogramChild(names, values, bounds));
        _unlabelled = names.Length == 0 ? _series.GetOrAdd([]) : null;
    }

    /// <summary>The finite upper bounds, increasing; the <c>+Inf</c> bucket is implicit.</summary>
    public IReadOnlyList<double> Buckets => _bounds;

    internal override IEnumerable<string> SampleNames => [Name, Name + "_bucket", Name + "_sum", Name + "_count"];

    /// <summary><paramref name="count"/> buckets starting at <paramref name="start"/>, <paramref name="width"/> apart.</summary>
    public static double[] LinearBuckets(double start, double width, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        var buckets = new double[count];
        for (var i = 0; i < count; i++)
        {
            buckets[i] = start + (i * width);
        }
        return buckets;
    }

    /// <summary><paramref name="count"/> buckets starting at <paramref name="start"/>, each <paramref name="factor"/> times the previous.</summary>
    public static double[] ExponentialBuckets(double start, double factor, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(start);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(factor, 1);
        var buckets = new double[count];
        var bound = start;
        for (var i = 0; i < count; i++)
        {
            buckets[i] = bound;
            bound *= factor;
        }
        return buckets;
    }

    /// <summary>The series with these label values (created on first use). Cache it on hot paths.</summary>
    public HistogramChild WithLabels(params ReadOnlySpan<string> labelValues) => _series.GetOrAdd(labelValues);

    /// <summary>Drops the series with these label values from future scrapes.</summary>
    public bool RemoveLabels(params ReadOnlySpan<string> labelValues) => _series.Remove(labelValues);

    /// <summary>Records one observation in the family's only series; the family must have no labels.</summary>
    public void Observe(double value) => (_unlabelled ?? throw LabelledFamilyWithoutLabels()).Observe(value);

    internal override void Write(ref ExpositionWriter writer, Action<Exception>? onError)
    {
        var series = _series.Snapshot;
        if (series.Length == 0)
        {
            return;
        }
        WriteHeader(ref writer);
        foreach (var child in series)
        {
            WriteChild(ref writer, child);
        }
    }

    private void WriteChild(ref ExpositionWriter writer, HistogramChild child)
    {
        // _count is the +Inf bucket as read here, not a separate counter, so the two always agree
        // even while observations race with the scrape; _sum may be a few observations off.
        long cumulative = 0;
        for (var i = 0; i < _boundLabels.Length; i++)
        {
            cumulative += child.BucketCount(i);
            writer.Write(_bucketName);
            writer.Write(child.BucketPrefix);
            writer.Write(_boundLabels[i]);
            writer.WriteByte((byte)' ');
            writer.WriteDouble(cumulative);
            writer.WriteByte((byte)'\n');
        }
        WriteSample(ref writer, _sumName, child.LabelBlock, child.Sum);
        WriteSample(ref writer, _countName, child.LabelBlock, cumulative);
    }

    private static double[] CheckBuckets(string name, IReadOnlyList<double> buckets)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var bounds = new List<double>(buckets.Count);
        for (var i = 0; i < buckets.Count; i++)
        {
            var bound = buckets[i];
            if (double.IsNaN(bound))
            {
                throw new ArgumentException($"Histogram '{name}': bucket {i} is NaN.", nameof(buckets));
            }
            if (i > 0 && !(bound > buckets[i - 1]))
            {
                throw new ArgumentException(
                    $"Histogram '{name}': bucket bounds must increase strictly, but {buckets[i - 1]} is followed by {bound}.", nameof(buckets));
            }
            if (double.IsPositiveInfinity(bound))
            {
                // The +Inf bucket is always written; a caller who lists it explicitly gets it once.
                continue;
            }
            bounds.Add(bound);
        }
        return [.. bounds];
    }
}

/// <summary>One series of a <see cref="Histogram"/>.</summary>
public sealed class HistogramChild : MetricSeries
{
    private readonly double[] _bounds;

    /// <summary>Per-bucket (not cumulative) counts; the last one counts what is above every bound (and NaN).</summary>
    private readonly long[] _counts;

    private long _sumBits;

    internal HistogramChild(string[] labelNames, string[] labelValues, double[] bounds)
        : base(labelNames, labelValues)
    {
        _bounds = bounds;
        _counts = new long[bounds.Length + 1];
    }

    public double Sum => AtomicDouble.Read(ref _sumBits);

    public long Count
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                total += Volatile.Read(ref _counts[i]);
            }
            return total;
        }
    }

    public void Observe(double value)
    {
        Interlocked.Increment(ref _counts[BucketIndex(value)]);
        AtomicDouble.Add(ref _sumBits, value);
    }

    internal long BucketCount(int index) => Volatile.Read(ref _counts[index]);

    /// <summary>The first bucket whose bound is >= value; NaN compares false everywhere and lands in +Inf, as in Go.</summary>
    private int BucketIndex(double value)
    {
        var low = 0;
        var high = _bounds.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_bounds[middle] >= value)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }
        return low;
    }
}
