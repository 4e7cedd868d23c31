using System.Globalization;
using System.Net;
using Drover.Epmd;
using Drover.Epmd.Bench;
using Drover.Registry;
using Drover.Registry.Epmd;
using Drover.Testing.ZooKeeper;

// cEPMD vs OTP's epmd: PORT_PLEASE2 lookups per second and latency, one connection per lookup as
// erl_epmd does, the same load generator and node registration for both servers, each server in its
// own process.
//   dotnet run -c Release --project bench/Drover.Epmd.Bench [-- --seconds 5 --rounds 3 --concurrency 1,8,32]
//   (internal) Drover.Epmd.Bench serve   -> hosts an EpmdServer, prints its port, exits when stdin closes
//   (internal) Drover.Epmd.Bench serve <zk> -> the same on a ZooKeeperEpmdRegistry (lookups from its watched copy)
if (args.Length > 0 && args[0] == "serve")
{
    var store = args.Length > 1
        ? new ZooKeeperEpmdRegistry(new RegistryOptions { ConnectString = args[1], Framework = "bench" }, "bench")
        : null;
    await using var server = new EpmdServer(new EpmdServerOptions(), store ?? (IEpmdRegistry)new InMemoryEpmdRegistry());
    await server.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
    Console.WriteLine(server.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture));
    await Console.In.ReadToEndAsync();
    var lookups = server.Counters.LookupHits + server.Counters.LookupMisses;
    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{(store is null ? "cEPMD" : "cEPMD+ZK")}: {lookups} lookups, {GC.GetTotalAllocatedBytes() / (double)Math.Max(1, lookups):F0} bytes allocated per lookup, GCs gen0 {GC.CollectionCount(0)} gen1 {GC.CollectionCount(1)} gen2 {GC.CollectionCount(2)}, pause total {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms"));
    if (store is not null)
    {
        Console.Error.WriteLine($"cEPMD+ZK store: {store.Statistics}");
        await server.StopAsync();
        await store.DisposeAsync();
    }
    return 0;
}

var settings = BenchSettings.Parse(args);
await using var zookeeper = settings.ZooKeeper ? await ZooKeeperServer.StartStandaloneAsync() : null;
using var epmd = ServerProcess.StartEpmd();
using var cepmd = ServerProcess.StartCEpmd();
using var cepmdZk = zookeeper is null ? null : ServerProcess.StartCEpmd(zookeeper.ConnectString);
ServerProcess[] targets = cepmdZk is null ? [epmd, cepmd] : [epmd, cepmd, cepmdZk];
var registrations = targets.Select(t => LoadGenerator.Register(t.EndPoint)).ToList();

Console.WriteLine($"{string.Join(", ", targets.Select(t => $"{t.Name} {t.EndPoint}"))}; {settings.Seconds} s per run, {settings.Rounds} rounds, {Environment.ProcessorCount} cores");
foreach (var target in targets)
{
    LoadGenerator.Run(target.EndPoint, concurrency: 4, TimeSpan.FromSeconds(2)); // warm-up (JIT, tiering; the ZooKeeper copy filled)
}

var results = new List<(string Server, int Concurrency, int Round, RunResult Result)>();
foreach (var concurrency in settings.Concurrency)
{
    for (var round = 0; round < settings.Rounds; round++)
    {
        // Rotate who goes first, so drift in machine load hits all alike.
        var order = targets.Skip(round % targets.Length).Concat(targets.Take(round % targets.Length)).ToArray();
        foreach (var target in order)
        {
            var cpuBefore = target.CpuTime;
            var result = LoadGenerator.Run(target.EndPoint, concurrency, TimeSpan.FromSeconds(settings.Seconds));
            result = result with { ServerCpuMicroseconds = (target.CpuTime - cpuBefore).TotalMicroseconds / Math.Max(1, result.Lookups) };
            results.Add((target.Name, concurrency, round, result));
            Console.WriteLine($"  {target.Name,-6} c={concurrency,-3} round {round + 1}: {result}");
        }
    }
}

Console.WriteLine();
Console.WriteLine("| concurrency | server | lookups/s (median of rounds) | p50 µs | p99 µs | server CPU µs/lookup | errors |");
Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|");
foreach (var group in results.GroupBy(r => (r.Concurrency, r.Server)))
{
    var runs = group.Select(r => r.Result).OrderBy(r => r.PerSecond).ToList();
    var median = runs[runs.Count / 2];
    var p99 = runs.Select(r => r.P99Microseconds).OrderBy(x => x).ElementAt(runs.Count / 2);
    var p50 = runs.Select(r => r.P50Microseconds).OrderBy(x => x).ElementAt(runs.Count / 2);
    var cpu = runs.Select(r => r.ServerCpuMicroseconds).OrderBy(x => x).ElementAt(runs.Count / 2);
    Console.WriteLine($"| {group.Key.Concurrency} | {group.Key.Server} | {median.PerSecond:F0} | {p50:F0} | {p99:F0} | {cpu:F1} | {runs.Sum(r => r.Errors)} |");
}

// The same comparison paired by round: each round runs every server back to back, so they share the
// machine's state of the moment, which moves the unpaired medians above by more than the servers differ.
Console.WriteLine();
Console.WriteLine("| concurrency | server | throughput / epmd's, same round: median [min, max] | p99 / epmd's, same round: median [min, max] |");
Console.WriteLine("|---:|---|---|---|");
foreach (var group in results.Where(r => r.Server != epmd.Name).GroupBy(r => (r.Concurrency, r.Server)))
{
    var pairs = group.Select(r => (Run: r.Result, Epmd: results.Single(e => e.Server == epmd.Name && e.Concurrency == r.Concurrency && e.Round == r.Round).Result)).ToList();
    var throughput = Spread(pairs.Select(p => p.Run.PerSecond / p.Epmd.PerSecond));
    var p99 = Spread(pairs.Select(p => p.Run.P99Microseconds / p.Epmd.P99Microseconds));
    Console.WriteLine($"| {group.Key.Concurrency} | {group.Key.Server} | {throughput} | {p99} |");
}
registrations.ForEach(r => r.Dispose());
return 0;

static string Spread(IEnumerable<double> ratios)
{
    var sorted = ratios.OrderBy(x => x).ToList();
    return FormattableString.Invariant($"{sorted[sorted.Count / 2]:F2} [{sorted[0]:F2}, {sorted[^1]:F2}]");
}
