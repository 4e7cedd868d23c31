using Drover.Metrics.Exposition;

namespace Drover.Metrics;

/// <summary>
/// One time series of a family: the family's name with one set of label values. Its label block is
/// escaped and encoded once, here, so that a scrape only copies bytes.
/// </summary>
public abstract class MetricSeries
{
    private readonly string[] _labelValues;

    private protected MetricSeries(string[] labelNames, string[] labelValues)
    {
        _labelValues = labelValues;
        var pairs = TextFormat.EncodeLabelPairs(labelNames, labelValues);
        LabelBlock = pairs.Length == 0 ? [] : [(byte)'{', .. pairs, (byte)'}'];
        BucketPrefix = pairs.Length == 0 ? [(byte)'{'] : [(byte)'{', .. pairs, (byte)','];
    }

    /// <summary>The label values, in the order of the family's label names.</summary>
    public IReadOnlyList<string> LabelValues => _labelValues;

    /// <summary><c>{a="x",b="y"}</c>, or nothing for a series without labels.</summary>
    internal byte[] LabelBlock { get; }

    /// <summary><c>{a="x",b="y",</c> or <c>{</c>: what precedes <c>le="…"}</c> in a bucket line.</summary>
    internal byte[] BucketPrefix { get; }

    internal string[] LabelValueArray => _labelValues;
}
