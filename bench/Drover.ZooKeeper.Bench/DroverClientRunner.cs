using System.Diagnostics;

namespace Drover.ZooKeeper.Bench;

/// <summary>
/// Runs a workload on Drover.ZooKeeper: IN_FLIGHT slots, each awaiting its request before issuing the
/// next, so IN_FLIGHT requests are outstanding at all times. Same windows and counting as ZkBench.java.
/// </summary>
public sealed class DroverClientRunner(ZooKeeperClient client)
{
    public async Task<RunResult> RunAsync(string op, int inFlight, TimeSpan warmup, TimeSpan measure, string basePath, int payloadBytes)
    {
        var payload = new byte[payloadBytes];
        var window = new Window();
        var slots = Enumerable.Range(0, inFlight).Select(i => new Slot(i, basePath)).ToArray();
        var running = slots.Select(slot => Task.Run(() => SlotLoopAsync(slot, op, payload, window))).ToArray();
        await Task.Delay(warmup);
        var cpuFrom = Process.GetCurrentProcess().TotalProcessorTime;
        var from = Stopwatch.GetTimestamp();
        Volatile.Write(ref window.From, from);
        await Task.Delay(measure);
        var to = Stopwatch.GetTimestamp();
        Volatile.Write(ref window.To, to);
        var cpuTo = Process.GetCurrentProcess().TotalProcessorTime;
        Volatile.Write(ref window.Stopping, true);
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(60));
        return new RunResult(
            slots.Sum(s => (long)s.Latencies.Count),
            Stopwatch.GetElapsedTime(from, to),
            slots.Sum(s => s.Errors),
            [.. slots.SelectMany(s => s.Latencies)])
        {
            Cpu = cpuTo - cpuFrom,
        };
    }

    private async Task SlotLoopAsync(Slot slot, string op, byte[] payload, Window window)
    {
        while (!Volatile.Read(ref window.Stopping))
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                switch (op)
                {
                    case "get":
                        await client.GetDataAsync(slot.Key);
                        break;
                    case "set":
                        await client.SetDataAsync(slot.Key, payload);
                        break;
                    default:
                        var path = slot.CreatePrefix + slot.Sequence++;
                        await client.CreateAsync(path, payload, Ids.OpenAclUnsafe, CreateMode.Persistent);
                        await client.DeleteAsync(path);
                        break;
                }
            }
            catch (KeeperException)
            {
                slot.Errors++;
                continue;
            }
            var end = Stopwatch.GetTimestamp();
            if (start >= Volatile.Read(ref window.From) && end <= Volatile.Read(ref window.To))
            {
                slot.Latencies.Add(RunResult.TicksToNanos(end - start));
            }
        }
    }

    private sealed class Window
    {
        public long From = long.MaxValue;
        public long To = long.MaxValue;
        public bool Stopping;
    }

    /// <summary>One slot's state: touched only by its own loop.</summary>
    private sealed class Slot(int index, string basePath)
    {
        public string Key { get; } = $"{basePath}/k{index}";

        public string CreatePrefix { get; } = $"{basePath}/cd/drover-{index}-";

        public long Sequence { get; set; }

        public long Errors { get; set; }

        public List<long> Latencies { get; } = new(1024);
    }
}
