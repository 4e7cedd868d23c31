using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using CliWrap;
using Drover.Testing;
using Drover.Testing.Programs;

namespace Drover.Metrics.Bench;

/// <summary>
/// Drover.Metrics against prometheus-net, side by side: the same probe program (bench/Drover.Metrics.Probe) published
/// native AOT on each library, started in turn for several rounds. For each: the binary's size, its RSS once idle
/// (before any scrape) and after the scrapes, and the latency of scrapes made one after another on one kept-alive
/// connection, as Prometheus makes them.
/// </summary>
internal static class Compare
{
    private const int Warmup = 20;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 2)
        {
            await Console.Error.WriteLineAsync("usage: compare <drover probe binary> <prometheus-net probe binary> [scrapes per round] [rounds]");
            return 2;
        }
        var probes = new[] { ("Drover.Metrics", args[0]), ("prometheus-net 8.2.1", args[1]) };
        var scrapes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
        var rounds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;
        var results = probes.ToDictionary(p => p.Item1, _ => new List<Measurement>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, binary) in probes)
            {
                results[name].Add(await MeasureAsync(binary, scrapes));
            }
        }

        Console.WriteLine($"{scrapes} scrapes per round on one kept-alive connection, {rounds} rounds, medians of rounds; load average {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| library | binary | idle RSS | RSS after scrapes | scrape p50 | scrape p99 | scrape mean | body | connections |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, binary) in probes)
        {
            var runs = results[name];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {new FileInfo(binary).Length / 1e6:0.0} MB | {Median(runs, r => r.IdleRss) / 1048576.0:0.0} MiB | {Median(runs, r => r.ScrapedRss) / 1048576.0:0.0} MiB | {Time(Median(runs, r => r.P50))} | {Time(Median(runs, r => r.P99))} | {Time(Median(runs, r => r.Mean))} | {runs[0].BodyBytes} B | {Median(runs, r => r.Connections)} |"));
        }
        return 0;
    }

    /// <summary><see cref="Connections"/>: TCP connections the client needed (one unless the server closed a kept-alive one).</summary>
    private sealed record Measurement(long IdleRss, long ScrapedRss, TimeSpan P50, TimeSpan P99, TimeSpan Mean, int BodyBytes, int Connections);

    private static async Task<Measurement> MeasureAsync(string binary, int scrapes)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ready = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var command = Cli.Wrap(binary)
            .WithStandardInputPipe(PipeSource.Create(async (_, cancellation) => await stop.Task.WaitAsync(cancellation)))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line =>
            {
                if (line.StartsWith("ready ", StringComparison.Ordinal))
                {
                    ready.TrySetResult(int.Parse(line["ready ".Length..], CultureInfo.InvariantCulture));
                }
            }));
        await using var probe = RunningProgram.Start(command);
        var port = await ready.Task.Within($"{binary} to serve", TimeSpan.FromSeconds(30));
        // Idle: what the process holds once started, before anyone asks it anything.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var idle = Rss(probe.Pid);

        var connections = 0;
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            ConnectCallback = async (context, cancellation) =>
            {
                Interlocked.Increment(ref connections);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var http = new HttpClient(handler);
        var uri = new Uri($"http://127.0.0.1:{port}/metrics");
        var body = 0;
        for (var i = 0; i < Warmup; i++)
        {
            body = (await http.GetByteArrayAsync(uri)).Length;
        }
        var times = new TimeSpan[scrapes];
        for (var i = 0; i < scrapes; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var bytes = await http.GetByteArrayAsync(uri);
            times[i] = Stopwatch.GetElapsedTime(started);
            if (bytes.Length < 1000)
            {
                throw new InvalidOperationException($"{binary} answered {bytes.Length} bytes.");
            }
        }
        var scraped = Rss(probe.Pid);
        stop.TrySetResult();
        await probe.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        Array.Sort(times);
        return new Measurement(idle, scraped, times[scrapes / 2], times[(int)(scrapes * 0.99)], TimeSpan.FromTicks((long)times.Average(t => t.Ticks)), body, connections);
    }

    private static long Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static T Median<T>(List<Measurement> runs, Func<Measurement, T> value) => runs.Select(value).Order().ElementAt(runs.Count / 2);

    private static string Time(TimeSpan time) => time.TotalMilliseconds >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{time.TotalMilliseconds:0.0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{time.TotalMicroseconds:0} µs");

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
