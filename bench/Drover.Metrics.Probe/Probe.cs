// One small program, built twice (Drover/ and PrometheusNet/ beside this file), serving the same series on
// 127.0.0.1 with each library's own HTTP server, so that binary size, idle RSS and scrape latency can be
// compared side by side (bench/Drover.Metrics.Bench "compare"; bench/RESULTS.md). Prints "ready <port>",
// then serves until stdin closes.
using System.Globalization;
#if PROMETHEUS_NET
using Prometheus;
#else
using System.Net;
using Drover.Metrics;
using Drover.Metrics.Http;
#endif

const int Families = 10;
const int LabelValues = 10;
var port = int.Parse(args.Length > 0 ? args[0] : "0", CultureInfo.InvariantCulture);

#if PROMETHEUS_NET
// Only the series below: no process or runtime collectors on either side.
Metrics.SuppressDefaultMetrics();
for (var f = 0; f < Families; f++)
{
    var counter = Metrics.CreateCounter($"probe_requests_{f}_total", "Requests.", "task");
    for (var v = 0; v < LabelValues; v++)
    {
        counter.WithLabels($"task-{v}").Inc(f * 100 + v);
    }
}
var histogram = Metrics.CreateHistogram("probe_latency_seconds", "Latency.", new HistogramConfiguration
{
    LabelNames = ["op"],
    Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});
for (var op = 0; op < 10; op++)
{
    for (var i = 0; i < 100; i++)
    {
        histogram.WithLabels($"op{op}").Observe(i / 37.0);
    }
}
Metrics.CreateGauge("probe_tasks", "Tasks.").Set(3);
var bound = port == 0 ? FreePort() : port;
using var server = new MetricServer("127.0.0.1", bound);
server.Start();
#else
var registry = new MetricRegistry();
for (var f = 0; f < Families; f++)
{
    var counter = registry.CreateCounter($"probe_requests_{f}_total", "Requests.", "task");
    for (var v = 0; v < LabelValues; v++)
    {
        counter.WithLabels($"task-{v}").Inc(f * 100 + v);
    }
}
var histogram = registry.CreateHistogram("probe_latency_seconds", "Latency.", [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], "op");
for (var op = 0; op < 10; op++)
{
    for (var i = 0; i < 100; i++)
    {
        histogram.WithLabels($"op{op}").Observe(i / 37.0);
    }
}
registry.CreateGauge("probe_tasks", "Tasks.").Set(3);
await using var server = MetricsServer.Start(registry, IPAddress.Loopback, port);
var bound = server.Port;
#endif

Console.WriteLine($"ready {bound.ToString(CultureInfo.InvariantCulture)}");
await Console.Out.FlushAsync();
// Serve until the driver closes our stdin.
await Console.In.ReadToEndAsync();
return 0;

#if PROMETHEUS_NET
// MetricServer cannot be told to pick a port: take one the kernel just gave out.
static int FreePort()
{
    using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    probe.Start();
    return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
}
#endif
