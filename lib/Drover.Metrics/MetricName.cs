namespace Drover.Metrics;

/// <summary>
/// Metric and label names as the Prometheus data model allows them
/// (https://prometheus.io/docs/concepts/data_model/): metric names match
/// <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>, label names <c>[a-zA-Z_][a-zA-Z0-9_]*</c>,
/// and label names starting with <c>__</c> are reserved for Prometheus itself.
/// </summary>
public static class MetricName
{
    /// <summary>The label that carries a histogram bucket's upper bound.</summary>
    public const string BucketLabel = "le";

    public static bool IsValidMetricName(string? name)
    {
        if (string.IsNullOrEmpty(name) || !IsMetricNameStart(name[0]))
        {
            return false;
        }
        foreach (var c in name.AsSpan(1))
        {
            if (!IsMetricNameStart(c) && !IsDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsValidLabelName(string? name)
    {
        if (string.IsNullOrEmpty(name) || !IsLabelNameStart(name[0]))
        {
            return false;
        }
        foreach (var c in name.AsSpan(1))
        {
            if (!IsLabelNameStart(c) && !IsDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the offending value when <paramref name="name"/> is not a valid metric name.</summary>
    public static void ValidateMetricName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidMetricName(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid metric name: it must match [a-zA-Z_:][a-zA-Z0-9_:]*.", nameof(name));
        }
    }

    /// <summary>
    /// Checks a family's label names: each valid, none reserved (<c>__</c> prefix; <c>le</c> on histograms), no repeats.
    /// Returns a private copy so that later changes to the caller's array cannot touch the family.
    /// </summary>
    public static string[] ValidateLabelNames(ReadOnlySpan<string> labelNames, MetricType type, string metricName)
    {
        var copy = labelNames.ToArray();
        for (var i = 0; i < copy.Length; i++)
        {
            var label = copy[i] ?? throw new ArgumentException($"Metric '{metricName}': label name {i} is null.", nameof(labelNames));
            if (!IsValidLabelName(label))
            {
                throw new ArgumentException(
                    $"Metric '{metricName}': '{label}' is not a valid label name: it must match [a-zA-Z_][a-zA-Z0-9_]*.", nameof(labelNames));
            }
            if (label.StartsWith("__", StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"Metric '{metricName}': label name '{label}' starts with '__', which is reserved for Prometheus.", nameof(labelNames));
            }
            if (type == MetricType.Histogram && label == BucketLabel)
            {
                throw new ArgumentException(
                    $"Histogram '{metricName}': label name 'le' is reserved for the bucket bound.", nameof(labelNames));
            }
            for (var j = 0; j < i; j++)
            {
                if (copy[j] == label)
                {
                    throw new ArgumentException($"Metric '{metricName}': label name '{label}' appears twice.", nameof(labelNames));
                }
            }
        }
        return copy;
    }

    private static bool IsMetricNameStart(char c) => IsLabelNameStart(c) || c == ':';

    private static bool IsLabelNameStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';

    private static bool IsDigit(char c) => c is >= '0' and <= '9';
}
