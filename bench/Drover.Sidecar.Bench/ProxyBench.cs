using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Drover.Testing;
using Drover.Registry;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper;

namespace Drover.Sidecar.Bench;

/// <summary>
/// drover-sidecar's proxy against HAProxy 2.6 on loopback: the same backends (a process of their own),
/// the same closed-loop load generator, 1, 16 and 64 connections, rounds alternating which proxy goes
/// first. Each connection sends a 64-byte request frame and waits for the whole 1 KiB answer (Riak PB's
/// framing) before the next: throughput is requests per second, latency the round trip of one request.
/// </summary>
public static class ProxyBench
{
    public const int BackendCount = 2;
    public const int RequestBytes = 64;
    public const int ResponseBytes = 1024;
    public static readonly int[] DefaultConnectionCounts = [1, 16, 64];
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(1);

    /// <param name="sidecars">Sidecar binaries to measure, each "path" or "name=path" (several compare builds in one run).</param>
    public static async Task RunAsync(string[] sidecars, int seconds, int rounds, int[] connectionCounts)
    {
        await using var zookeeper = await ZooKeeperServer.StartStandaloneAsync();
        using var backends = StartBackends();
        var ports = (await backends.StandardOutput.ReadLineAsync())!.Split(' ').Select(Program.Int).ToArray();
        await RegisterAsync(zookeeper, ports);

        var processes = new List<Process> { backends };
        var config = Path.Combine(Path.GetTempPath(), $"drover-bench-haproxy-{Environment.ProcessId}.cfg");
        try
        {
            var haproxyPort = FreePort.Next();
            await File.WriteAllTextAsync(config, HaproxyConfig(haproxyPort, ports));
            var haproxy = Start("/usr/sbin/haproxy", "-f", config, "-db");
            processes.Add(haproxy);
            var targets = new List<Target> { new("HAProxy 2.6", new IPEndPoint(IPAddress.Loopback, haproxyPort), haproxy.Id, "/usr/sbin/haproxy") };
            foreach (var sidecar in sidecars)
            {
                var (name, binary) = sidecar.Split('=', 2) is [var n, var b] ? (n, b) : ("drover-sidecar", sidecar);
                var port = FreePort.Next();
                var process = Start(binary,
                    "--zookeeper", zookeeper.ConnectString, "--framework", "bench", "--cluster", "bench",
                    "--grpc", $"127.0.0.1:{FreePort.Next()}", "--http", $"127.0.0.1:{FreePort.Next()}",
                    "--proxy", $"bench/pb=127.0.0.1:{port},balance=round-robin", "--log-level", "warning");
                processes.Add(process);
                targets.Add(new Target(name, new IPEndPoint(IPAddress.Loopback, port), process.Id, binary));
            }
            await MeasureAsync(targets, seconds, rounds, connectionCounts);
        }
        finally
        {
            backends.StandardInput.Close();
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
                process.Dispose();
            }
            File.Delete(config);
        }
    }

    private static async Task MeasureAsync(List<Target> targets, int seconds, int rounds, int[] connectionCounts)
    {
        foreach (var target in targets)
        {
            await UntilServingAsync(target.Name, target.EndPoint);
        }
        foreach (var target in targets.Skip(1))
        {
            Console.WriteLine($"{target.Name}: {target.Binary}, {new FileInfo(target.Binary).Length / 1e6:0.0} MB binary, RSS {Rss(target.Pid)} after start");
        }
        Console.WriteLine($"haproxy: {Version("/usr/sbin/haproxy")}");
        Console.WriteLine($"{BackendCount} backends, {RequestBytes} B request, {ResponseBytes} B response, {seconds} s x {rounds} rounds per point, load average at start {Program.LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| round | proxy | connections | req/s | p50 us | p99 us | CPU us/req | load average |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---|");

        var results = new Dictionary<(string, int), List<Round>>();
        var stalled = new Dictionary<string, string>();
        foreach (var connections in connectionCounts)
        {
            for (var round = 0; round < rounds; round++)
            {
                // Rotate who goes first, so drift in the machine's load hits every proxy alike.
                var order = targets.Skip(round % targets.Count).Concat(targets.Take(round % targets.Count));
                foreach (var target in order.Where(t => !stalled.ContainsKey(t.Name)))
                {
                    Round result;
                    double cpu;
                    try
                    {
                        await LoadAsync(target.EndPoint, connections, Warmup);
                        cpu = CpuSeconds(target.Pid);
                        result = await LoadAsync(target.EndPoint, connections, TimeSpan.FromSeconds(seconds));
                    }
                    catch (StalledException e)
                    {
                        // A proxy that stops answering fails the run (and is measured no more) instead of hanging it.
                        stalled[target.Name] = $"round {round + 1} at {connections} connections: {e.Message}";
                        Console.WriteLine($"| {round + 1} | {target.Name} | {connections} | STALLED: {e.Message} | | | | {Program.LoadAverage()} |");
                        continue;
                    }
                    result = result with { CpuSeconds = CpuSeconds(target.Pid) - cpu };
                    (results.TryGetValue((target.Name, connections), out var list) ? list : results[(target.Name, connections)] = []).Add(result);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {round + 1} | {target.Name} | {connections} | {result.Throughput:0} | {result.Percentile(0.5):0} | {result.Percentile(0.99):0} | {result.CpuPerRequest:0.0} | {Program.LoadAverage()} |"));
                }
            }
        }
        Console.WriteLine();
        Console.WriteLine($"RSS after the load: {string.Join(", ", targets.Skip(1).Select(t => $"{t.Name} {Rss(t.Pid)}"))}; load average at the end {Program.LoadAverage()}");
        Console.WriteLine();
        // Each round's ratio pairs the two proxies measured one after the other (the same load); the median of
        // those resists a round spoilt by a burst of the machine's other work better than pooled totals do.
        Console.WriteLine("| connections | proxy | HAProxy req/s | proxy req/s | throughput ratio (median of rounds) | HAProxy p99 us | proxy p99 us | p99 ratio (median of rounds) | HAProxy p50 us | proxy p50 us | HAProxy CPU us/req | proxy CPU us/req | CPU ratio |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var connections in connectionCounts)
        {
            if (stalled.ContainsKey(targets[0].Name))
            {
                break;
            }
            var haproxyRounds = results[(targets[0].Name, connections)];
            var h = Round.Merge(haproxyRounds);
            foreach (var target in targets.Skip(1).Where(t => !stalled.ContainsKey(t.Name)))
            {
                var rounds2 = results[(target.Name, connections)];
                var s = Round.Merge(rounds2);
                var throughput = Median(rounds2.Select((r, i) => r.Throughput / haproxyRounds[i].Throughput));
                var p99 = Median(rounds2.Select((r, i) => r.Percentile(0.99) / haproxyRounds[i].Percentile(0.99)));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {connections} | {target.Name} | {h.Throughput:0} | {s.Throughput:0} | {throughput:0.00}x | {h.Percentile(0.99):0} | {s.Percentile(0.99):0} | {p99:0.00}x | {h.Percentile(0.5):0} | {s.Percentile(0.5):0} | {h.CpuPerRequest:0.0} | {s.CpuPerRequest:0.0} | {s.CpuPerRequest / h.CpuPerRequest:0.00}x |"));
            }
        }
        if (stalled.Count > 0)
        {
            throw new StalledException(string.Join("; ", stalled.Select(s => $"{s.Key} stalled in {s.Value}")));
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>utime + stime of a process so far, every thread's, from /proc/&lt;pid&gt;/stat (fields 14 and 15, clock ticks of 1/100 s).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static string HaproxyConfig(int port, int[] backends) =>
        "global\n" +
        "  maxconn 4096\n" +
        "defaults\n" +
        "  mode tcp\n" +
        "  timeout connect 2s\n" +
        "  timeout client 60s\n" +
        "  timeout server 60s\n" +
        "listen bench\n" +
        $"  bind 127.0.0.1:{port}\n" +
        "  balance roundrobin\n" +
        string.Concat(backends.Select((p, i) => $"  server b{i} 127.0.0.1:{p}\n"));

    private static async Task RegisterAsync(ZooKeeperServer server, int[] ports)
    {
        await using var client = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectString = server.ConnectString });
        var paths = new RegistryPaths(RegistryPaths.DefaultRoot, "bench").Cluster("bench");
        foreach (var path in new[] { RegistryPaths.DefaultRoot, $"{RegistryPaths.DefaultRoot}/bench", $"{RegistryPaths.DefaultRoot}/bench/clusters", paths.Path, paths.Nodes })
        {
            await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        }
        for (var i = 0; i < ports.Length; i++)
        {
            var record = new NodeRecord
            {
                Cluster = "bench",
                Node = $"b{i}",
                Kind = "generic",
                Host = "127.0.0.1",
                Ports = [new NamedPort("pb", ports[i])],
                State = NodeState.Running,
                Healthy = true,
            };
            await client.CreateAsync(paths.Node(record.Node), NodeRecordJson.Write(record), Ids.OpenAclUnsafe, CreateMode.Persistent);
        }
    }

    private static async Task UntilServingAsync(string name, IPEndPoint endPoint)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var socket = await ConnectAsync(endPoint);
                await RequestAsync(socket, new byte[4 + RequestBytes], new byte[64 * 1024]);
                return;
            }
            catch (Exception e) when (e is SocketException or EndOfStreamException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            catch (Exception e) when (e is SocketException or EndOfStreamException)
            {
                throw new InvalidOperationException($"{name} does not serve on {endPoint}", e);
            }
        }
    }

    /// <summary>
    /// Closed loop on <paramref name="connections"/> connections for <paramref name="duration"/>. A request
    /// still unanswered <see cref="StallBound"/> after the end (or a connect not accepted within it) throws
    /// <see cref="StalledException"/> naming what was outstanding: a stalled proxy fails the run, never hangs it.
    /// </summary>
    public static async Task<Round> LoadAsync(IPEndPoint endPoint, int connections, TimeSpan duration)
    {
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < connections; i++)
            {
                sockets.Add(await ConnectAsync(endPoint).WaitAsync(StallBound));
            }
        }
        catch (TimeoutException)
        {
            sockets.ForEach(s => s.Dispose());
            throw new StalledException($"connection {sockets.Count + 1} of {connections} not accepted within {StallBound.TotalSeconds:0} s");
        }
        var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var clients = sockets.Select(socket => new Client(socket)).ToList();
        var loops = clients.Select(client => Task.Run(() => client.LoopAsync(stop.Token))).ToList();
        await Task.Delay(duration);
        await stop.CancelAsync();
        var all = Task.WhenAll(loops);
        var finished = await Task.WhenAny(all, Task.Delay(StallBound)) == all;
        var elapsed = clock.Elapsed;
        var stuck = clients.Select((c, i) => (Client: c, Index: i)).Where(c => c.Client.WaitingSince != 0).ToList();
        foreach (var socket in sockets)
        {
            // Also ends the loops of a stalled proxy's connections (their receives fail).
            socket.Dispose();
        }
        if (!finished)
        {
            var now = Stopwatch.GetTimestamp();
            throw new StalledException(string.Create(CultureInfo.InvariantCulture,
                $"{stuck.Count} of {connections} connections without an answer {StallBound.TotalSeconds:0} s after the round's end: ") +
                string.Join(", ", stuck.Take(10).Select(c => string.Create(CultureInfo.InvariantCulture,
                    $"#{c.Index} (request {c.Client.Requests + 1}, waiting {(now - c.Client.WaitingSince) / (double)Stopwatch.Frequency:0.0} s)"))) +
                (stuck.Count > 10 ? ", ..." : ""));
        }
        return new Round([.. (await all).SelectMany(s => s)], elapsed);
    }

    /// <summary>How long a request may stay unanswered after a round's end before the proxy counts as stalled.</summary>
    public static readonly TimeSpan StallBound = TimeSpan.FromSeconds(10);

    /// <summary>One closed-loop connection; what it waits for is readable from another thread (for the stall report).</summary>
    private sealed class Client(Socket socket)
    {
        private long _waitingSince;
        private int _requests;

        /// <summary>Stopwatch timestamp of the request in flight; 0 when none.</summary>
        public long WaitingSince => Volatile.Read(ref _waitingSince);

        /// <summary>Requests answered so far.</summary>
        public int Requests => Volatile.Read(ref _requests);

        public async Task<List<long>> LoopAsync(CancellationToken stop)
        {
            var request = new byte[4 + RequestBytes];
            BinaryPrimitives.WriteInt32BigEndian(request, RequestBytes);
            var response = new byte[64 * 1024];
            var samples = new List<long>(100_000);
            while (!stop.IsCancellationRequested)
            {
                var start = Stopwatch.GetTimestamp();
                Volatile.Write(ref _waitingSince, start);
                await RequestAsync(socket, request, response);
                samples.Add(Stopwatch.GetTimestamp() - start);
                Volatile.Write(ref _waitingSince, 0);
                Interlocked.Increment(ref _requests);
            }
            return samples;
        }
    }

    private static async Task RequestAsync(Socket socket, byte[] request, byte[] response)
    {
        BinaryPrimitives.WriteInt32BigEndian(request, RequestBytes);
        await socket.SendAsync(request.AsMemory(), SocketFlags.None);
        for (var read = 0; read < 4 + ResponseBytes;)
        {
            var n = await socket.ReceiveAsync(response.AsMemory(), SocketFlags.None);
            if (n == 0)
            {
                throw new EndOfStreamException("the proxy closed the connection");
            }
            read += n;
        }
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        return socket;
    }

    private static Process StartBackends()
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
        }
        foreach (var argument in new[] { "backend", BackendCount.ToString(CultureInfo.InvariantCulture), ResponseBytes.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start)!;
    }

    public static Process Start(string path, params string[] arguments)
    {
        var start = new ProcessStartInfo(path) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start) ?? throw new InvalidOperationException($"{path} did not start");
    }

    public static string Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? "?" : $"{long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0:0.0} MiB";
    }

    private static string Version(string binary)
    {
        var start = new ProcessStartInfo(binary, "-v") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var first = process.StandardOutput.ReadLine() ?? "";
        process.WaitForExit();
        return first;
    }
}

/// <summary>A proxy stopped answering within the bound: what was outstanding.</summary>
public sealed class StalledException(string message) : Exception(message);

/// <summary>One proxy under test: its name, where it listens, its process (for its CPU time), its binary.</summary>
public sealed record Target(string Name, IPEndPoint EndPoint, int Pid, string Binary);

/// <summary>One measured run: every request's round trip (Stopwatch ticks), how long it ran, and the proxy's CPU time meanwhile.</summary>
public sealed record Round(long[] Samples, TimeSpan Elapsed, double CpuSeconds = 0)
{
    public double Throughput => Samples.Length / Elapsed.TotalSeconds;

    /// <summary>The proxy's CPU time (user + system) per request, in microseconds: robust to the machine's load, unlike throughput.</summary>
    public double CpuPerRequest => CpuSeconds * 1e6 / Samples.Length;

    /// <summary>The latency at quantile <paramref name="q"/>, in microseconds.</summary>
    public double Percentile(double q)
    {
        var sorted = Samples.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))] * 1e6 / Stopwatch.Frequency;
    }

    public static Round Merge(IReadOnlyList<Round> rounds) =>
        new([.. rounds.SelectMany(r => r.Samples)], TimeSpan.FromTicks(rounds.Sum(r => r.Elapsed.Ticks)), rounds.Sum(r => r.CpuSeconds));
}
