using System.Net;
using Drover.Metrics.Http;
using Drover.Metrics.Procfs;
using Drover.Testing.Prometheus;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Metrics.Tests;

/// <summary>The exposition checked by the real Prometheus tools: promtool's linter and a scraping server.</summary>
public class PrometheusInteropTests
{
    private const string TrickyPath = "C:\\dir\\\"quoted\"\nline two ✓";

    private static MetricRegistry BuildRegistry()
    {
        var registry = new MetricRegistry(error => Assert.Fail(error.ToString()));
        registry.Register(new ProcessCollector());
        var requests = registry.CreateCounter("drover_test_requests_total", "Requests by path.\nSecond line with a \\ backslash.", "path", "code");
        requests.WithLabels(TrickyPath, "200").Inc(42);
        requests.WithLabels("/plain", "500").Inc(1e6);
        registry.CreateGauge("drover_test_not_a_number", "Always NaN.").Set(double.NaN);
        registry.CreateGauge("drover_test_limits", "Special values.", "kind").WithLabels("plus").Set(double.PositiveInfinity);
        registry.CreateGauge("drover_test_limits_negative", "Minus infinity.").Set(double.NegativeInfinity);
        var latency = registry.CreateHistogram("drover_test_latency_seconds", "Latency.", "op");
        latency.WithLabels("read").Observe(0.003);
        latency.WithLabels("read").Observe(12);
        registry.CreateCallbackGauge("drover_test_tiny", "A tiny value.", () => 1.5e-7);
        return registry;
    }

    [Fact]
    public async Task Promtool_AcceptsAScrapeOverHttp()
    {
        var registry = BuildRegistry();
        await using var server = MetricsServer.Start(registry, IPAddress.Loopback, 0);
        using var http = new HttpClient();
        var body = await http.GetStringAsync(new Uri($"http://127.0.0.1:{server.Port}/metrics"));
        Assert.Contains("drover_test_not_a_number NaN\n", body, StringComparison.Ordinal);
        Assert.Contains("drover_test_limits{kind=\"plus\"} +Inf\n", body, StringComparison.Ordinal);
        Assert.Contains("drover_test_requests_total{path=\"/plain\",code=\"500\"} 1e+06\n", body, StringComparison.Ordinal);

        var (exitCode, output) = await ExternalProcess.RunAsync(ExternalProcess.Promtool, "check metrics", body);
        Assert.True(exitCode == 0, $"promtool check metrics exited {exitCode}:\n{output}\n--- scrape ---\n{body}");
    }

    [Fact]
    public async Task Promtool_FlagsABrokenExposition()
    {
        // Proves the check above can fail: a counter without _total and a broken label value.
        var (exitCode, _) = await ExternalProcess.RunAsync(
            ExternalProcess.Promtool, "check metrics", "# HELP x X.\n# TYPE x counter\nx{a=\"b} 1\n");
        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public async Task Prometheus_ScrapesTheServer_AndPromQlSeesTheValues()
    {
        var registry = BuildRegistry();
        await using var server = MetricsServer.Start(registry, IPAddress.Loopback, 0);
        await using var prometheus = PrometheusServer.Start(server.Port);

        // PromQL string literals use Go escapes: \\ \" \n.
        var selector = "drover_test_requests_total{path=\"" + TrickyPath.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\",code=\"200\"}";
        var series = await prometheus.QuerySingleAsync(selector, TimeSpan.FromSeconds(60));
        Assert.Equal("42", series.GetProperty("value")[1].GetString());
        Assert.Equal(TrickyPath, series.GetProperty("metric").GetProperty("path").GetString());
        Assert.Equal("drover", series.GetProperty("metric").GetProperty("job").GetString());

        var nan = await prometheus.QuerySingleAsync("drover_test_not_a_number", TimeSpan.FromSeconds(30));
        Assert.Equal("NaN", nan.GetProperty("value")[1].GetString());
        var inf = await prometheus.QuerySingleAsync("drover_test_limits", TimeSpan.FromSeconds(30));
        Assert.Equal("+Inf", inf.GetProperty("value")[1].GetString());
        var quantile = await prometheus.QuerySingleAsync("histogram_quantile(0.4, drover_test_latency_seconds_bucket)", TimeSpan.FromSeconds(30));
        Assert.Equal("0.004", quantile.GetProperty("value")[1].GetString());
        var up = await prometheus.QuerySingleAsync("up{job=\"drover\"}", TimeSpan.FromSeconds(30));
        Assert.Equal("1", up.GetProperty("value")[1].GetString());
    }

    [Fact]
    public async Task RandomLabelValues_RoundTripThroughTheExposition_AndPassPromtool()
    {
        var piece = Gen.Elements("a", "Z", "0", " ", "\\", "\"", "\n", "\t", "{", "}", ",", "=", "é", "世", "🎉", "\\n", "\\\"", "#", "le=\"1\"");
        var labelValue = Gen.ArrayOf(piece).Select(parts => string.Concat(parts));
        var pair = labelValue.Two();
        var seen = new List<(string, string)>();
        var property = Prop.ForAll(Arb.From(pair), values =>
        {
            var registry = new MetricRegistry();
            registry.CreateGauge("g", "Round trip.", "first", "second").WithLabels(values.Item1, values.Item2).Set(3.25);
            var sample = Assert.Single(ExpositionParser.Parse(Scrape.Text(registry)));
            Assert.Equal(values.Item1, sample.Label("first"));
            Assert.Equal(values.Item2, sample.Label("second"));
            Assert.Equal(3.25, sample.Value);
            seen.Add(values);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), property);

        // The same values, as one family, through promtool's own parser.
        var all = new MetricRegistry();
        var gauge = all.CreateGauge("drover_roundtrip", "Round trip.", "first", "second");
        foreach (var (first, second) in seen)
        {
            gauge.WithLabels(first, second).Set(1);
        }
        var text = Scrape.Text(all);
        var (exitCode, output) = await ExternalProcess.RunAsync(ExternalProcess.Promtool, "check metrics", text);
        Assert.True(exitCode == 0, $"promtool: {output}");
    }
}
