using System.Buffers;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Drover.Metrics.Procfs;

namespace Drover.Metrics.Bench;

/// <summary>
/// Scrape cost for about 1,000 series: 100 counter families × 10 label values, plus a histogram family
/// with 10 series (14 lines each), plus a collector writing 1,000 labelled samples at scrape time.
/// The output buffer is reused, so Allocated shows what the scrape itself allocates.
/// </summary>
[MemoryDiagnoser]
public class ScrapeBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(256 * 1024);
    private MetricRegistry _counters = null!;
    private MetricRegistry _countersAndHistogram = null!;
    private MetricRegistry _collected = null!;
    private MetricRegistry _process = null!;
    private CounterChild _hotCounter = null!;
    private Counter _labelledCounter = null!;
    private HistogramChild _hotHistogram = null!;

    [GlobalSetup]
    public void Setup()
    {
        _counters = new MetricRegistry();
        AddCounters(_counters);

        _countersAndHistogram = new MetricRegistry();
        AddCounters(_countersAndHistogram);
        var histogram = _countersAndHistogram.CreateHistogram("bench_latency_seconds", "Latency.", "op");
        for (var op = 0; op < 10; op++)
        {
            var child = histogram.WithLabels("op" + op.ToString(CultureInfo.InvariantCulture));
            for (var i = 0; i < 100; i++)
            {
                child.Observe(i / 37.0);
            }
        }
        _hotHistogram = histogram.WithLabels("op0");

        _collected = new MetricRegistry();
        _collected.Register(new ThousandSamples());

        _process = new MetricRegistry();
        _process.Register(new ProcessCollector());

        _labelledCounter = _counters.CreateCounter("bench_hot_total", "Hot.", "task");
        _hotCounter = _labelledCounter.WithLabels("task-1");
    }

    [Benchmark(Description = "scrape 1,000 counter series")]
    public int Scrape1000Counters() => Scrape(_counters);

    [Benchmark(Description = "scrape 1,000 counters + histogram (10 series)")]
    public int Scrape1000CountersAndHistogram() => Scrape(_countersAndHistogram);

    [Benchmark(Description = "scrape collector, 1,000 labelled samples")]
    public int ScrapeCollector1000() => Scrape(_collected);

    [Benchmark(Description = "scrape process collector (/proc/self)")]
    public int ScrapeProcess() => Scrape(_process);

    [Benchmark(Description = "counter child Inc()")]
    public void CounterInc() => _hotCounter.Inc();

    [Benchmark(Description = "WithLabels lookup + Inc()")]
    public void WithLabelsInc() => _labelledCounter.WithLabels("task-1").Inc();

    [Benchmark(Description = "histogram Observe()")]
    public void HistogramObserve() => _hotHistogram.Observe(0.3);

    private int Scrape(MetricRegistry registry)
    {
        _output.ResetWrittenCount();
        registry.WriteTo(_output);
        return _output.WrittenCount;
    }

    private static void AddCounters(MetricRegistry registry)
    {
        for (var family = 0; family < 100; family++)
        {
            var counter = registry.CreateCounter(
                $"bench_family_{family.ToString(CultureInfo.InvariantCulture)}_total", "A benchmark counter.", "instance", "code");
            for (var value = 0; value < 10; value++)
            {
                counter.WithLabels($"node-{value.ToString(CultureInfo.InvariantCulture)}.example:9100", "200").Inc(family * 1000.5 + value);
            }
        }
    }

    private sealed class ThousandSamples : IMetricCollector
    {
        private static readonly MetricDescriptor Family = new("bench_collected", "Collected at scrape.", MetricType.Gauge, "task", "role");
        private readonly string[] _tasks = Enumerable.Range(0, 1000).Select(i => "task-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();

        public IReadOnlyList<MetricDescriptor> Families { get; } = [Family];

        public void Collect(MetricSink sink)
        {
            for (var i = 0; i < _tasks.Length; i++)
            {
                sink.Add(Family, i * 0.25, _tasks[i], "data");
            }
        }
    }
}
