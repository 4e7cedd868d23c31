using System.Globalization;
using System.Text.Json.Nodes;
using Drover.LocalMesos;
using Drover.Mesos.Resources;
using Drover.Scheduler.Operations;
using Drover.Testing;
using Drover.Testing.Programs;
using Drover.Testing.ZooKeeper;

namespace Drover.Scheduler.EndToEnd.Tests.Support;

/// <summary>
/// What one end-to-end test runs on: the shared ZooKeeper, a local Mesos of its own (agents that launch the real
/// executor, on a port window free now), a framework name of its own, and the schedulers it starts. Timers are short
/// through the scheduler's and the local Mesos' options (refuse filters, allocation, ZooKeeper session), never by
/// waiting. Disposing kills the schedulers and the local Mesos (which stops every executor and service).
/// </summary>
public sealed class TestBed : IAsyncDisposable
{
    /// <summary>The scheduler's ZooKeeper session: a killed leader's candidate znode goes this long after its death.</summary>
    public const string SessionTimeout = "6secs";

    private readonly List<SchedulerProcess> _schedulers = [];
    private readonly OutputLog _mesosLog;
    private int _started;

    private TestBed(ZooKeeperServerFixture zooKeeper, LocalMesos.LocalMesos mesos, OutputLog mesosLog, string framework, string? mastersInZooKeeper)
    {
        _mesosLog = mesosLog;
        ZooKeeperFixture = zooKeeper;
        Mesos = mesos;
        Framework = framework;
        MastersInZooKeeper = mastersInZooKeeper;
    }

    public ZooKeeperServerFixture ZooKeeperFixture { get; }

    public string ZooKeeper => ZooKeeperFixture.Server.ConnectString;

    public LocalMesos.LocalMesos Mesos { get; }

    /// <summary>This test's framework name: its state under /drover/&lt;name&gt;, its registry, its reservation labels.</summary>
    public string Framework { get; }

    /// <summary>zk://…/path where the masters registered, when asked for.</summary>
    public string? MastersInZooKeeper { get; }

    /// <summary>The local Mesos' log so far.</summary>
    public string MesosLog => _mesosLog.Text;

    public static async Task<TestBed> StartAsync(ZooKeeperServerFixture zooKeeper, int agents = 3, int standbys = 0, bool registerMasters = false, string? hostnames = null)
    {
        var framework = "e2e-" + Guid.NewGuid().ToString("N")[..8];
        var (begin, end) = PortWindow.Find(agents * 50);
        var log = new OutputLog();
        var mastersInZooKeeper = registerMasters ? $"zk://{zooKeeper.Server.ConnectString}/mesos-{framework}" : null;
        var options = new LocalMesosOptions
        {
            Agents = agents,
            Standbys = standbys,
            ZooKeeper = mastersInZooKeeper,
            AllocationInterval = TimeSpan.FromMilliseconds(100),
            ExecutorBinary = ExecutorBinary.Path(),
            SplitPortRange = true,
            PortRange = new ValueRange((ulong)begin, (ulong)end),
            AgentResources = "cpus:2;mem:2048;disk:10000",
            ExecutorShutdownGracePeriod = TimeSpan.FromSeconds(3),
            Log = line => log.Append($"{DateTime.UtcNow:HH:mm:ss.fff} {line}"),
        };
        if (hostnames is not null)
        {
            options = options with { HostnamePattern = hostnames };
        }

        var mesos = await LocalMesos.LocalMesos.StartAsync(options);
        return new TestBed(zooKeeper, mesos, log, framework, mastersInZooKeeper);
    }

    /// <summary>Starts a scheduler of this test's framework (the same flags every time: a restart is the same program again).</summary>
    public SchedulerProcess StartScheduler(string? master = null, params string[] extra)
    {
        var name = $"#{Interlocked.Increment(ref _started).ToString(CultureInfo.InvariantCulture)}";
        var scheduler = SchedulerProcess.Start(name,
        [
            "--master", master ?? Mesos.MasterAddress.ToString(),
            "--zk", ZooKeeper,
            "--framework", Framework,
            "--zk-session-timeout", SessionTimeout,
            "--executor-uri", "file:///opt/drover/drover-executor-0.1.0-linux-x64.tar.gz",
            "--refuse-seconds", "1secs",
            "--principal", "drover",
            .. extra,
        ]);
        _schedulers.Add(scheduler);
        return scheduler;
    }

    public Task<MesosView> MesosAsync() => MesosView.ReadAsync(Mesos);

    /// <summary>The sample spec of packaging/examples (the README's demo deploys it), changed as the test needs.</summary>
    public static string Spec(int count = 3, string? replaceAfter = null, bool uniqueHosts = false, string name = "web", int? maxRestarts = null)
    {
        var spec = JsonNode.Parse(File.ReadAllText(RepositoryFiles.PathOf("packaging/examples/web.json")))!.AsObject();
        spec["name"] = name;
        spec["count"] = count;
        if (replaceAfter is not null)
        {
            spec["replace_after"] = replaceAfter;
        }

        if (uniqueHosts)
        {
            spec["placement"] = new JsonObject { ["unique_hostname"] = true };
        }

        if (maxRestarts is { } restarts)
        {
            spec["restart_policy"] = new JsonObject { ["max_restarts"] = restarts };
        }

        return spec.ToJsonString();
    }

    /// <summary>Every node of <paramref name="cluster"/> running and healthy, the deploy plan complete.</summary>
    public static bool Deployed(SchedulerSnapshot s, int count, string cluster = "web") =>
        s.Clusters.SingleOrDefault(c => c.Name == cluster) is { } c
        && c.Nodes.Count == count
        && c.Nodes.All(n => n.Phase == Model.NodePhase.Running && n.Healthy == true)
        && c.Plans.Single(p => p.Name == "deploy").Status == Plans.PlanStatus.Complete;

    public string Diagnostics(SchedulerSnapshot? snapshot = null) =>
        $"scheduler: {SchedulerProcess.Describe(snapshot)}\nlocal Mesos log:\n{string.Join('\n', MesosLog.Split('\n').TakeLast(40))}";

    public async ValueTask DisposeAsync()
    {
        foreach (var scheduler in _schedulers)
        {
            await scheduler.DisposeAsync();
        }

        await Mesos.DisposeAsync();
    }
}
