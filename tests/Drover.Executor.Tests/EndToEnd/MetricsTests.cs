using System.Net;
using Drover.Metrics.Http;
using Drover.Testing;
using Drover.Testing.Net;
using Drover.Testing.Prometheus;
using Drover.Mesos.V1;
using static Drover.Executor.Tests.EndToEnd.ExecutorHarness;

namespace Drover.Executor.Tests.EndToEnd;

/// <summary>The executor's /metrics on the task's port named `metrics`, checked by Prometheus' own tools.</summary>
public class MetricsTests
{
    [Fact]
    public async Task Metrics_RealScrape_PassesPromtool_AndPrometheusQueriesIt()
    {
        await using var h = await StartAsync();
        var port = FreePort.Next();
        await h.LaunchAsync(CommandTask("t1", "exec sleep 1000", ports: [("metrics", port)]));
        await h.WaitForStateAsync("t1", TaskState.TaskRunning);

        var text = await ScrapeUntilAsync(port, "drover_service_resident_memory_bytes{task=\"t1\"}");

        var (exitCode, output) = await ExternalProcess.RunAsync(ExternalProcess.Promtool, "check metrics", text);
        Assert.True(exitCode == 0, $"promtool check metrics failed:\n{output}\n--- scrape ---\n{text}");
        Assert.Contains("drover_executor_status_updates_total{state=\"TASK_RUNNING\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("drover_executor_agent_connected 1", text, StringComparison.Ordinal);
        Assert.Contains("process_resident_memory_bytes", text, StringComparison.Ordinal);

        await using var prometheus = PrometheusServer.Start(port);
        var processes = await prometheus.QuerySingleAsync("drover_service_processes{task=\"t1\"}", TimeSpan.FromSeconds(60));
        Assert.Equal("1", processes.GetProperty("value")[1].GetString());
        var up = await prometheus.QuerySingleAsync("up", TimeSpan.FromSeconds(30));
        Assert.Equal("1", up.GetProperty("value")[1].GetString());
    }

    [Fact]
    public async Task Metrics_LogsAndLabels_NeverCarryTheAuthenticationToken()
    {
        await using var h = await StartAsync(token: "super-secret-token");
        var port = FreePort.Next();
        await h.LaunchAsync(CommandTask("t1", "env; exec sleep 1000", ports: [("metrics", port)]));
        await h.WaitForStateAsync("t1", TaskState.TaskRunning);

        var text = await ScrapeUntilAsync(port, "drover_executor_tasks");

        Assert.DoesNotContain("super-secret-token", text, StringComparison.Ordinal);
        Assert.DoesNotContain("super-secret-token", await h.Executor.ReadStderrAsync(), StringComparison.Ordinal);
        await Eventually.TrueAsync(() => File.Exists(Path.Combine(h.Sandbox, "tasks", "t1", "stdout")) && File.ReadAllText(Path.Combine(h.Sandbox, "tasks", "t1", "stdout")).Contains("MESOS_SANDBOX=", StringComparison.Ordinal), "the service's environment dump", WaitTimeout);
        Assert.DoesNotContain("super-secret-token", File.ReadAllText(Path.Combine(h.Sandbox, "tasks", "t1", "stdout")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_UnderAFloodOfSilentAndHalfSentConnections_TheScrapeIsStillAnswered()
    {
        await using var h = await StartAsync();
        var port = FreePort.Next();
        await h.LaunchAsync(CommandTask("t1", "exec sleep 1000", ports: [("metrics", port)]));
        await h.WaitForStateAsync("t1", TaskState.TaskRunning);
        await ScrapeUntilAsync(port, "drover_executor_tasks");
        var before = OpenDescriptors.Count(h.Executor.Pid);

        // One client holds 1,500 connections: silent, half a request head, or a whole request then idle.
        var target = new IPEndPoint(IPAddress.Loopback, port);
        await using var flood = await ConnectionFlood.OpenAsync(target, 1500, i => (i % 3) switch
        {
            0 => [],
            1 => "GET /metr"u8.ToArray(),
            _ => "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(),
        });

        // Far below the executor's 10 s head timeout and 5 min keep-alive: only a newcomer let in at once is
        // answered within it (before eviction, every scrape got 503 until the flood went away).
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        Assert.Contains("drover_executor_tasks", text, StringComparison.Ordinal);
        // The flood's connections beyond its address's slots were evicted, and the count is exported.
        Assert.True(Sample(text, "drover_metrics_server_connections_evicted_total") > 0, $"evictions counted at /metrics:\n{text}");
        Assert.Equal(0, Sample(text, "drover_metrics_server_connections_refused_total"));
        // The executor holds no more descriptors than the server's slots beyond what it had.
        await Eventually.TrueAsync(
            () => OpenDescriptors.Count(h.Executor.Pid) - before <= MetricsServerOptions.DefaultMaxConnections + 4,
            "the executor's descriptors to stay within its metrics server's connection slots", WaitTimeout);
    }

    /// <summary>The value of the sample named <paramref name="name"/> (without labels) in a scrape.</summary>
    private static double Sample(string text, string name)
    {
        var line = text.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Scrapes the executor's /metrics until the text holds <paramref name="expected"/>.</summary>
    private static async Task<string> ScrapeUntilAsync(int port, string expected)
    {
        using var http = new HttpClient();
        var text = "";
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                return text.Contains(expected, StringComparison.Ordinal);
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, $"the executor's /metrics to show {expected}", WaitTimeout);
        return text;
    }
}
