namespace Drover.Metrics.Tests;

public class RegistrationTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("_a")]
    [InlineData(":a")]
    [InlineData("a:b_c9")]
    [InlineData("http_requests_total")]
    public void MetricName_Valid_IsAccepted(string name)
    {
        Assert.True(MetricName.IsValidMetricName(name));
        new MetricRegistry().CreateGauge(name, "help");
    }

    [Theory]
    [InlineData("")]
    [InlineData("9a")]
    [InlineData("a-b")]
    [InlineData("a b")]
    [InlineData("é")]
    [InlineData("a.b")]
    public void MetricName_Invalid_IsRefusedWithTheName(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => new MetricRegistry().CreateCounter(name, "help"));
        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9a")]
    [InlineData("a:b")]
    [InlineData("a-b")]
    [InlineData("__name")]
    [InlineData("__")]
    [InlineData("")]
    public void LabelName_InvalidOrReserved_IsRefused(string label)
    {
        var error = Assert.Throws<ArgumentException>(() => new MetricRegistry().CreateCounter("c_total", "help", label));
        Assert.Contains($"'{label}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelName_Le_IsReservedOnHistogramsOnly()
    {
        var registry = new MetricRegistry();
        var error = Assert.Throws<ArgumentException>(() => registry.CreateHistogram("h", "help", "le"));
        Assert.Contains("'le' is reserved", error.Message, StringComparison.Ordinal);
        registry.CreateGauge("g", "help", "le").WithLabels("x").Set(1);
    }

    [Fact]
    public void LabelName_Repeated_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new MetricRegistry().CreateGauge("g", "help", "a", "a"));
    }

    [Fact]
    public void DuplicateName_IsRefusedNamingTheHolder()
    {
        var registry = new MetricRegistry();
        registry.CreateCounter("jobs_total", "Jobs.");
        var error = Assert.Throws<InvalidOperationException>(() => registry.CreateGauge("jobs_total", "Jobs again."));
        Assert.Contains("'jobs_total' is already used by counter 'jobs_total'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HistogramSuffixes_ClashWithOtherFamilies()
    {
        var registry = new MetricRegistry();
        registry.CreateCounter("latency_count", "A count.");
        Assert.Throws<InvalidOperationException>(() => registry.CreateHistogram("latency", "Latency."));
        registry.CreateHistogram("size_bytes", "Sizes.");
        Assert.Throws<InvalidOperationException>(() => registry.CreateGauge("size_bytes_bucket", "Clash."));
    }

    [Fact]
    public void Collector_WithTakenName_IsRefusedAndChangesNothing()
    {
        var registry = new MetricRegistry();
        registry.CreateGauge("taken", "Taken.");
        var collector = new ExpositionTests.LambdaCollector(
            [new MetricDescriptor("free", "Free.", MetricType.Gauge), new MetricDescriptor("taken", "Taken.", MetricType.Gauge)],
            sink => { });
        Assert.Throws<InvalidOperationException>(() => registry.Register(collector));
        // "free" was not taken by the failed registration.
        registry.CreateGauge("free", "Free.");
    }

    [Fact]
    public void Collector_DeclaringANameTwice_IsRefused()
    {
        var d = new MetricDescriptor("twice", "Twice.", MetricType.Gauge);
        var error = Assert.Throws<InvalidOperationException>(
            () => new MetricRegistry().Register(new ExpositionTests.LambdaCollector([d, d], sink => { })));
        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Collector_RegisteredTwice_IsRefused()
    {
        var registry = new MetricRegistry();
        var collector = new ExpositionTests.LambdaCollector([], sink => { });
        registry.Register(collector);
        Assert.Throws<InvalidOperationException>(() => registry.Register(collector));
    }

    [Fact]
    public void MetricDescriptor_Histogram_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new MetricDescriptor("h", "H.", MetricType.Histogram));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(-0.0001)]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    public void Counter_NegativeOrNaNIncrement_Throws(double amount)
    {
        var counter = new MetricRegistry().CreateCounter("c_total", "C.");
        counter.Inc(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => counter.Inc(amount));
        Assert.Equal(2, counter.Value);
    }

    [Fact]
    public void Gauge_GoesUpAndDown()
    {
        var gauge = new MetricRegistry().CreateGauge("g", "G.");
        gauge.Set(10);
        gauge.Inc(2.5);
        gauge.Dec();
        gauge.Dec(20);
        Assert.Equal(-8.5, gauge.Value);
    }

    [Fact]
    public void LabelledFamily_UsedWithoutLabels_ThrowsClearly()
    {
        var counter = new MetricRegistry().CreateCounter("c_total", "C.", "kind");
        var error = Assert.Throws<InvalidOperationException>(() => counter.Inc());
        Assert.Contains("WithLabels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithLabels_WrongCountOrNull_Throws()
    {
        var counter = new MetricRegistry().CreateCounter("c_total", "C.", "a", "b");
        Assert.Throws<ArgumentException>(() => counter.WithLabels("only-one"));
        Assert.Throws<ArgumentException>(() => counter.WithLabels("1", "2", "3"));
        Assert.Throws<ArgumentNullException>(() => counter.WithLabels("1", null!));
    }

    [Fact]
    public void HistogramBuckets_MustIncreaseAndNotBeNaN()
    {
        var registry = new MetricRegistry();
        Assert.Throws<ArgumentException>(() => registry.CreateHistogram("a", "A.", [1, 1]));
        Assert.Throws<ArgumentException>(() => registry.CreateHistogram("b", "B.", [2, 1]));
        Assert.Throws<ArgumentException>(() => registry.CreateHistogram("c", "C.", [double.NaN]));
        Assert.Equal([1, 2, 4, 8], Histogram.ExponentialBuckets(1, 2, 4));
        Assert.Equal([0.5, 1.5, 2.5], Histogram.LinearBuckets(0.5, 1, 3));
        // A refused histogram took no name.
        registry.CreateHistogram("a", "A.", [1, 2]);
    }
}
