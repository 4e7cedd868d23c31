using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper;
using Drover.ZooKeeper.Bench;

// Drover.ZooKeeper vs the Apache ZooKeeper Java client, side by side against one ZooKeeper server
// started here. Progress goes to stderr, the Markdown report to stdout. See bench/RESULTS.md.
if (args is ["profile", .. var profileArgs])
{
    return await Profile.RunAsync(profileArgs);
}
var options = BenchOptions.Parse(args);
var sessionTimeout = TimeSpan.FromSeconds(30);
const string ServerJvm = "-Xmx1g -XX:+UseParallelGC";
var loadBefore = LoadAverage();

Console.Error.WriteLine("starting ZooKeeper...");
await using var server = await ZooKeeperServer.StartStandaloneAsync(ServerJvm);
var basePath = $"/bench-{Guid.NewGuid():N}";
await using var drover = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectString = server.ConnectString, SessionTimeout = sessionTimeout });
await drover.CreateAsync(basePath, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
await drover.CreateAsync(basePath + "/cd", default, Ids.OpenAclUnsafe, CreateMode.Persistent);
for (var i = 0; i < options.InFlight.Max(); i++)
{
    await drover.CreateAsync($"{basePath}/k{i}", new byte[options.Payload], Ids.OpenAclUnsafe, CreateMode.Persistent);
}
Console.Error.WriteLine("compiling and starting the Java client...");
await using var java = await JavaClientRunner.StartAsync(server.ConnectString, sessionTimeout);
var droverRunner = new DroverClientRunner(drover);

Task<RunResult> Run(string client, string op, int inFlight, TimeSpan warmup, TimeSpan measure) => client == "Drover"
    ? droverRunner.RunAsync(op, inFlight, warmup, measure, basePath, options.Payload)
    : java.RunAsync(op, inFlight, warmup, measure, basePath, options.Payload);

// Warm both JITs and connections before anything is measured.
foreach (var op in options.Ops)
{
    foreach (var client in new[] { "Drover", "Java" })
    {
        Console.Error.WriteLine($"warm-up {client} {op}");
        await Run(client, op, 16, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
    }
}

var results = new Dictionary<(string Op, int InFlight, string Client), List<RunResult>>();
for (var round = 0; round < options.Rounds; round++)
{
    foreach (var op in options.Ops)
    {
        foreach (var inFlight in options.InFlight)
        {
            // Alternate who goes first, so drift in the machine's load does not favour one client.
            foreach (var client in round % 2 == 0 ? new[] { "Drover", "Java" } : ["Java", "Drover"])
            {
                var result = await Run(client, op, inFlight, options.Warmup, options.Measure);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round + 1} {op,-12} n={inFlight,-3} {client,-6} {result.OpsPerSecond,9:0} ops/s  p50 {result.P50Micros,8:0.0} µs  p99 {result.P99Micros,8:0.0} µs  cpu {result.CpuMicrosPerOp,6:0.0} µs/op  errors {result.Errors}"));
                var key = (op, inFlight, client);
                if (!results.TryGetValue(key, out var list))
                {
                    results[key] = list = [];
                }
                list.Add(result);
            }
        }
    }
}

var report = new StringBuilder();
report.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} — {RuntimeInformation.FrameworkDescription}, {await JavaClientRunner.VersionAsync()}, ZooKeeper 3.8 (Debian), {Environment.ProcessorCount} cores,");
report.AppendLine(CultureInfo.InvariantCulture, $"load average {loadBefore} before and {LoadAverage()} after; payload {options.Payload} B; {options.Rounds} rounds of {options.Warmup.TotalMilliseconds:0} ms warm-up + {options.Measure.TotalSeconds:0.#} s measured per cell; medians of the rounds.");
report.AppendLine();
report.AppendLine("| op | in flight | Drover ops/s | Java ops/s | ratio | Drover p50 µs | Java p50 µs | Drover p99 µs | Java p99 µs | Drover CPU µs/op | Java CPU µs/op | errors |");
report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var op in options.Ops)
{
    foreach (var inFlight in options.InFlight)
    {
        var d = results[(op, inFlight, "Drover")];
        var j = results[(op, inFlight, "Java")];
        var dOps = Median(d.Select(r => r.OpsPerSecond));
        var jOps = Median(j.Select(r => r.OpsPerSecond));
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| {(op == "createdelete" ? "create+delete" : op)} | {inFlight} | {dOps:0} | {jOps:0} | {dOps / jOps:0.00} | {Median(d.Select(r => r.P50Micros)):0} | {Median(j.Select(r => r.P50Micros)):0} | {Median(d.Select(r => r.P99Micros)):0} | {Median(j.Select(r => r.P99Micros)):0} | {Median(d.Select(r => r.CpuMicrosPerOp)):0.0} | {Median(j.Select(r => r.CpuMicrosPerOp)):0.0} | {d.Sum(r => r.Errors) + j.Sum(r => r.Errors)} |");
    }
}
Console.Out.Write(report.ToString());
return 0;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static string LoadAverage()
{
    try
    {
        return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
    }
    catch (IOException)
    {
        return "?";
    }
}
