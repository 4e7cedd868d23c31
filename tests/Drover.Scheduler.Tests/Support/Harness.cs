using Drover.Scheduler.Configuration;
using Drover.Scheduler.Core;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.State;
using Microsoft.Extensions.Time.Testing;

namespace Drover.Scheduler.Tests.Support;

/// <summary>
/// A scheduler loop on a fake master, an in-memory store and a fake clock. "Restarting the scheduler" is a new
/// loop on the same master and store, as a new process would find ZooKeeper and Mesos.
/// </summary>
public sealed class Harness : IAsyncDisposable
{
    private Task<int>? _run;

    public Harness(string framework = "drover", FakeMaster? master = null, InMemoryStateStore? store = null, FakeTimeProvider? time = null)
    {
        Options = new SchedulerOptions
        {
            Framework = framework,
            Role = "drover",
            Principal = "drover",
            ExecutorUri = "http://artifacts/drover-executor-0.1.0-linux-x64.tar.gz",
            RegistryConnect = "127.0.0.1:2181",
            ReconcileInitialBackoff = TimeSpan.FromSeconds(4),
        };
        Master = master ?? new FakeMaster();
        Store = store ?? new InMemoryStateStore(new StatePaths("/drover", framework));
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Clock = new CountingTimeProvider(Time);
    }

    public SchedulerOptions Options { get; set; }

    /// <summary>The registry feed the next started loop follows (null: none).</summary>
    public Drover.Scheduler.Registry.INodeRegistryFeed? Registry { get; set; }

    public FakeMaster Master { get; }

    public InMemoryStateStore Store { get; }

    public FakeTimeProvider Time { get; }

    /// <summary>The clock the loops get: <see cref="Time"/>, counting the callbacks of the timers made on it.</summary>
    public CountingTimeProvider Clock { get; }

    public SchedulerLoop Loop { get; private set; } = null!;

    public Task<int> Run => _run ?? throw new InvalidOperationException("not started");

    public SchedulerSnapshot Snapshot => Loop.Snapshot();

    /// <summary>Starts a scheduler "process" and waits until it has settled after subscribing.</summary>
    public async Task StartAsync()
    {
        Loop = new SchedulerLoop(Options, Master, Store, Clock, Registry);
        _run = Task.Run(() => Loop.RunAsync());
        await SettleAsync();
    }

    /// <summary>Kills the scheduler "process" (if still running) and starts a new one on the same master and store.</summary>
    public async Task RestartAsync()
    {
        Loop.Stop("test restart");
        await Run.WaitAsync(TimeSpan.FromSeconds(20));
        Master.Disconnect();
        Master.CrashBefore = null;
        Store.BeforeCommit = null;
        await StartAsync();
    }

    /// <summary>Until the loop has handled everything the master delivered (and the master delivered nothing more meanwhile).</summary>
    public async Task SettleAsync()
    {
        for (var i = 0; i < 1000; i++)
        {
            var delivered = Master.Delivered;
            await Loop.BarrierAsync().WaitAsync(TimeSpan.FromSeconds(20));
            if (Master.Delivered == delivered || Run.IsCompleted)
            {
                return;
            }
        }

        throw new TimeoutException("the scheduler never settled");
    }

    /// <summary>Offer rounds until <paramref name="condition"/> holds (bounded), settling after each.</summary>
    public async Task DriveAsync(Func<SchedulerSnapshot, bool> condition, string what, int rounds = 60, bool forceOffers = false, TimeSpan? tick = null)
    {
        for (var i = 0; i < rounds; i++)
        {
            await SettleAsync();
            if (condition(Snapshot))
            {
                return;
            }

            if (Run.IsCompleted)
            {
                throw new InvalidOperationException($"the scheduler stopped ({Loop.FatalError}) before {what}");
            }

            if (tick is { } by)
            {
                Time.Advance(by);
            }

            Master.OfferAll(forceOffers);
            await SettleAsync();
        }

        throw new TimeoutException($"not reached after {rounds} offer rounds: {what}. Snapshot: {Describe(Snapshot)}");
    }

    public async Task AdvanceAsync(TimeSpan by)
    {
        Time.Advance(by);
        await SettleAsync();
    }

    public async Task<OperationResult> PutAsync(ClusterSpec spec)
    {
        var result = await Loop.PutClusterAsync(spec).WaitAsync(TimeSpan.FromSeconds(20));
        await SettleAsync();
        return result;
    }

    public ClusterView Cluster(string name) => Snapshot.Clusters.Single(c => c.Name == name);

    public static bool AllHealthy(SchedulerSnapshot snapshot, string cluster, int count)
    {
        var view = snapshot.Clusters.SingleOrDefault(c => c.Name == cluster);
        return view is not null && view.Nodes.Count(n => n.Phase == NodePhase.Running && n.Healthy == true) == count
            && view.Plans.Single(p => p.Name == "deploy").Status == global::Drover.Scheduler.Plans.PlanStatus.Complete;
    }

    public static ClusterSpec Generic(string name = "web", int count = 3, double volume = 128, int? maxPerAgent = null) => new()
    {
        Name = name,
        Kind = ClusterKind.Generic,
        Count = count,
        Version = "1.0",
        Resources = new NodeResources { Cpus = 0.5, Mem = 256, Disk = 32, Volume = volume },
        Ports = [new PortSpec { Name = "http" }, new PortSpec { Name = "admin" }],
        Placement = new PlacementSpec { MaxPerAgent = maxPerAgent },
        Service = new ServiceSpec { Command = "exec ./server" },
        Health = new HealthSpec { Checks = [new CheckSpecJson { Name = "http", Http = new HttpCheckJson { Port = "http", Path = "/" } }] },
    };

    public static string Describe(SchedulerSnapshot s) =>
        $"subscription {s.Subscription.State} ({s.Subscription.Message}); " + string.Join("; ", s.Clusters.Select(c =>
            $"{c.Name}: nodes [{string.Join(", ", c.Nodes.Select(n => $"{n.Name} {n.Phase}/{n.Goal} healthy={n.Healthy} task={n.TaskId} agent={n.AgentId} ({n.Message})"))}] plans [{string.Join(", ", c.Plans.Select(p => $"{p.Name} {p.Status}: {string.Join(" ", p.Phases.SelectMany(ph => ph.Steps).Select(st => $"{st.Name}={st.Status}({st.Message})"))}"))}]"));

    public async ValueTask DisposeAsync()
    {
        if (_run is not null)
        {
            Loop.Stop("test over");
            await _run.WaitAsync(TimeSpan.FromSeconds(20));
        }
    }
}
