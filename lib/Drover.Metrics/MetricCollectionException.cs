namespace Drover.Metrics;

/// <summary>A callback or collector failed during a scrape; its samples were left out of that scrape.</summary>
public sealed class MetricCollectionException : Exception
{
    public MetricCollectionException()
    {
    }

    public MetricCollectionException(string message)
        : base(message)
    {
    }

    public MetricCollectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
