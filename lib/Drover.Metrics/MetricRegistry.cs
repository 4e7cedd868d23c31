using System.Buffers;
using Drover.Metrics.Exposition;

namespace Drover.Metrics;

/// <summary>
/// The set of families one process exposes, and their rendering in the Prometheus text format 0.0.4.
/// Registration is rare and takes a lock; updates to series never touch the registry; scrapes run one
/// at a time and write families sorted by name, each family's samples together.
/// </summary>
public sealed class MetricRegistry
{
    private readonly Lock _registrationGate = new();
    private readonly Lock _scrapeGate = new();
    private readonly Action<Exception>? _onCollectError;
    private readonly MetricSink _sink = new();

    /// <summary>Every sample name taken (a histogram takes four), and who took it, for the error message.</summary>
    private readonly Dictionary<string, string> _takenNames = new(StringComparer.Ordinal);
    private readonly List<MetricFamily> _families = [];
    private readonly List<IMetricCollector> _collectors = [];
    private readonly Dictionary<IMetricCollector, MetricDescriptor[]> _collectorFamilies = new(ReferenceEqualityComparer.Instance);
    private Layout _layout = Layout.Empty;

    /// <param name="onCollectError">
    /// Told when a callback or collector throws during a scrape (its samples are then left out of that
    /// scrape). Called on the scraping thread; it should not throw.
    /// </param>
    public MetricRegistry(Action<Exception>? onCollectError = null)
    {
        _onCollectError = onCollectError;
    }

    public Counter CreateCounter(string name, string help, params string[] labelNames) =>
        Add(new Counter(name, help, labelNames));

    public Gauge CreateGauge(string name, string help, params string[] labelNames) =>
        Add(new Gauge(name, help, labelNames));

    /// <summary>A histogram with <see cref="Histogram.DefaultBuckets"/>.</summary>
    public Histogram CreateHistogram(string name, string help, params string[] labelNames) =>
        Add(new Histogram(name, help, Histogram.DefaultBuckets, labelNames));

    /// <summary>A histogram with the given finite, strictly increasing upper bounds (+Inf is added).</summary>
    public Histogram CreateHistogram(string name, string help, double[] buckets, params string[] labelNames) =>
        Add(new Histogram(name, help, buckets, labelNames));

    /// <summary>A gauge without labels whose value <paramref name="read"/> returns at each scrape.</summary>
    public MetricFamily CreateCallbackGauge(string name, string help, Func<double> read) =>
        Add(new CallbackMetric(name, help, MetricType.Gauge, read));

    /// <summary>A counter without labels whose value <paramref name="read"/> returns at each scrape; it must never decrease.</summary>
    public MetricFamily CreateCallbackCounter(string name, string help, Func<double> read) =>
        Add(new CallbackMetric(name, help, MetricType.Counter, read));

    /// <summary>Adds a collector; refused if one of its family names is already taken (or repeated).</summary>
    public void Register(IMetricCollector collector)
    {
        ArgumentNullException.ThrowIfNull(collector);
        MetricDescriptor[] families = [.. collector.Families ?? throw new ArgumentException("The collector's Families is null.", nameof(collector))];
        var owner = $"collector {collector.GetType().Name}";
        lock (_registrationGate)
        {
            if (_collectorFamilies.ContainsKey(collector))
            {
                throw new InvalidOperationException($"This {owner} is already registered.");
            }
            var names = new List<string>();
            foreach (var family in families)
            {
                ArgumentNullException.ThrowIfNull(family, nameof(collector));
                names.Add(family.Name);
            }
            TakeNames(names, owner);
            _collectors.Add(collector);
            _collectorFamilies.Add(collector, families);
            Publish();
        }
    }

    public bool Unregister(MetricFamily family)
    {
        ArgumentNullException.ThrowIfNull(family);
        lock (_registrationGate)
        {
            if (!_families.Remove(family))
            {
                return false;
            }
            foreach (var name in family.SampleNames)
            {
                _takenNames.Remove(name);
            }
            Publish();
            return true;
        }
    }

    public bool Unregister(IMetricCollector collector)
    {
        ArgumentNullException.ThrowIfNull(collector);
        lock (_registrationGate)
        {
            if (!_collectorFamilies.Remove(collector, out var families))
            {
                return false;
            }
            _collectors.Remove(collector);
            foreach (var family in families)
            {
                _takenNames.Remove(family.Name);
            }
            Publish();
            return true;
        }
    }

    /// <summary>Writes every family in the text format (<see cref="TextFormat.ContentType"/>) to <paramref name="output"/>.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var layout = Volatile.Read(ref _layout);
        lock (_scrapeGate)
        {
            try
            {
                Collect(layout);
                _sink.Group(layout.SlotCount);
                var writer = new ExpositionWriter(output);
                foreach (var entry in layout.Entries)
                {
                    if (entry.Family is not null)
                    {
                        entry.Family.Write(ref writer, _onCollectError);
                    }
                    else
                    {
                        _sink.WriteFamily(ref writer, entry.Descriptor!, entry.Slot);
                    }
                }
                writer.Flush();
            }
            finally
            {
                // Drop the collectors' label strings now rather than holding them until the next scrape.
                _sink.Reset();
            }
        }
    }

    private void Collect(Layout layout)
    {
        _sink.Reset();
        for (var i = 0; i < layout.Collectors.Length; i++)
        {
            var collector = layout.Collectors[i];
            var mark = _sink.Mark;
            _sink.Begin(layout.CollectorFamilies[i], layout.SlotBases[i]);
            try
            {
                collector.Collect(_sink);
            }
#pragma warning disable CA1031 // One failing collector costs its own samples, not the whole scrape.
            catch (Exception error)
#pragma warning restore CA1031
            {
                _sink.Rollback(mark);
                _onCollectError?.Invoke(new MetricCollectionException($"Collector {collector.GetType().Name} failed.", error));
            }
            finally
            {
                _sink.End();
            }
        }
    }

    private T Add<T>(T family)
        where T : MetricFamily
    {
        lock (_registrationGate)
        {
            TakeNames(family.SampleNames, $"{family.Type.ToString().ToLowerInvariant()} '{family.Name}'");
            _families.Add(family);
            Publish();
        }
        return family;
    }

    /// <summary>Takes all names or none: a clash leaves the registry as it was.</summary>
    private void TakeNames(IEnumerable<string> names, string owner)
    {
        var taking = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (_takenNames.TryGetValue(name, out var holder))
            {
                throw new InvalidOperationException(
                    $"Cannot register {owner}: the metric name '{name}' is already used by {holder}.");
            }
            if (!taking.Add(name))
            {
                throw new InvalidOperationException($"Cannot register {owner}: it declares the metric name '{name}' twice.");
            }
        }
        foreach (var name in taking)
        {
            _takenNames.Add(name, owner);
        }
    }

    private void Publish()
    {
        var entries = new List<Entry>(_families.Count);
        foreach (var family in _families)
        {
            entries.Add(new Entry(family.Name, family, null, -1));
        }
        var collectors = _collectors.ToArray();
        var collectorFamilies = new MetricDescriptor[collectors.Length][];
        var slotBases = new int[collectors.Length];
        var slot = 0;
        for (var i = 0; i < collectors.Length; i++)
        {
            collectorFamilies[i] = _collectorFamilies[collectors[i]];
            slotBases[i] = slot;
            foreach (var descriptor in collectorFamilies[i])
            {
                entries.Add(new Entry(descriptor.Name, null, descriptor, slot++));
            }
        }
        entries.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        Volatile.Write(ref _layout, new Layout([.. entries], collectors, collectorFamilies, slotBases, slot));
    }

    private readonly record struct Entry(string Name, MetricFamily? Family, MetricDescriptor? Descriptor, int Slot);

    /// <summary>An immutable picture of what is registered, replaced whole on every registration.</summary>
    private sealed record Layout(
        Entry[] Entries, IMetricCollector[] Collectors, MetricDescriptor[][] CollectorFamilies, int[] SlotBases, int SlotCount)
    {
        public static readonly Layout Empty = new([], [], [], [], 0);
    }
}
