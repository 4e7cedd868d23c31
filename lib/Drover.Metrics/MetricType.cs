namespace Drover.Metrics;

/// <summary>The metric types of the Prometheus text format 0.0.4 that Drover emits.</summary>
public enum MetricType
{
    Counter,
    Gauge,
    Histogram,
    Untyped,
}
