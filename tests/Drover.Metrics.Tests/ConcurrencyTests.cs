namespace Drover.Metrics.Tests;

public class ConcurrencyTests
{
    private const int Threads = 8;
    private const int PerThread = 100_000;

    [Fact]
    public void Counter_ParallelIncrements_SumExactly()
    {
        var counter = new MetricRegistry().CreateCounter("c_total", "C.");
        RunOnThreads(_ =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                counter.Inc();
            }
        });
        Assert.Equal(Threads * PerThread, counter.Value);
    }

    [Fact]
    public void Gauge_ParallelIncAndDec_CancelOut()
    {
        var gauge = new MetricRegistry().CreateGauge("g", "G.");
        gauge.Set(5);
        RunOnThreads(t =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                if (t % 2 == 0)
                {
                    gauge.Inc(0.5);
                }
                else
                {
                    gauge.Dec(0.5);
                }
            }
        });
        Assert.Equal(5, gauge.Value);
    }

    [Fact]
    public void Histogram_ParallelObservations_AreAllCounted()
    {
        var histogram = new MetricRegistry().CreateHistogram("h", "H.", [1, 2, 3]);
        RunOnThreads(t =>
        {
            for (var i = 0; i < PerThread / 4; i++)
            {
                histogram.Observe(t % 4);
            }
        });
        var child = histogram.WithLabels();
        Assert.Equal(Threads * PerThread / 4, child.Count);
        Assert.Equal((0 + 1 + 2 + 3) * 2.0 * (PerThread / 4), child.Sum);
    }

    [Fact]
    public void WithLabels_RacingCreators_ShareOneSeriesPerLabelSet()
    {
        var counter = new MetricRegistry().CreateCounter("c_total", "C.", "key");
        RunOnThreads(_ =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                counter.WithLabels((i % 100).ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
            }
        });
        for (var key = 0; key < 100; key++)
        {
            Assert.Equal(Threads * 200, counter.WithLabels(key.ToString(System.Globalization.CultureInfo.InvariantCulture)).Value);
        }
    }

    [Fact]
    public async Task Scrape_WhileUpdatingAndAddingSeries_IsAlwaysWellFormed()
    {
        var registry = new MetricRegistry();
        var counter = registry.CreateCounter("c_total", "C.", "key");
        var histogram = registry.CreateHistogram("h_seconds", "H.");
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 3).Select(t => Task.Run(() =>
        {
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                counter.WithLabels($"{t}-{i++ % 500}").Inc();
                histogram.Observe(i % 13 / 10.0);
            }
        })).ToArray();
        double lastTotal = 0;
        for (var scrape = 0; scrape < 200; scrape++)
        {
            var samples = ExpositionParser.Parse(Scrape.Text(registry));
            // Within one scrape, a histogram's +Inf bucket equals its _count.
            var inf = samples.Where(s => s.Name == "h_seconds_bucket" && s.Label("le") == "+Inf").Select(s => s.Value).SingleOrDefault();
            var count = samples.Where(s => s.Name == "h_seconds_count").Select(s => s.Value).SingleOrDefault();
            Assert.Equal(inf, count);
            var total = samples.Where(s => s.Name == "c_total").Sum(s => s.Value);
            Assert.True(total >= lastTotal, "counters went down between scrapes");
            lastTotal = total;
        }
        await stop.CancelAsync();
        await Task.WhenAll(writers);
    }

    private static void RunOnThreads(Action<int> work)
    {
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            work(t);
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }
        foreach (var thread in threads)
        {
            thread.Join();
        }
    }
}
