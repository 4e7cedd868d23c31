using Drover.Metrics.Exposition;

namespace Drover.Metrics.Tests;

public class ExpositionTests
{
    [Fact]
    public void WriteTo_MixedRegistry_WritesSortedFamiliesExactly()
    {
        var registry = new MetricRegistry();
        var requests = registry.CreateCounter("http_requests_total", "Requests served.", "method", "code");
        requests.WithLabels("post", "500").Inc();
        requests.WithLabels("get", "200").Inc(1027);
        var temperature = registry.CreateGauge("a_temperature_celsius", "Temperature.\nIn \\ Celsius.");
        temperature.Set(-3.5);
        var latency = registry.CreateHistogram("rpc_duration_seconds", "RPC latency.", [0.05, 0.1, 1]);
        latency.Observe(0.01);
        latency.Observe(0.1);
        latency.Observe(7);
        registry.CreateCallbackGauge("b_special", "Special values.", () => double.NaN);

        var expected =
            "# HELP a_temperature_celsius Temperature.\\nIn \\\\ Celsius.\n" +
            "# TYPE a_temperature_celsius gauge\n" +
            "a_temperature_celsius -3.5\n" +
            "# HELP b_special Special values.\n" +
            "# TYPE b_special gauge\n" +
            "b_special NaN\n" +
            "# HELP http_requests_total Requests served.\n" +
            "# TYPE http_requests_total counter\n" +
            "http_requests_total{method=\"get\",code=\"200\"} 1027\n" +
            "http_requests_total{method=\"post\",code=\"500\"} 1\n" +
            "# HELP rpc_duration_seconds RPC latency.\n" +
            "# TYPE rpc_duration_seconds histogram\n" +
            "rpc_duration_seconds_bucket{le=\"0.05\"} 1\n" +
            "rpc_duration_seconds_bucket{le=\"0.1\"} 2\n" +
            "rpc_duration_seconds_bucket{le=\"1\"} 2\n" +
            "rpc_duration_seconds_bucket{le=\"+Inf\"} 3\n" +
            "rpc_duration_seconds_sum 7.11\n" +
            "rpc_duration_seconds_count 3\n";
        Assert.Equal(expected, Scrape.Text(registry));
    }

    [Fact]
    public void WriteTo_LabelValues_EscapesBackslashQuoteAndNewline()
    {
        var registry = new MetricRegistry();
        registry.CreateGauge("msdos_file_access_time_seconds", "Access time.", "path", "error")
            .WithLabels(@"C:\DIR\FILE.TXT", "Cannot find file:\n\"FILE.TXT\"")
            .Set(1.458255915e9);

        // The example of the exposition format documentation, byte for byte.
        Assert.Contains(
            "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e+09\n",
            Scrape.Text(registry));
    }

    [Fact]
    public void WriteTo_Unicode_IsUtf8AndUnescaped()
    {
        var registry = new MetricRegistry();
        registry.CreateCounter("greetings_total", "Grüße ☃.", "word").WithLabels("héllo 世界 🎉").Inc();
        var text = Scrape.Text(registry);
        Assert.Contains("# HELP greetings_total Grüße ☃.\n", text);
        Assert.Contains("greetings_total{word=\"héllo 世界 🎉\"} 1\n", text);
    }

    [Fact]
    public void WriteTo_HistogramWithLabels_PutsLeLastAndCountsCumulatively()
    {
        var registry = new MetricRegistry();
        var histogram = registry.CreateHistogram("job_seconds", "Job time.", [1, 2], "job");
        var child = histogram.WithLabels("backup");
        child.Observe(0.5);
        child.Observe(1.5);
        child.Observe(1.5);
        child.Observe(double.NaN); // Go counts NaN in +Inf, and the sum becomes NaN.
        var text = Scrape.Text(registry);
        Assert.Contains(
            "job_seconds_bucket{job=\"backup\",le=\"1\"} 1\n" +
            "job_seconds_bucket{job=\"backup\",le=\"2\"} 3\n" +
            "job_seconds_bucket{job=\"backup\",le=\"+Inf\"} 4\n" +
            "job_seconds_sum{job=\"backup\"} NaN\n" +
            "job_seconds_count{job=\"backup\"} 4\n", text);
        Assert.Equal(4, child.Count);
    }

    [Fact]
    public void WriteTo_DefaultBuckets_AreThePrometheusOnes()
    {
        var registry = new MetricRegistry();
        registry.CreateHistogram("d_seconds", "Default buckets.").Observe(3);
        var bounds = ExpositionParser.Parse(Scrape.Text(registry))
            .Where(s => s.Name == "d_seconds_bucket")
            .Select(s => s.Label("le")!)
            .ToArray();
        Assert.Equal(["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"], bounds);
    }

    [Fact]
    public void WriteTo_ExplicitInfBucket_IsWrittenOnce()
    {
        var registry = new MetricRegistry();
        registry.CreateHistogram("x_seconds", "X.", [1, double.PositiveInfinity]).Observe(5);
        Assert.Single(ExpositionParser.Parse(Scrape.Text(registry)), s => s.Label("le") == "+Inf");
    }

    [Fact]
    public void WriteTo_LabelledFamilyWithoutSeries_IsLeftOut()
    {
        var registry = new MetricRegistry();
        registry.CreateCounter("unused_total", "Never used.", "kind");
        Assert.Equal(string.Empty, Scrape.Text(registry));
    }

    [Fact]
    public void WriteTo_UnlabelledFamily_IsWrittenAtZero()
    {
        var registry = new MetricRegistry();
        registry.CreateCounter("started_total", "Starts.");
        Assert.Equal("# HELP started_total Starts.\n# TYPE started_total counter\nstarted_total 0\n", Scrape.Text(registry));
    }

    [Fact]
    public void WriteTo_SeriesWithinFamily_AreInLabelOrderWhateverTheCreationOrder()
    {
        var registry = new MetricRegistry();
        var gauge = registry.CreateGauge("g", "G.", "a", "b");
        foreach (var (a, b) in new[] { ("z", "1"), ("a", "2"), ("m", "0"), ("a", "1") })
        {
            gauge.WithLabels(a, b).Set(1);
        }
        var order = ExpositionParser.Parse(Scrape.Text(registry)).Select(s => s.Label("a") + s.Label("b"));
        Assert.Equal(["a1", "a2", "m0", "z1"], order);
    }

    [Fact]
    public void RemoveLabels_DropsTheSeriesFromLaterScrapes()
    {
        var registry = new MetricRegistry();
        var gauge = registry.CreateGauge("task_up", "Task up.", "task");
        gauge.WithLabels("t1").Set(1);
        gauge.WithLabels("t2").Set(1);
        Assert.True(gauge.RemoveLabels("t1"));
        Assert.False(gauge.RemoveLabels("t1"));
        var samples = ExpositionParser.Parse(Scrape.Text(registry));
        Assert.Equal("t2", Assert.Single(samples).Label("task"));
    }

    [Fact]
    public void WithLabels_SameValues_ReturnsTheSameSeries()
    {
        var registry = new MetricRegistry();
        var counter = registry.CreateCounter("c_total", "C.", "a");
        Assert.Same(counter.WithLabels("x"), counter.WithLabels(new string("x".AsSpan())));
        Assert.NotSame(counter.WithLabels("x"), counter.WithLabels("y"));
    }

    [Fact]
    public void Collector_SamplesAreMergedIntoNameOrder()
    {
        var registry = new MetricRegistry();
        registry.CreateGauge("m_middle", "Middle.").Set(2);
        registry.Register(new FixedCollector());
        var text = Scrape.Text(registry);
        Assert.Equal(
            "# HELP a_first First.\n# TYPE a_first counter\na_first{task=\"t\\\"1\"} 1\na_first{task=\"t2\"} 2\n" +
            "# HELP m_middle Middle.\n# TYPE m_middle gauge\nm_middle 2\n" +
            "# HELP z_last Last.\n# TYPE z_last untyped\nz_last +Inf\n",
            text);
        // Twice, to show the reused buffers start clean.
        Assert.Equal(text, Scrape.Text(registry));
    }

    [Fact]
    public void Collector_ThatThrows_LosesOnlyItsOwnSamplesAndIsReported()
    {
        var errors = new List<Exception>();
        var registry = new MetricRegistry(errors.Add);
        registry.CreateGauge("ok", "Fine.").Set(1);
        registry.Register(new ThrowingCollector());
        registry.CreateCallbackGauge("broken_callback", "Throws.", () => throw new InvalidOperationException("boom"));
        var text = Scrape.Text(registry);
        Assert.Equal("# HELP ok Fine.\n# TYPE ok gauge\nok 1\n", text);
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.IsType<MetricCollectionException>(e));
    }

    [Fact]
    public void Collector_UndeclaredFamilyOrWrongLabelCount_Throws()
    {
        var declared = new MetricDescriptor("d", "D.", MetricType.Gauge, "a");
        var other = new MetricDescriptor("o", "O.", MetricType.Gauge);
        var errors = new List<Exception>();
        var registry = new MetricRegistry(errors.Add);
        registry.Register(new LambdaCollector([declared], sink =>
        {
            Assert.Throws<InvalidOperationException>(() => sink.Add(other, 1));
            Assert.Throws<ArgumentException>(() => sink.Add(declared, 1));
            Assert.Throws<ArgumentNullException>(() => sink.Add(declared, 1, [null!]));
            sink.Add(declared, 5, "ok");
        }));
        Assert.Equal("# HELP d D.\n# TYPE d gauge\nd{a=\"ok\"} 5\n", Scrape.Text(registry));
        Assert.Empty(errors);
    }

    [Fact]
    public void Unregister_RemovesFamilyAndFreesItsNames()
    {
        var registry = new MetricRegistry();
        var histogram = registry.CreateHistogram("h", "H.");
        var collector = new FixedCollector();
        registry.Register(collector);
        Assert.True(registry.Unregister(histogram));
        Assert.True(registry.Unregister(collector));
        Assert.False(registry.Unregister(collector));
        Assert.Equal(string.Empty, Scrape.Text(registry));
        registry.CreateCounter("h_count", "Now free.");
        registry.Register(collector);
    }

    [Fact]
    public void ContentType_IsTextFormat004()
    {
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", TextFormat.ContentType);
    }

    private sealed class FixedCollector : IMetricCollector
    {
        private static readonly MetricDescriptor First = new("a_first", "First.", MetricType.Counter, "task");
        private static readonly MetricDescriptor Last = new("z_last", "Last.", MetricType.Untyped);

        public IReadOnlyList<MetricDescriptor> Families { get; } = [Last, First];

        public void Collect(MetricSink sink)
        {
            sink.Add(Last, double.PositiveInfinity);
            sink.Add(First, 1, "t\"1");
            sink.Add(First, 2, "t2");
        }
    }

    private sealed class ThrowingCollector : IMetricCollector
    {
        private static readonly MetricDescriptor Partial = new("partial", "Partial.", MetricType.Gauge);

        public IReadOnlyList<MetricDescriptor> Families { get; } = [Partial];

        public void Collect(MetricSink sink)
        {
            sink.Add(Partial, 1);
            throw new IOException("disk gone");
        }
    }

    internal sealed class LambdaCollector(IReadOnlyList<MetricDescriptor> families, Action<MetricSink> collect) : IMetricCollector
    {
        public IReadOnlyList<MetricDescriptor> Families { get; } = families;

        public void Collect(MetricSink sink) => collect(sink);
    }
}
