using System.Collections.Concurrent;

namespace Drover.Metrics;

/// <summary>
/// The series of one family keyed by label values. Lookups are lock-free and allocation-free (an
/// alternate lookup on a borrowed span); adding or removing a series is rare and takes a lock to
/// publish a new sorted array, which a scrape reads without locking.
/// </summary>
internal sealed class SeriesSet<TSeries>
    where TSeries : MetricSeries
{
    private readonly ConcurrentDictionary<string[], TSeries> _byValues = new(LabelValuesComparer.Instance);
    private readonly ConcurrentDictionary<string[], TSeries>.AlternateLookup<LabelValuesSpan> _lookup;
    private readonly Func<string[], TSeries> _create;
    private readonly string _metricName;
    private readonly int _labelCount;
    private readonly Lock _gate = new();
    private TSeries[] _sorted = [];

    public SeriesSet(string metricName, int labelCount, Func<string[], TSeries> create)
    {
        _metricName = metricName;
        _labelCount = labelCount;
        _create = create;
        _lookup = _byValues.GetAlternateLookup<LabelValuesSpan>();
    }

    /// <summary>The series in label-value order, as of now; never modified after publication.</summary>
    public TSeries[] Snapshot => Volatile.Read(ref _sorted);

    public TSeries GetOrAdd(ReadOnlySpan<string> labelValues)
    {
        CheckCount(labelValues);
        if (_lookup.TryGetValue(new LabelValuesSpan(labelValues), out var existing))
        {
            return existing;
        }
        return Add(labelValues);
    }

    public bool Remove(ReadOnlySpan<string> labelValues)
    {
        CheckCount(labelValues);
        lock (_gate)
        {
            if (!_lookup.TryRemove(new LabelValuesSpan(labelValues), out _, out var removed))
            {
                return false;
            }
            var current = _sorted;
            var next = new TSeries[current.Length - 1];
            var n = 0;
            foreach (var series in current)
            {
                if (!ReferenceEquals(series, removed))
                {
                    next[n++] = series;
                }
            }
            Volatile.Write(ref _sorted, next);
            return true;
        }
    }

    private TSeries Add(ReadOnlySpan<string> labelValues)
    {
        for (var i = 0; i < labelValues.Length; i++)
        {
            if (labelValues[i] is null)
            {
                throw new ArgumentNullException(nameof(labelValues), $"Metric '{_metricName}': label value {i} is null.");
            }
        }
        lock (_gate)
        {
            if (_lookup.TryGetValue(new LabelValuesSpan(labelValues), out var raced))
            {
                return raced;
            }
            var key = labelValues.ToArray();
            var series = _create(key);
            _byValues[key] = series;
            Volatile.Write(ref _sorted, InsertSorted(_sorted, series));
            return series;
        }
    }

    private static TSeries[] InsertSorted(TSeries[] current, TSeries series)
    {
        var at = 0;
        while (at < current.Length && LabelValuesComparer.Compare(current[at].LabelValueArray, series.LabelValueArray) < 0)
        {
            at++;
        }
        var next = new TSeries[current.Length + 1];
        Array.Copy(current, next, at);
        next[at] = series;
        Array.Copy(current, at, next, at + 1, current.Length - at);
        return next;
    }

    private void CheckCount(ReadOnlySpan<string> labelValues)
    {
        if (labelValues.Length != _labelCount)
        {
            throw new ArgumentException(
                $"Metric '{_metricName}' has {_labelCount} label(s); {labelValues.Length} value(s) were given.", nameof(labelValues));
        }
    }
}
