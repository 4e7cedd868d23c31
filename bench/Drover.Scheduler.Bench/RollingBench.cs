using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Drover.LocalMesos;
using Drover.Mesos.Resources;
using Drover.Scheduler.Operations;
using Drover.Testing;
using Drover.Testing.Programs;
using Drover.Testing.ZooKeeper;

namespace Drover.Scheduler.Bench;

/// <summary>
/// The scheduler's own overhead in a rolling update (issue 12 item 7), end to end: drover-scheduler as a process of its
/// own, the local Mesos in this process (its agents launch the real published executor), a real ZooKeeper for the
/// scheduler's state and the nodes' registry. A GENERIC cluster of --nodes light nodes (the service is `sleep`, the
/// check `true`) is deployed, then its version changed --updates times; each update rolls through every node: the
/// step kills the node's task, the node is launched again in place on its reservation, and the next step starts once
/// the executor reports it healthy.
///
/// Every time comes from outside the scheduler but one: a node "reported healthy" is the timestamp its executor put
/// on the healthy TASK_RUNNING (taken as the local Mesos' master forwards it, which time is shown too), beside the
/// mtime of its registry record in ZooKeeper (the executor writes healthy:true there at the same moment, but that
/// write may land after the status update has reached the scheduler); a launch is the local Mesos' "launching" log
/// line, and a step's start is its <c>started</c> in the scheduler's API (all on this machine's clock). The gap from
/// node i's healthy update to step i+1's start is the scheduler's
/// overhead (the status update's path executor → agent → master → scheduler, its loop, the plan); no offer is waited
/// for in it, since the next step starts by killing a task. Offers are waited for inside a step, between the old
/// task's end and the relaunch; that time is shown apart (step start → launch) and bounded by the master's
/// allocation interval (--allocation-ms), the scheduler reviving as soon as it has a node to place.
/// </summary>
internal static class RollingBench
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// Runs the whole bench once per scheduler build, the builds taking turns <paramref name="turns"/> times, then
    /// pools each build's gaps: two builds compared side by side on one machine, under the same load.
    /// </summary>
    public static async Task RunAsync(IReadOnlyList<string> schedulers, int turns, int nodes, int updates, int agents, int allocationMs)
    {
        var pooled = schedulers.ToDictionary(s => s, _ => new Samples(), StringComparer.Ordinal);
        for (var turn = 0; turn < turns; turn++)
        {
            foreach (var dll in schedulers)
            {
                Console.WriteLine($"\nturn {turn + 1}/{turns}: {dll}");
                pooled[dll].Add(await RunOnceAsync(dll, nodes, updates, agents, allocationMs));
            }
        }

        if (schedulers.Count * turns > 1)
        {
            Console.WriteLine("\npooled over every turn:");
            foreach (var (dll, samples) in pooled)
            {
                Console.WriteLine($"  {dll}:");
                samples.Print();
            }
        }
    }

    /// <summary>The times one or more runs measured, in milliseconds.</summary>
    private sealed class Samples
    {
        public List<double> Gaps { get; } = [];
        public List<double> ForwardGaps { get; } = [];
        public List<double> RegistryGaps { get; } = [];
        public List<double> ToLaunch { get; } = [];
        public List<double> ToHealthy { get; } = [];

        public void Add(Samples other)
        {
            Gaps.AddRange(other.Gaps);
            ForwardGaps.AddRange(other.ForwardGaps);
            RegistryGaps.AddRange(other.RegistryGaps);
            ToLaunch.AddRange(other.ToLaunch);
            ToHealthy.AddRange(other.ToHealthy);
        }

        public void Print()
        {
            Console.WriteLine($"  all {Gaps.Count} gaps, node i's healthy TASK_RUNNING (the executor's timestamp) -> step i+1 started (API): {Summary(Gaps)}");
            Console.WriteLine($"    of which the master forwarding it -> step i+1 started: {Summary(ForwardGaps)}");
            Console.WriteLine($"    node i's healthy registry record (ZooKeeper mtime) -> step i+1 started: {Summary(RegistryGaps)} (negative: the executor's ZooKeeper write landed after the scheduler had moved on)");
            Console.WriteLine($"  within a step, step started -> relaunch (kill, TASK_KILLED, offer wait, ACCEPT, the local Mesos' launch): {Summary(ToLaunch)}");
            Console.WriteLine($"  within a step, relaunch -> healthy record (executor start, service start, first check): {Summary(ToHealthy)}");
        }
    }

    private static async Task<Samples> RunOnceAsync(string schedulerDll, int nodes, int updates, int agents, int allocationMs)
    {
        var framework = "roll-" + Guid.NewGuid().ToString("N")[..6];
        const string cluster = "roll";
        await using var zooKeeper = await ZooKeeperServer.StartStandaloneAsync("-Xmx256m -XX:+UseSerialGC");
        var mesosLog = new List<(DateTimeOffset At, string Line)>();
        var healthy = new Dictionary<string, (DateTimeOffset Stamped, DateTimeOffset Forwarded)>(StringComparer.Ordinal);
        await using var mesos = await LocalMesos.LocalMesos.StartAsync(new LocalMesosOptions
        {
            Agents = agents,
            AllocationInterval = TimeSpan.FromMilliseconds(allocationMs),
            ExecutorBinary = ExecutorBinary.Path(),
            SplitPortRange = true,
            PortRange = new ValueRange(34000, 34999),
            AgentResources = "cpus:2;mem:2048;disk:10000",
            ExecutorShutdownGracePeriod = TimeSpan.FromSeconds(3),
            // The first healthy TASK_RUNNING of each task: the executor's own timestamp, and when the master forwarded it.
            StatusForwarded = status =>
            {
                if (status is { State: Mesos.V1.TaskState.TaskRunning, HasHealthy: true, Healthy: true })
                {
                    lock (healthy)
                    {
                        healthy.TryAdd(status.TaskId.Value, (DateTimeOffset.UnixEpoch.AddSeconds(status.Timestamp), DateTimeOffset.UtcNow));
                    }
                }
            },
            Log = line =>
            {
                lock (mesosLog)
                {
                    mesosLog.Add((DateTimeOffset.UtcNow, line));
                }
            },
        });
        var apiPort = FreePort.Next();
        var api = new Uri($"http://127.0.0.1:{apiPort.ToString(CultureInfo.InvariantCulture)}/");
        var command = CliWrap.Cli.Wrap("dotnet")
            .WithArguments(["exec", schedulerDll, "run",
                "--master", mesos.MasterAddress.ToString(), "--zk", zooKeeper.ConnectString, "--framework", framework,
                "--executor-uri", "file:///opt/drover/drover-executor-0.1.0-linux-x64.tar.gz", "--refuse-seconds", "1secs",
                "--principal", "drover", "--zk-session-timeout", "30secs", "--api-listen", $"127.0.0.1:{apiPort.ToString(CultureInfo.InvariantCulture)}"])
            .WithEnvironmentVariables(e => e.Set("DOTNET_gcServer", "0"));
        await using var scheduler = RunningProgram.Start(command);

        Console.WriteLine($"\nrolling update of {nodes} GENERIC nodes on {agents} agents of the local Mesos (allocation interval {allocationMs} ms), {updates} update(s):");
        await UntilAsync(api, scheduler, s => s.Subscription.State == SubscriptionState.Subscribed, "the scheduler subscribed", TimeSpan.FromSeconds(90));
        var deployClock = System.Diagnostics.Stopwatch.StartNew();
        await PutAsync(api, Spec(cluster, nodes, "1"));
        await UntilAsync(api, scheduler, s => Rolled(s, cluster, nodes, "1"), "the first deploy", TimeSpan.FromMinutes(10));
        Console.WriteLine($"  deployed in {deployClock.Elapsed.TotalSeconds:0.0} s; load average {File.ReadAllText("/proc/loadavg").Trim()}");

        var samples = new Samples();
        var (gaps, registryGaps, forwardGaps, toLaunch, toHealthy) = (samples.Gaps, samples.RegistryGaps, samples.ForwardGaps, samples.ToLaunch, samples.ToHealthy);
        for (var update = 1; update <= updates; update++)
        {
            var version = (update + 1).ToString(CultureInfo.InvariantCulture);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await PutAsync(api, Spec(cluster, nodes, version));
            var done = await UntilAsync(api, scheduler, s => Rolled(s, cluster, nodes, version), $"update to version {version}", TimeSpan.FromMinutes(10));
            var wall = clock.Elapsed;
            var view = done.Clusters.Single(c => c.Name == cluster);
            // A session of its own per read-out: on a loaded machine a session idle through a whole update can expire.
            await using var registry = await zooKeeper.ConnectAsync();
            var steps = view.Plans.Single(p => p.Name == "deploy").Phases.SelectMany(p => p.Steps).Where(s => s.Node is not null).ToDictionary(s => s.Node!, StringComparer.Ordinal);
            var rows = new List<(string Node, DateTimeOffset Started, DateTimeOffset Launched, DateTimeOffset Healthy, DateTimeOffset Forwarded, DateTimeOffset Registry)>();
            foreach (var node in view.Nodes.OrderBy(n => n.Index))
            {
                var record = await registry.GetDataAsync($"/drover/{framework}/clusters/{cluster}/nodes/{node.Name}");
                var json = JsonNode.Parse(record.Data)!;
                if (json["taskId"]?.GetValue<string>() != node.TaskId || json["healthy"]?.GetValue<bool>() != true)
                {
                    throw new InvalidOperationException($"{node.Name}: the registry holds {Encoding.UTF8.GetString(record.Data)}, not the healthy record of task {node.TaskId}");
                }

                (DateTimeOffset Stamped, DateTimeOffset Forwarded) reported;
                lock (healthy)
                {
                    reported = healthy.TryGetValue(node.TaskId!, out var found) ? found : throw new InvalidOperationException($"no healthy TASK_RUNNING of {node.TaskId} went through the master");
                }

                rows.Add((node.Name, steps[node.Name].Started ?? throw new InvalidOperationException($"step {node.Name} has no start time"),
                    LaunchOf(mesosLog, node.TaskId!), reported.Stamped, reported.Forwarded, DateTimeOffset.FromUnixTimeMilliseconds(record.Stat.Mtime)));
            }

            for (var i = 0; i < rows.Count; i++)
            {
                toLaunch.Add((rows[i].Launched - rows[i].Started).TotalMilliseconds);
                toHealthy.Add((rows[i].Healthy - rows[i].Launched).TotalMilliseconds);
                if (i > 0)
                {
                    gaps.Add((rows[i].Started - rows[i - 1].Healthy).TotalMilliseconds);
                    forwardGaps.Add((rows[i].Started - rows[i - 1].Forwarded).TotalMilliseconds);
                    registryGaps.Add((rows[i].Started - rows[i - 1].Registry).TotalMilliseconds);
                }
            }

            var these = rows.Skip(1).Select((r, i) => (r.Started - rows[i].Healthy).TotalMilliseconds).ToList();
            Console.WriteLine($"  update {update} (version {version}): {wall.TotalSeconds:0.0} s; healthy -> next step started: {Summary(these)}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        }

        samples.Print();
        Console.WriteLine($"  scheduler RSS {SchedulerRssMiB(scheduler.Pid):0.0} MiB");
        await scheduler.StopAsync(TimeSpan.FromSeconds(10));
        return samples;
    }

    /// <summary>A node as light as a node can be: `sleep` with a `true` check every second, no volume, no port.</summary>
    private static string Spec(string name, int count, string version) => new JsonObject
    {
        ["name"] = name,
        ["kind"] = "GENERIC",
        ["count"] = count,
        ["version"] = version,
        ["resources"] = new JsonObject { ["cpus"] = 0.05, ["mem"] = 16 },
        ["service"] = new JsonObject { ["command"] = "exec sleep 100000", ["kill_grace_period"] = "2secs" },
        ["health"] = new JsonObject
        {
            ["delay"] = "0secs",
            ["interval"] = "1secs",
            ["grace"] = "30secs",
            ["checks"] = new JsonArray(new JsonObject { ["name"] = "alive", ["command"] = "true" }),
        },
    }.ToJsonString();

    private static bool Rolled(SchedulerSnapshot s, string cluster, int count, string version) =>
        s.Clusters.SingleOrDefault(c => c.Name == cluster) is { } c
        && c.Nodes.Count == count
        && c.Nodes.All(n => n.Phase == Model.NodePhase.Running && n.Healthy == true && n.Generation == c.Generation && n.Version == version)
        && c.Plans.Single(p => p.Name == "deploy").Status == Plans.PlanStatus.Complete;

    private static DateTimeOffset LaunchOf(List<(DateTimeOffset At, string Line)> log, string taskId)
    {
        lock (log)
        {
            return log.Where(l => l.Line.StartsWith("launching ", StringComparison.Ordinal) && l.Line.Contains(taskId, StringComparison.Ordinal))
                .Select(l => (DateTimeOffset?)l.At).LastOrDefault() ?? throw new InvalidOperationException($"no launch of {taskId} in the local Mesos' log");
        }
    }

    private static string Summary(List<double> values)
    {
        var sorted = values.Order().ToList();
        double At(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        return $"n={sorted.Count} min {sorted[0]:0.0} p50 {At(0.5):0.0} p99 {At(0.99):0.0} max {sorted[^1]:0.0} ms";
    }

    private static async Task PutAsync(Uri api, string json)
    {
        var name = JsonDocument.Parse(json).RootElement.GetProperty("name").GetString();
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Http.PutAsync(new Uri(api, $"v1/clusters/{name}"), content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task<SchedulerSnapshot> UntilAsync(Uri api, RunningProgram scheduler, Func<SchedulerSnapshot, bool> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        SchedulerSnapshot? last = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (scheduler.HasExited)
            {
                throw new InvalidOperationException($"the scheduler exited while waiting for {what}:\n{scheduler.Output}");
            }

            try
            {
                last = JsonSerializer.Deserialize(await Http.GetByteArrayAsync(new Uri(api, "v1/state")), SnapshotJsonContext.Default.SchedulerSnapshot);
                if (last is not null && condition(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"no {what} within {timeout}; last state: {(last is null ? "(none)" : JsonSerializer.Serialize(last, SnapshotJsonContext.Default.SchedulerSnapshot))}");
    }

    private static double SchedulerRssMiB(int pid) =>
        double.Parse(File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
}
