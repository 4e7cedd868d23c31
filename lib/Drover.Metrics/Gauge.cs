using Drover.Metrics.Exposition;

namespace Drover.Metrics;

/// <summary>A gauge family: values that go up and down.</summary>
public sealed class Gauge : MetricFamily
{
    private readonly SeriesSet<GaugeChild> _series;
    private readonly GaugeChild? _unlabelled;

    internal Gauge(string name, string help, ReadOnlySpan<string> labelNames)
        : base(name, help, MetricType.Gauge, labelNames)
    {
        var names = LabelNameArray;
        _series = new SeriesSet<GaugeChild>(name, names.Length, values => new GaugeChild(names, values));
        _unlabelled = names.Length == 0 ? _series.GetOrAdd([]) : null;
    }

    /// <summary>The series with these label values (created on first use). Cache it on hot paths.</summary>
    public GaugeChild WithLabels(params ReadOnlySpan<string> labelValues) => _series.GetOrAdd(labelValues);

    /// <summary>Drops the series with these label values from future scrapes.</summary>
    public bool RemoveLabels(params ReadOnlySpan<string> labelValues) => _series.Remove(labelValues);

    public void Set(double value) => Only().Set(value);

    public void Inc(double amount = 1) => Only().Inc(amount);

    public void Dec(double amount = 1) => Only().Dec(amount);

    public double Value => Only().Value;

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

    private GaugeChild Only() => _unlabelled ?? throw LabelledFamilyWithoutLabels();
}

/// <summary>One series of a <see cref="Gauge"/>.</summary>
public sealed class GaugeChild : MetricSeries
{
    private long _bits;

    internal GaugeChild(string[] labelNames, string[] labelValues)
        : base(labelNames, labelValues)
    {
    }

    public double Value => AtomicDouble.Read(ref _bits);

    public void Set(double value) => AtomicDouble.Write(ref _bits, value);

    public void Inc(double amount = 1) => AtomicDouble.Add(ref _bits, amount);

    public void Dec(double amount = 1) => AtomicDouble.Add(ref _bits, -amount);
}
