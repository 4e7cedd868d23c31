using Drover.Metrics.Procfs;

namespace Drover.Metrics.Tests;

public class ProcessCollectorTests
{
    [Fact]
    public void Collect_ThisProcess_ReportsPlausibleValuesWithGoClientNames()
    {
        var registry = new MetricRegistry(error => Assert.Fail(error.ToString()));
        registry.Register(new ProcessCollector());
        var text = Scrape.Text(registry);
        var samples = ExpositionParser.Parse(text).ToDictionary(s => s.Name, s => s.Value);
        var help = ExpositionParser.Help(text);

        Assert.Equal("Total user and system CPU time spent in seconds.", help["process_cpu_seconds_total"]);
        Assert.Equal("Resident memory size in bytes.", help["process_resident_memory_bytes"]);
        Assert.Equal("Virtual memory size in bytes.", help["process_virtual_memory_bytes"]);
        Assert.Equal("Number of open file descriptors.", help["process_open_fds"]);
        Assert.Equal("Maximum number of open file descriptors.", help["process_max_fds"]);
        Assert.Equal("Start time of the process since unix epoch in seconds.", help["process_start_time_seconds"]);
        Assert.Contains("# TYPE process_cpu_seconds_total counter\n", text, StringComparison.Ordinal);

        using var self = System.Diagnostics.Process.GetCurrentProcess();
        self.Refresh();
        Assert.InRange(samples["process_cpu_seconds_total"], 0.01, self.TotalProcessorTime.TotalSeconds + 1);
        Assert.InRange(samples["process_resident_memory_bytes"], self.WorkingSet64 / 4.0, self.WorkingSet64 * 4.0);
        Assert.True(samples["process_virtual_memory_bytes"] >= samples["process_resident_memory_bytes"]);
        Assert.InRange(samples["process_threads"], 1, 10_000);
        Assert.InRange(samples["process_open_fds"], 3, samples["process_max_fds"]);
        var start = new DateTimeOffset(self.StartTime).ToUnixTimeMilliseconds() / 1000.0;
        Assert.InRange(samples["process_start_time_seconds"], start - 2, start + 2);
        Assert.True(samples["process_virtual_memory_max_bytes"] > 0);
    }

    [Fact]
    public void Collect_UnreadableStat_ReportsAnErrorAndDropsOnlyProcessSamples()
    {
        var dir = Directory.CreateTempSubdirectory("drover-proc-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "stat"), "1 (x) S 1 1 1 0 -1 0 0 0 0 0 10 10 0 0 20 0 1 0 100 1000 10\n");
            File.WriteAllText(Path.Combine(dir, "limits"), "Max open files 10 10 files\nMax address space unlimited unlimited bytes\n");
            Directory.CreateDirectory(Path.Combine(dir, "fd"));
            File.WriteAllText(Path.Combine(dir, "boot"), "btime 1000\n");
            var collector = new ProcessCollector(dir, Path.Combine(dir, "boot"));
            var errors = new List<Exception>();
            var registry = new MetricRegistry(errors.Add);
            registry.Register(collector);
            registry.CreateGauge("other", "Other.").Set(1);

            var samples = ExpositionParser.Parse(Scrape.Text(registry)).ToDictionary(s => s.Name, s => s.Value);
            Assert.Equal(1001, samples["process_start_time_seconds"]);
            Assert.Equal(0.2, samples["process_cpu_seconds_total"]);
            Assert.Equal(10, samples["process_max_fds"]);

            File.WriteAllText(Path.Combine(dir, "stat"), "garbage");
            samples = ExpositionParser.Parse(Scrape.Text(registry)).ToDictionary(s => s.Name, s => s.Value);
            Assert.Equal(["other"], samples.Keys);
            var error = Assert.IsType<MetricCollectionException>(Assert.Single(errors));
            Assert.Contains("Unrecognised", error.InnerException!.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
