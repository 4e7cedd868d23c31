using System.Runtime.InteropServices;
using Drover.Metrics.Exposition;

namespace Drover.Metrics;

/// <summary>
/// Where an <see cref="IMetricCollector"/> puts its samples during a scrape. The samples are kept
/// (in arrays reused from scrape to scrape) until every collector has run, so that the registry can
/// write all families in name order with each family's samples together.
/// </summary>
public sealed class MetricSink
{
    private readonly List<Sample> _samples = [];
    private readonly List<string> _labelValues = [];
    private MetricDescriptor[] _families = [];
    private int _slotBase;
    private int[] _slotStarts = [];
    private int[] _order = [];

    internal MetricSink()
    {
    }

    /// <summary>Adds one sample of <paramref name="family"/>, which must be one of the collector's declared families.</summary>
    public void Add(MetricDescriptor family, double value, params ReadOnlySpan<string> labelValues)
    {
        ArgumentNullException.ThrowIfNull(family);
        var index = Array.IndexOf(_families, family);
        if (index < 0)
        {
            throw new InvalidOperationException(
                $"Metric '{family.Name}' is not among the families this collector declared (or the scrape is over).");
        }
        if (labelValues.Length != family.LabelCount)
        {
            throw new ArgumentException(
                $"Metric '{family.Name}' has {family.LabelCount} label(s); {labelValues.Length} value(s) were given.", nameof(labelValues));
        }
        var labelStart = _labelValues.Count;
        foreach (var labelValue in labelValues)
        {
            if (labelValue is null)
            {
                _labelValues.RemoveRange(labelStart, _labelValues.Count - labelStart);
                throw new ArgumentNullException(nameof(labelValues), $"Metric '{family.Name}': a label value is null.");
            }
            _labelValues.Add(labelValue);
        }
        _samples.Add(new Sample(_slotBase + index, labelStart, value));
    }

    internal (int Samples, int Labels) Mark => (_samples.Count, _labelValues.Count);

    internal void Reset()
    {
        _samples.Clear();
        _labelValues.Clear();
        _families = [];
    }

    /// <summary>Points the sink at the next collector, whose families occupy slots from <paramref name="slotBase"/>.</summary>
    internal void Begin(MetricDescriptor[] families, int slotBase)
    {
        _families = families;
        _slotBase = slotBase;
    }

    internal void End() => _families = [];

    /// <summary>Forgets what a failed collector added.</summary>
    internal void Rollback((int Samples, int Labels) mark)
    {
        _samples.RemoveRange(mark.Samples, _samples.Count - mark.Samples);
        _labelValues.RemoveRange(mark.Labels, _labelValues.Count - mark.Labels);
    }

    /// <summary>Orders the samples by slot (a counting sort, stable, into reused arrays).</summary>
    internal void Group(int slotCount)
    {
        if (_slotStarts.Length < slotCount + 1)
        {
            _slotStarts = new int[slotCount + 1];
        }
        Array.Clear(_slotStarts, 0, slotCount + 1);
        ReadOnlySpan<Sample> samples = CollectionsMarshal.AsSpan(_samples);
        if (_order.Length < samples.Length)
        {
            _order = new int[Math.Max(samples.Length, _order.Length * 2)];
        }
        foreach (var sample in samples)
        {
            _slotStarts[sample.Slot + 1]++;
        }
        for (var slot = 0; slot < slotCount; slot++)
        {
            _slotStarts[slot + 1] += _slotStarts[slot];
        }
        // Fill using a moving cursor per slot, then shift the starts back.
        for (var i = 0; i < samples.Length; i++)
        {
            _order[_slotStarts[samples[i].Slot]++] = i;
        }
        for (var slot = slotCount; slot > 0; slot--)
        {
            _slotStarts[slot] = _slotStarts[slot - 1];
        }
        _slotStarts[0] = 0;
    }

    /// <summary>Writes one collected family, or nothing if its collector added no sample for it.</summary>
    internal void WriteFamily(ref ExpositionWriter writer, MetricDescriptor family, int slot)
    {
        var start = _slotStarts[slot];
        var end = _slotStarts[slot + 1];
        if (start == end)
        {
            return;
        }
        writer.Write(family.Header);
        ReadOnlySpan<Sample> samples = CollectionsMarshal.AsSpan(_samples);
        for (var i = start; i < end; i++)
        {
            var sample = samples[_order[i]];
            writer.Write(family.NameUtf8);
            for (var label = 0; label < family.LabelCount; label++)
            {
                writer.Write(family.LabelOpenings[label]);
                writer.WriteEscaped(_labelValues[sample.LabelStart + label], TextFormat.LabelValueSpecials);
                writer.WriteByte((byte)'"');
            }
            if (family.LabelCount > 0)
            {
                writer.WriteByte((byte)'}');
            }
            writer.WriteByte((byte)' ');
            writer.WriteDouble(sample.Value);
            writer.WriteByte((byte)'\n');
        }
    }

    private readonly record struct Sample(int Slot, int LabelStart, double Value);
}
