namespace Drover.Metrics;

/// <summary>
/// Code that produces a batch of samples at scrape time (process statistics, per-task state read on
/// demand). It declares its families once, so the registry can refuse duplicate names at registration,
/// and at every scrape adds samples for them to a <see cref="MetricSink"/>.
/// </summary>
public interface IMetricCollector
{
    /// <summary>The families this collector writes. Read once, at registration; must not change afterwards.</summary>
    IReadOnlyList<MetricDescriptor> Families { get; }

    /// <summary>
    /// Adds this scrape's samples. Called under the registry's scrape lock, one scrape at a time. A
    /// collector must not add two samples with the same label values to a family. If it throws, its
    /// samples are left out of this scrape and the registry's error callback is told.
    /// </summary>
    void Collect(MetricSink sink);
}
