using Drover.Metrics.Exposition;

namespace Drover.Metrics;

/// <summary>A counter or gauge without labels whose value is read from a function at every scrape.</summary>
internal sealed class CallbackMetric : MetricFamily
{
    private static readonly byte[] NoLabels = [];
    private readonly Func<double> _read;

    internal CallbackMetric(string name, string help, MetricType type, Func<double> read)
        : base(name, help, type, [])
    {
        ArgumentNullException.ThrowIfNull(read);
        _read = read;
    }

    internal override void Write(ref ExpositionWriter writer, Action<Exception>? onError)
    {
        double value;
        try
        {
            value = _read();
        }
#pragma warning disable CA1031 // A failing callback costs its own sample, not the whole scrape.
        catch (Exception error)
#pragma warning restore CA1031
        {
            onError?.Invoke(new MetricCollectionException($"The callback of metric '{Name}' failed.", error));
            return;
        }
        WriteHeader(ref writer);
        WriteSample(ref writer, NameUtf8, NoLabels, value);
    }
}
