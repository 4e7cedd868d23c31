using System.Text;
using Drover.Metrics.Exposition;

namespace Drover.Metrics;

/// <summary>
/// A named family of series with one HELP text, one type and fixed label names. Families are created
/// by <see cref="MetricRegistry"/>, which refuses a second family of the same name.
/// </summary>
public abstract class MetricFamily
{
    private readonly string[] _labelNames;

    private protected MetricFamily(string name, string help, MetricType type, ReadOnlySpan<string> labelNames)
    {
        MetricName.ValidateMetricName(name);
        ArgumentNullException.ThrowIfNull(help);
        Name = name;
        Help = help;
        Type = type;
        _labelNames = MetricName.ValidateLabelNames(labelNames, type, name);
        Header = TextFormat.EncodeHeader(name, help, type);
        NameUtf8 = Encoding.UTF8.GetBytes(name);
    }

    public string Name { get; }

    public string Help { get; }

    public MetricType Type { get; }

    public IReadOnlyList<string> LabelNames => _labelNames;

    private protected string[] LabelNameArray => _labelNames;

    /// <summary>The <c># HELP</c> and <c># TYPE</c> lines.</summary>
    private protected byte[] Header { get; }

    private protected byte[] NameUtf8 { get; }

    /// <summary>Every sample name this family writes: taken names that another family may not use.</summary>
    internal virtual IEnumerable<string> SampleNames => [Name];

    /// <summary>Writes the family, or nothing if it has no series (as the Go client does).</summary>
    internal abstract void Write(ref ExpositionWriter writer, Action<Exception>? onError);

    private protected static void WriteSample(ref ExpositionWriter writer, byte[] name, byte[] labelBlock, double value)
    {
        writer.Write(name);
        writer.Write(labelBlock);
        writer.WriteByte((byte)' ');
        writer.WriteDouble(value);
        writer.WriteByte((byte)'\n');
    }

    private protected void WriteHeader(ref ExpositionWriter writer) => writer.Write(Header);

    private protected InvalidOperationException LabelledFamilyWithoutLabels() =>
        new($"Metric '{Name}' has labels ({string.Join(", ", _labelNames)}): use WithLabels(...) to pick a series.");
}
