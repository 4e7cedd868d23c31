using System.Text;
using Drover.Metrics.Exposition;

namespace Drover.Metrics;

/// <summary>
/// Name, HELP text, type and label names of a family written by an <see cref="IMetricCollector"/>.
/// Collectors emit counters, gauges and untyped samples; histograms are made with <see cref="MetricRegistry.CreateHistogram(string, string, string[])"/>.
/// </summary>
public sealed class MetricDescriptor
{
    private readonly string[] _labelNames;

    public MetricDescriptor(string name, string help, MetricType type, params string[] labelNames)
    {
        MetricName.ValidateMetricName(name);
        ArgumentNullException.ThrowIfNull(help);
        ArgumentNullException.ThrowIfNull(labelNames);
        if (type is not (MetricType.Counter or MetricType.Gauge or MetricType.Untyped))
        {
            throw new ArgumentException(
                $"Collected metric '{name}': a collector writes counter, gauge or untyped samples, not {type}.", nameof(type));
        }
        Name = name;
        Help = help;
        Type = type;
        _labelNames = MetricName.ValidateLabelNames(labelNames, type, name);
        Header = TextFormat.EncodeHeader(name, help, type);
        NameUtf8 = Encoding.UTF8.GetBytes(name);
        LabelOpenings = new byte[_labelNames.Length][];
        for (var i = 0; i < _labelNames.Length; i++)
        {
            LabelOpenings[i] = Encoding.UTF8.GetBytes((i == 0 ? "{" : ",") + _labelNames[i] + "=\"");
        }
    }

    public string Name { get; }

    public string Help { get; }

    public MetricType Type { get; }

    public IReadOnlyList<string> LabelNames => _labelNames;

    internal int LabelCount => _labelNames.Length;

    internal byte[] Header { get; }

    internal byte[] NameUtf8 { get; }

    /// <summary><c>{a="</c>, <c>,b="</c>…: what precedes each label value.</summary>
    internal byte[][] LabelOpenings { get; }
}
