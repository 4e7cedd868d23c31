using System.Diagnostics;
using System.Globalization;
using Drover.Testing.ZooKeeper;

namespace Drover.ZooKeeper.Bench;

/// <summary>
/// Where a request's time goes, for the Drover client alone: `profile get 1 5` runs op get with 1 in
/// flight for 5 s and prints, per operation, the bytes allocated, thread-pool work items run, context
/// switches of the process's threads and CPU time. It prints its pid and waits 3 s before measuring, so
/// `strace -f -c -p PID` can be attached for the system calls of the same window.
/// </summary>
public static class Profile
{
    public static async Task<int> RunAsync(string[] args)
    {
        var op = args.Length > 0 ? args[0] : "get";
        var inFlight = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var seconds = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        await using var server = await ZooKeeperServer.StartStandaloneAsync("-Xmx1g -XX:+UseParallelGC");
        await using var client = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectString = server.ConnectString, SessionTimeout = TimeSpan.FromSeconds(30) });
        var basePath = $"/profile-{Guid.NewGuid():N}";
        await client.CreateAsync(basePath, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        for (var i = 0; i < inFlight; i++)
        {
            await client.CreateAsync($"{basePath}/k{i}", new byte[128], Ids.OpenAclUnsafe, CreateMode.Persistent);
        }
        await LoopAsync(client, op, inFlight, basePath, TimeSpan.FromSeconds(2));
        Console.Error.WriteLine($"pid {Environment.ProcessId}: measuring {op} n={inFlight} for {seconds} s in 3 s");
        await Task.Delay(TimeSpan.FromSeconds(3));

        var before = Snapshot.Take();
        var ops = await LoopAsync(client, op, inFlight, basePath, TimeSpan.FromSeconds(seconds));
        var after = Snapshot.Take();
        var n = (double)ops;
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{op} n={inFlight}: {ops} ops in {seconds} s ({ops / seconds:0}/s); per op: {(after.Allocated - before.Allocated) / n:0} B allocated, " +
            $"{(after.WorkItems - before.WorkItems) / n:0.00} thread-pool work items, {(after.Switches - before.Switches) / n:0.00} context switches " +
            $"({(after.Voluntary - before.Voluntary) / n:0.00} voluntary), {(after.Cpu - before.Cpu).TotalMicroseconds / n:0.0} µs CPU; threads {after.Threads}"));
        return 0;
    }

    private static async Task<long> LoopAsync(ZooKeeperClient client, string op, int inFlight, string basePath, TimeSpan duration)
    {
        var payload = new byte[128];
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var counts = new long[inFlight];
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(slot => Task.Run(async () =>
        {
            var key = $"{basePath}/k{slot}";
            while (Stopwatch.GetTimestamp() < until)
            {
                switch (op)
                {
                    case "get":
                        await client.GetDataAsync(key);
                        break;
                    case "set":
                        await client.SetDataAsync(key, payload);
                        break;
                    default:
                        var path = $"{basePath}/c{slot}-{counts[slot]}";
                        await client.CreateAsync(path, payload, Ids.OpenAclUnsafe, CreateMode.Persistent);
                        await client.DeleteAsync(path);
                        break;
                }
                counts[slot]++;
            }
        })));
        return counts.Sum();
    }

    private readonly record struct Snapshot(long Allocated, long WorkItems, long Switches, long Voluntary, TimeSpan Cpu, int Threads)
    {
        public static Snapshot Take()
        {
            long voluntary = 0, involuntary = 0;
            var tasks = Directory.GetDirectories("/proc/self/task");
            foreach (var task in tasks)
            {
                try
                {
                    foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                    {
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                        {
                            voluntary += long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
                        }
                        else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                        {
                            involuntary += long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
                        }
                    }
                }
                catch (IOException)
                {
                    // A thread that ended meanwhile.
                }
            }
            return new Snapshot(GC.GetTotalAllocatedBytes(precise: true), ThreadPool.CompletedWorkItemCount, voluntary + involuntary, voluntary,
                Process.GetCurrentProcess().TotalProcessorTime, tasks.Length);
        }
    }
}
