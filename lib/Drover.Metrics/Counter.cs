using Drover.Metrics.Exposition;

namespace Drover.Metrics;

/// <summary>A counter family: values that only go up (reset only when the process restarts).</summary>
public sealed class Counter : MetricFamily
{
    private readonly SeriesSet<CounterChild> _series;
    private readonly CounterChild? _unlabelled;

    internal Counter(string name, string help, ReadOnlySpan<string> labelNames)
        : base(name, help, MetricType.Counter, labelNames)
    {
        var names = LabelNameArray;
        _series = new SeriesSet<CounterChild>(name, names.Length, values => new CounterChild(names, values));
        _unlabelled = names.Length == 0 ? _series.GetOrAdd([]) : null;
    }

    /// <summary>The series with these label values (created on first use). Cache it on hot paths.</summary>
    public CounterChild WithLabels(params ReadOnlySpan<string> labelValues) => _series.GetOrAdd(labelValues);

    /// <summary>Drops the series with these label values from future scrapes.</summary>
    public bool RemoveLabels(params ReadOnlySpan<string> labelValues) => _series.Remove(labelValues);

    /// <summary>Adds to the family's only series; the family must have no labels.</summary>
    public void Inc(double amount = 1) => (_unlabelled ?? throw LabelledFamilyWithoutLabels()).Inc(amount);

    /// <summary>The value of the family's only series; the family must have no labels.</summary>
    public double Value => (_unlabelled ?? throw LabelledFamilyWithoutLabels()).Value;

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
            WriteSample(ref writer, NameUtf8, child.LabelBlock, child.Value);
        }
    }
}

/// <summary>One series of a <see cref="Counter"/>.</summary>
public sealed class CounterChild : MetricSeries
{
    private long _bits;

    internal CounterChild(string[] labelNames, string[] labelValues)
        : base(labelNames, labelValues)
    {
    }

    public double Value => AtomicDouble.Read(ref _bits);

    /// <summary>Adds <paramref name="amount"/>, which must be zero or more (not NaN): a counter never goes down.</summary>
    public void Inc(double amount = 1)
    {
        if (!(amount >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "A counter only goes up: the increment must be >= 0 and not NaN.");
        }
        AtomicDouble.Add(ref _bits, amount);
    }
}
