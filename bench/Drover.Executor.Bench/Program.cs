using System.Diagnostics;
using System.Globalization;
using Drover.LocalMesos.Agent;
using Drover.Mesos.V1;

// drover-executor, native AOT against the same code under the JIT, side by side in one run:
//   cold start -> SUBSCRIBE received by the agent, LAUNCH -> TASK_RUNNING received, and the idle
//   RSS and CPU of an executor supervising `sleep`. Usage: Drover.Executor.Bench <name>=<command> ...
// where <command> starts the executor (a path, or "dotnet x.dll" style words).

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Drover.Executor.Bench aot=/path/drover-executor jit=/path/jit/drover-executor ...\n       Drover.Executor.Bench starts <rounds> name=/path/drover-executor ... (cold starts only, interleaved)");
    return 2;
}

// `starts <rounds> name=<binary> ...`: cold starts only, the variants taking turns start by start, so that a
// machine whose load drifts (other work, a noisy neighbour) weighs on every variant alike.
if (args is ["starts", var roundsText, .. var variants])
{
    var rounds = int.Parse(roundsText, CultureInfo.InvariantCulture);
    var timings = variants.Select(v => (Name: v[..v.IndexOf('=')], Binary: v[(v.IndexOf('=') + 1)..], Starts: new List<double>())).ToList();
    for (var round = 0; round < rounds; round++)
    {
        // Who goes first rotates too: the first start after a pause is not always the same variant's.
        for (var k = 0; k < timings.Count; k++)
        {
            var (_, binary, starts) = timings[(round + k) % timings.Count];
            starts.Add(await TimeStartAsync(binary));
        }
    }

    Console.WriteLine($"{rounds} cold starts per executor, interleaved.");
    Console.WriteLine();
    Console.WriteLine("| executor | start → SUBSCRIBE p50 ms | p90 ms | min ms | ratio of p50 to the first |");
    Console.WriteLine("|---|---:|---:|---:|---:|");
    foreach (var (name, _, starts) in timings)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Median(starts):0.0} | {Percentile(starts, 0.9):0.0} | {starts.Min():0.0} | {Median(starts) / Median(timings[0].Starts):0.00} |"));
    }

    return 0;
}

const int StartRuns = 20;
const int LaunchRuns = 30;
var idle = TimeSpan.FromSeconds(10);
var rows = new List<string>();
foreach (var arg in args)
{
    var (name, binary) = (arg[..arg.IndexOf('=')], arg[(arg.IndexOf('=') + 1)..]);
    var starts = new List<double>();
    for (var i = 0; i < StartRuns; i++)
    {
        starts.Add(await TimeStartAsync(binary));
    }

    await using var main = await StartAgentAsync();
    using var supervised = main.LaunchExecutor(binary);
    await main.WaitUntilAsync(() => main.IsSubscribed, "subscription", TimeSpan.FromSeconds(30));
    await main.LaunchAsync(main.NewTask("anchor").Cpus(0.1).Mem(32).Shell("exec sleep 100000").Build());
    await main.WaitForUpdateAsync("anchor", TaskState.TaskRunning, TimeSpan.FromSeconds(30));

    var launches = new List<double>();
    for (var i = 0; i < LaunchRuns; i++)
    {
        var id = $"t{i}";
        var task = main.NewTask(id).Cpus(0.01).Mem(1).Shell("exec sleep 100000").KillGracePeriod(TimeSpan.Zero).Build();
        var clock = Stopwatch.StartNew();
        await main.LaunchAsync(task); // returns once the event is flushed to the executor
        await main.WaitForUpdateAsync(id, TaskState.TaskRunning, TimeSpan.FromSeconds(30));
        launches.Add(clock.Elapsed.TotalMilliseconds);
        await main.KillAsync(id);
        await main.WaitForUpdateAsync(id, TaskState.TaskKilled, TimeSpan.FromSeconds(30));
    }

    // Idle: only `anchor` left, nothing happening for a while; then sample RSS and CPU over `idle`.
    await Task.Delay(TimeSpan.FromSeconds(3));
    var cpuBefore = CpuSeconds(supervised.Pid);
    var wall = Stopwatch.StartNew();
    await Task.Delay(idle);
    var cpu = (CpuSeconds(supervised.Pid) - cpuBefore) / wall.Elapsed.TotalSeconds;
    var rssKiB = StatusKiB(supervised.Pid, "VmRSS:");
    var hwmKiB = StatusKiB(supervised.Pid, "VmHWM:");
    var anonKiB = StatusKiB(supervised.Pid, "RssAnon:"); // private: heap, stacks, buffers
    var fileKiB = StatusKiB(supervised.Pid, "RssFile:"); // the mapped binary, shared by every executor of the agent
    if (System.Environment.GetEnvironmentVariable("DROVER_BENCH_SMAPS") == "1")
    {
        PrintSmaps(name, supervised.Pid);
    }

    // For a closer look (smaps, pagemap, perf): keep the idle executor alive for that many seconds.
    if (int.TryParse(System.Environment.GetEnvironmentVariable("DROVER_BENCH_HOLD"), CultureInfo.InvariantCulture, out var hold))
    {
        Console.Error.WriteLine($"{name}: idle executor pid {supervised.Pid}, held for {hold} s");
        await Task.Delay(TimeSpan.FromSeconds(hold));
    }

    // One more launch, the first after the idle period: what it costs to bring back what the idle trim let go.
    var wake = Stopwatch.StartNew();
    await main.LaunchAsync(main.NewTask("after-idle").Cpus(0.01).Mem(1).Shell("exec sleep 100000").Build());
    await main.WaitForUpdateAsync("after-idle", TaskState.TaskRunning, TimeSpan.FromSeconds(30));
    var wakeMs = wake.Elapsed.TotalMilliseconds;
    var wokenKiB = StatusKiB(supervised.Pid, "VmRSS:");

    rows.Add(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {Median(starts):0.0} | {Percentile(starts, 0.9):0.0} | {Median(launches):0.00} | {Percentile(launches, 0.9):0.00} | {rssKiB / 1024.0:0.0} | {anonKiB / 1024.0:0.0} | {fileKiB / 1024.0:0.0} | {hwmKiB / 1024.0:0.0} | {cpu * 100:0.000} | {wakeMs:0.00} | {wokenKiB / 1024.0:0.0} |"));
    Console.Error.WriteLine($"{name}: done");
}

Console.WriteLine($"{StartRuns} cold starts and {LaunchRuns} launches per executor; idle sampled over {idle.TotalSeconds:0} s while supervising `sleep`.");
Console.WriteLine();
Console.WriteLine("| executor | start → SUBSCRIBE p50 ms | p90 ms | LAUNCH → TASK_RUNNING p50 ms | p90 ms | idle RSS MiB | of it private (RssAnon) | of it file (RssFile) | peak RSS MiB | idle CPU % | first LAUNCH after idle ms | RSS after it MiB |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
rows.ForEach(Console.WriteLine);
return 0;

// From just before the agent spawns the executor until the agent has its SUBSCRIBE, in ms.
static async Task<double> TimeStartAsync(string binary)
{
    await using var agent = await StartAgentAsync();
    var clock = Stopwatch.StartNew();
    using var executor = agent.LaunchExecutor(binary);
    await agent.WaitForSubscribeAsync(1, TimeSpan.FromSeconds(30));
    return clock.Elapsed.TotalMilliseconds;
}

static async Task<MesosAgentEmulator> StartAgentAsync()
{
    var agent = new MesosAgentEmulator(new MesosAgentEmulatorOptions { WaitTimeout = TimeSpan.FromSeconds(30) });
    await agent.StartAsync();
    return agent;
}

static double Median(List<double> values) => Percentile(values, 0.5);

static double Percentile(List<double> values, double p)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}

// utime + stime of one process, from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s).
static double CpuSeconds(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
}

// Where the resident pages are: the largest mappings of /proc/<pid>/smaps, with their anonymous share.
static void PrintSmaps(string name, int pid)
{
    var mappings = new List<(string Name, long Rss, long Anonymous)>();
    (string Name, long Rss, long Anonymous)? current = null;
    foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length >= 5 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
        {
            if (current is { } done)
            {
                mappings.Add(done);
            }

            current = ($"{fields[0]} {fields[1]} {(fields.Length > 5 ? Path.GetFileName(fields[5]) : "[anon]")}", 0, 0);
        }
        else if (current is { } open && fields.Length >= 2 && fields[0] is "Rss:" or "Anonymous:")
        {
            var kib = long.Parse(fields[1], CultureInfo.InvariantCulture);
            current = fields[0] == "Rss:" ? open with { Rss = kib } : open with { Anonymous = kib };
        }
    }

    if (current is { } last)
    {
        mappings.Add(last);
    }

    Console.Error.WriteLine($"{name}: smaps, largest resident mappings (KiB rss / anonymous):");
    foreach (var (mapping, rss, anonymous) in mappings.OrderByDescending(m => m.Rss).Take(12))
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {rss,6} / {anonymous,6}  {mapping}"));
    }
}

static long StatusKiB(int pid, string field)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith(field, StringComparison.Ordinal))
        {
            return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
    }

    return -1;
}
