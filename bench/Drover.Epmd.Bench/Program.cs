using System.Diagnostics;
using System.Globalization;
using System.Net;
using Drover.Epmd;
using Drover.Epmd.Bench;

// cEPMD vs OTP's epmd: PORT_PLEASE2 lookups per second and latency, one connection per lookup as
// erl_epmd does, the same load generator and node registration for both servers, each server in its
// own process.
//   dotnet run -c Release --project bench/Drover.Epmd.Bench [-- --seconds 5 --rounds 3 --concurrency 1,8,32]
//   (internal) Drover.Epmd.Bench serve   -> hosts an EpmdServer, prints its port, exits when stdin closes
if (args.Length > 0 && args[0] == "serve")
{
    await using var server = new EpmdServer(new EpmdServerOptions(), new InMemoryEpmdRegistry());
    await server.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
    Console.WriteLine(server.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture));
    await Console.In.ReadToEndAsync();
    return 0;
}

var settings = BenchSettings.Parse(args);
using var epmd = ServerProcess.StartEpmd();
using var cepmd = ServerProcess.StartCEpmd();
using var epmdNode = LoadGenerator.Register(epmd.EndPoint);
using var cepmdNode = LoadGenerator.Register(cepmd.EndPoint);

Console.WriteLine($"epmd  {epmd.EndPoint}, cEPMD {cepmd.EndPoint}; {settings.Seconds} s per run, {settings.Rounds} rounds, {Environment.ProcessorCount} cores");
foreach (var target in new[] { epmd, cepmd })
{
    LoadGenerator.Run(target.EndPoint, concurrency: 4, TimeSpan.FromSeconds(2)); // warm-up (JIT, tiering)
}

var results = new List<(string Server, int Concurrency, RunResult Result)>();
foreach (int concurrency in settings.Concurrency)
{
    for (int round = 0; round < settings.Rounds; round++)
    {
        // Alternate who goes first, so drift in machine load hits both alike.
        var order = round % 2 == 0 ? new[] { epmd, cepmd } : new[] { cepmd, epmd };
        foreach (var target in order)
        {
            TimeSpan cpuBefore = target.CpuTime;
            RunResult result = LoadGenerator.Run(target.EndPoint, concurrency, TimeSpan.FromSeconds(settings.Seconds));
            result = result with { ServerCpuMicroseconds = (target.CpuTime - cpuBefore).TotalMicroseconds / Math.Max(1, result.Lookups) };
            results.Add((target.Name, concurrency, result));
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
    RunResult median = runs[runs.Count / 2];
    double p99 = runs.Select(r => r.P99Microseconds).OrderBy(x => x).ElementAt(runs.Count / 2);
    double p50 = runs.Select(r => r.P50Microseconds).OrderBy(x => x).ElementAt(runs.Count / 2);
    double cpu = runs.Select(r => r.ServerCpuMicroseconds).OrderBy(x => x).ElementAt(runs.Count / 2);
    Console.WriteLine($"| {group.Key.Concurrency} | {group.Key.Server} | {median.PerSecond:F0} | {p50:F0} | {p99:F0} | {cpu:F1} | {runs.Sum(r => r.Errors)} |");
}
return 0;
