using System.Diagnostics;
using System.Globalization;
using Drover.Jmx;
using Drover.Jmx.Tests.Support;
using Drover.Posix;
using Drover.Testing.Standins.Cassandra;

// One JMX health check of a Cassandra node (StorageService OperationMode, Initialized, GossipRunning,
// NativeTransportRunning), two ways against the same stand-in node:
//   helper:   a read through the persistent drover-jmx-helper (started and connected once, then one RMI round trip);
//   nodetool: `bin/nodetool -h 127.0.0.1 -p <jmx> info` of the fake install, a JVM per check as real nodetool is.
// Usage: Drover.Jmx.Bench [helper-iterations] [nodetool-iterations]
var helperRuns = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var nodetoolRuns = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40;
const string StorageService = "org.apache.cassandra.db:type=StorageService";
string[] attributes = ["OperationMode", "Initialized", "GossipRunning", "NativeTransportRunning"];

var standin = await CassandraStandin.PrepareAsync(Tools.Run);
var jar = await JmxHelperJar.BuildAsync(Tools.Run);
await using var node = await StandinNode.StartAsync(standin);
await using var helper = new JmxHelper(JmxHelperOptions.ForJar("java", jar, $"127.0.0.1:{node.JmxPort}", Tools.CurrentEnvironment()));

// Cold: the helper's first request includes its JVM start and the JMX connection (paid once per node).
var cold = Stopwatch.StartNew();
await WaitForNormal();
cold.Stop();

var helperTimes = new List<double>(helperRuns);
for (var i = 0; i < 50; i++)
{
    await Check();
}

for (var i = 0; i < helperRuns; i++)
{
    var started = Stopwatch.GetTimestamp();
    await Check();
    helperTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
}

var nodetoolTimes = new List<double>(nodetoolRuns);
for (var i = 0; i < nodetoolRuns + 2; i++)
{
    var started = Stopwatch.GetTimestamp();
    var result = await CommandRunner.RunAsync(new CommandRequest
    {
        Executable = standin.NodetoolScript,
        Arguments = ["nodetool", "-h", "127.0.0.1", "-p", node.JmxPort.ToString(CultureInfo.InvariantCulture), "info"],
        Environment = Tools.CurrentEnvironment(),
        WorkingDirectory = node.Directory,
        Timeout = TimeSpan.FromSeconds(60),
    });
    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    if (!result.Succeeded || !result.Output.Contains("Gossip active          : true", StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"nodetool info {result.Describe()}: {result.Output}");
    }

    if (i >= 2)
    {
        nodetoolTimes.Add(elapsed); // the first two warm the page cache
    }
}

var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
Console.WriteLine($"JMX health check of the Cassandra stand-in (load average {load}, {Environment.ProcessorCount} cores)");
Console.WriteLine();
Console.WriteLine("| method | runs | p50 ms | p99 ms | mean ms | max ms |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
Row("persistent helper (drover-jmx-helper)", helperTimes);
Row("one-shot JVM per check (nodetool info)", nodetoolTimes);
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"p50 ratio nodetool / helper: {Percentile(nodetoolTimes, 0.50) / Percentile(helperTimes, 0.50):0}x; p99 ratio: {Percentile(nodetoolTimes, 0.99) / Percentile(helperTimes, 0.99):0}x"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"helper cold start (JVM start + JMX connect + first read, once per node): {cold.Elapsed.TotalMilliseconds:0} ms"));
return 0;

async Task Check()
{
    var values = await helper.ReadAsync(StorageService, attributes);
    if (values["OperationMode"].AsString() != "NORMAL" || !values["GossipRunning"].AsBoolean())
    {
        throw new InvalidOperationException("the stand-in is not healthy");
    }
}

async Task WaitForNormal()
{
    var deadline = Stopwatch.StartNew();
    while (true)
    {
        try
        {
            if ((await helper.ReadAsync(StorageService, ["OperationMode"]))["OperationMode"].AsString() == "NORMAL")
            {
                return;
            }
        }
        catch (JmxRemoteException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            // The registry can accept before the connector is bound.
        }

        await Task.Delay(10);
    }
}

static void Row(string name, List<double> times) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| {name} | {times.Count} | {Percentile(times, 0.50):0.000} | {Percentile(times, 0.99):0.000} | {times.Average():0.000} | {times.Max():0.000} |"));

static double Percentile(List<double> times, double p)
{
    var sorted = times.Order().ToList();
    var rank = (int)Math.Ceiling(p * sorted.Count) - 1;
    return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
}
