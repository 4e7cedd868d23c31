using System.Diagnostics;
using System.Globalization;
using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using Drover.Scheduler.Bench;
using Drover.Scheduler.Configuration;
using Drover.Scheduler.Core;
using Drover.Scheduler.Model;
using Drover.Scheduler.State;
using Drover.Scheduler.Tests.Support;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper;
using Event = Drover.Mesos.V1.Scheduler.Event;

// drover-scheduler's loop in process, its master in process too (no HTTP: what is measured is the scheduler's own
// work, decisions, persistence and calls built, not a network):
//   offers  OFFERS events holding one offer from each of --agents agents (--batch offers an event), answered
//           (declined or accepted) by the loop: offers/s, CPU per 1,000 offers (process CPU over wall), RSS.
//           Twice: with nothing to place, and with a node pending that no agent can hold (each offer is matched
//           against it, then declined): the cost of the matching.
//   place   a --nodes node GENERIC cluster placed on as many agents by the unit tests' in-process master, which
//           answers each ACCEPT at once (RESERVE, CREATE, LAUNCH, TASK_RUNNING healthy): the time from PUT to every
//           node RUNNING and healthy, the deploy plan complete, with the state in memory, then in a real ZooKeeper.
//   rolling a --nodes (20) node GENERIC cluster on the local Mesos with real executors, its version changed --updates (3)
//           times: the scheduler's overhead from one node reported healthy to the next node's step starting
//           (RollingBench.cs says where each time comes from). Not part of "all".
// usage: Drover.Scheduler.Bench [offers|place|all|rolling] [--agents 10000] [--batch 1000] [--rounds 5] [--nodes 100]
//        Drover.Scheduler.Bench rolling [--nodes 20] [--updates 3] [--agents 5] [--allocation-ms 100]
//                                       [--scheduler a.dll[,b.dll...]] [--turns 1]
//        (several schedulers: each runs the whole rolling bench, taking turns --turns times, so builds compare side
//        by side on one machine in one run; default: the drover-scheduler.dll built beside the bench)
var mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
int Flag(string name, int fallback)
{
    var at = Array.IndexOf(args, "--" + name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

var agents = Flag("agents", 10_000);
var batch = Flag("batch", 1_000);
var rounds = Flag("rounds", 5);
var nodes = Flag("nodes", 100);
Console.WriteLine($"Drover.Scheduler.Bench {string.Join(' ', args)}; {System.Environment.ProcessorCount} cores; {File.ReadAllText("/proc/loadavg").Trim()} (loadavg)");

if (mode is "offers" or "all")
{
    await OfferBench.RunAsync(agents, batch, rounds, pending: false);
    await OfferBench.RunAsync(agents, batch, rounds, pending: true);
}

if (mode is "place" or "all")
{
    await PlaceBench.RunAsync(nodes, zooKeeper: false);
    await PlaceBench.RunAsync(nodes, zooKeeper: true);
}

if (mode == "rolling")
{
    var at = Array.IndexOf(args, "--scheduler");
    var schedulers = at >= 0 && at + 1 < args.Length
        ? args[at + 1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFullPath).ToArray()
        : [Path.Combine(AppContext.BaseDirectory, "drover-scheduler.dll")];
    await RollingBench.RunAsync(schedulers, Flag("turns", 1), Flag("nodes", 20), Flag("updates", 3), Flag("agents", 5), Flag("allocation-ms", 100));
}

Console.WriteLine($"RSS at the end: {Memory.RssMiB():0.0} MiB (peak {Memory.PeakRssMiB():0.0} MiB)");
return 0;

namespace Drover.Scheduler.Bench
{
    internal static class Setup
    {
        public static SchedulerOptions Options(string framework) => new()
        {
            Framework = framework,
            Role = "drover",
            Principal = "drover",
            ExecutorUri = "http://artifacts/drover-executor-0.1.0-linux-x64.tar.gz",
            RegistryConnect = "127.0.0.1:2181",
        };

        /// <summary>The README's sample node: a small GENERIC service with a volume and a named port.</summary>
        public static ClusterSpec Generic(int count, double cpus = 0.1) => new()
        {
            Name = "web",
            Kind = ClusterKind.Generic,
            Count = count,
            Version = "1",
            Resources = new NodeResources { Cpus = cpus, Mem = 64, Volume = 16 },
            Ports = [new PortSpec { Name = "http" }],
            Placement = new PlacementSpec { MaxPerAgent = 1 },
            Service = new ServiceSpec { Command = "exec python3 -m http.server $PORT_HTTP" },
            Health = new HealthSpec { Checks = [new CheckSpecJson { Name = "http", Http = new HttpCheckJson { Port = "http", Path = "/" } }] },
        };

        public static bool Deployed(Operations.SchedulerSnapshot s, int count) =>
            s.Clusters.SingleOrDefault() is { } c
            && c.Nodes.Count(n => n.Phase == NodePhase.Running && n.Healthy == true) == count
            && c.Plans.Single(p => p.Name == "deploy").Status == Plans.PlanStatus.Complete;
    }

    internal static class Memory
    {
        public static double RssMiB() => Status("VmRSS:");

        public static double PeakRssMiB() => Status("VmHWM:");

        private static double Status(string key) =>
            double.Parse(File.ReadLines("/proc/self/status").Single(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>Offers from many agents, answered by the loop as fast as it can.</summary>
    internal static class OfferBench
    {
        public static async Task RunAsync(int agents, int batch, int rounds, bool pending)
        {
            var master = new OfferStreamMaster();
            var store = new InMemoryStateStore(new StatePaths("/drover", "bench"));
            var loop = new SchedulerLoop(Setup.Options("bench"), master, store, TimeProvider.System);
            var run = Task.Run(() => loop.RunAsync());
            await WaitAsync(() => loop.Snapshot().Subscription.State == Operations.SubscriptionState.Subscribed, "subscribed");
            if (pending)
            {
                // 64 cpus: more than any agent has, so every offer is matched against the node and declined.
                var put = await loop.PutClusterAsync(Setup.Generic(count: 1, cpus: 64));
                if (!put.IsOk)
                {
                    throw new InvalidOperationException(put.ToString());
                }
            }

            await loop.BarrierAsync();
            var what = pending ? "one node pending that fits no agent" : "nothing to place";
            Console.WriteLine($"\noffers from {agents} agents, {batch} an event, {what}:");
            var results = new List<(double PerSecond, double CpuMsPer1000)>();
            for (var round = 0; round <= rounds; round++)
            {
                var events = Events(master.FrameworkId, agents, batch, round);
                GC.Collect();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                var answered = master.Expect(agents);
                foreach (var e in events)
                {
                    master.Deliver(e);
                }

                await answered.WaitAsync(TimeSpan.FromMinutes(5));
                clock.Stop();
                var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                var perSecond = agents / clock.Elapsed.TotalSeconds;
                var cpuPer1000 = used.TotalMilliseconds / agents * 1000;
                // Round 0 warms the JIT up; it is shown, not counted.
                Console.WriteLine($"  round {round}{(round == 0 ? " (warm-up)" : "")}: {clock.Elapsed.TotalMilliseconds:0} ms, {perSecond:0} offers/s, CPU {cpuPer1000:0.0} ms per 1000 offers ({used.TotalMilliseconds / clock.Elapsed.TotalMilliseconds:0.00} cores), declined {master.Declined}, accepted {master.Accepted}");
                if (round > 0)
                {
                    results.Add((perSecond, cpuPer1000));
                }
            }

            var median = results.OrderBy(r => r.PerSecond).ElementAt(results.Count / 2);
            Console.WriteLine($"  median: {median.PerSecond:0} offers/s, CPU {median.CpuMsPer1000:0.0} ms per 1000 offers; RSS {Memory.RssMiB():0.0} MiB, GC heap {GC.GetTotalMemory(false) / 1048576.0:0.0} MiB");
            loop.Stop("bench over");
            await run;
        }

        private static List<Event> Events(string frameworkId, int agents, int batch, int round)
        {
            var events = new List<Event>();
            for (var first = 0; first < agents; first += batch)
            {
                var e = new Event { Type = Event.Types.Type.Offers, Offers = new Event.Types.Offers() };
                for (var i = first; i < Math.Min(agents, first + batch); i++)
                {
                    e.Offers.Offers_.Add(Offer(frameworkId, i, round));
                }

                events.Add(e);
            }

            return events;
        }

        /// <summary>What an agent of a big cluster offers: its unreserved cpus, mem, disk and ports, and a rack.</summary>
        private static Offer Offer(string frameworkId, int agent, int round)
        {
            var offer = new Offer
            {
                Id = new OfferID { Value = $"offer-{round}-{agent}" },
                FrameworkId = new FrameworkID { Value = frameworkId },
                AgentId = new AgentID { Value = $"agent-{agent}" },
                Hostname = $"host-{agent}.example",
            };
            offer.Resources.Add(MesosResources.Scalar(MesosResources.Cpus, 16).AllocatedTo("drover"));
            offer.Resources.Add(MesosResources.Scalar(MesosResources.Mem, 65536).AllocatedTo("drover"));
            offer.Resources.Add(MesosResources.Scalar(MesosResources.Disk, 500_000).AllocatedTo("drover"));
            offer.Resources.Add(MesosResources.PortRanges(RangeSet.Of(new ValueRange(31000, 32000))).AllocatedTo("drover"));
            offer.Attributes.Add(new Mesos.V1.Attribute { Name = "rack", Type = Value.Types.Type.Text, Text = new Value.Types.Text { Value = $"r{agent % 40}" } });
            return offer;
        }

        private static async Task WaitAsync(Func<bool> condition, string what)
        {
            var deadline = Stopwatch.StartNew();
            while (!condition())
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException(what);
                }

                await Task.Delay(10);
            }
        }
    }

    /// <summary>A cluster placed as fast as the loop takes it: every offer round answered by the in-process master at once.</summary>
    internal static class PlaceBench
    {
        public static async Task RunAsync(int nodes, bool zooKeeper)
        {
            var framework = "bench-" + Guid.NewGuid().ToString("N")[..6];
            ZooKeeperServer? server = null;
            ZooKeeperClient? client = null;
            IStateStore store;
            if (zooKeeper)
            {
                server = await ZooKeeperServer.StartStandaloneAsync("-Xmx512m -XX:+UseParallelGC");
                client = await server.ConnectAsync();
                var zkStore = new ZooKeeperStateStore(client, new StatePaths("/drover", framework), Ids.OpenAclUnsafe);
                await zkStore.EnsureDirectoriesAsync();
                store = zkStore;
            }
            else
            {
                store = new InMemoryStateStore(new StatePaths("/drover", framework));
            }

            try
            {
                var master = new FakeMaster();
                for (var i = 0; i < nodes; i++)
                {
                    master.AddAgent($"agent-{i}", $"host-{i}.example", cpus: 4, mem: 8192, disk: 100_000);
                }

                var loop = new SchedulerLoop(Setup.Options(framework), master, store, TimeProvider.System);
                var run = Task.Run(() => loop.RunAsync());
                await SettleAsync(master, loop);
                var clock = Stopwatch.StartNew();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var put = await loop.PutClusterAsync(Setup.Generic(nodes));
                if (!put.IsOk)
                {
                    throw new InvalidOperationException(put.ToString());
                }

                var offerRounds = 0;
                while (!Setup.Deployed(loop.Snapshot(), nodes))
                {
                    if (run.IsCompleted || ++offerRounds > nodes * 4)
                    {
                        throw new InvalidOperationException($"not placed after {offerRounds} offer rounds ({loop.FatalError})");
                    }

                    master.OfferAll(force: true);
                    await SettleAsync(master, loop);
                }

                clock.Stop();
                var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                var accepts = master.Calls(Mesos.V1.Scheduler.Call.Types.Type.Accept).Count;
                Console.WriteLine($"\nplace {nodes} nodes on {nodes} agents, state in {(zooKeeper ? "a real ZooKeeper (3.8, loopback)" : "memory")}: " +
                    $"{clock.Elapsed.TotalMilliseconds:0} ms ({clock.Elapsed.TotalMilliseconds / nodes:0.0} ms a node), {offerRounds} offer rounds of {nodes} offers, {accepts} ACCEPTs, " +
                    $"CPU {used.TotalMilliseconds:0} ms; RSS {Memory.RssMiB():0.0} MiB");
                loop.Stop("bench over");
                await run;
            }
            finally
            {
                if (client is not null)
                {
                    await client.DisposeAsync();
                }

                if (server is not null)
                {
                    await server.DisposeAsync();
                }
            }
        }

        /// <summary>Until the loop has handled everything the master delivered (and the master delivered nothing more meanwhile).</summary>
        private static async Task SettleAsync(FakeMaster master, SchedulerLoop loop)
        {
            while (true)
            {
                var delivered = master.Delivered;
                await loop.BarrierAsync();
                if (master.Delivered == delivered)
                {
                    return;
                }
            }
        }
    }
}
