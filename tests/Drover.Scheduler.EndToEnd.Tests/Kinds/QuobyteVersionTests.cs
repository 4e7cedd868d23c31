using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;
using Drover.Registry;
using Drover.Scheduler.EndToEnd.Tests.Support;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans.Quobyte;
using Drover.Testing;
using Drover.Testing.Programs;
using Drover.Testing.Standins.Quobyte;
using Drover.Testing.ZooKeeper;
using Xunit.Abstractions;

namespace Drover.Scheduler.EndToEnd.Tests.Kinds;

/// <summary>
/// The Quobyte seed's API verbatim: the four curl lines of the README (the real /usr/bin/curl, run by a shell as
/// an operator types them, against drover-scheduler as a process started without a token) deploy a version in
/// dependency order, roll a newer one through the services one at a time, and stop everything. Every service is
/// the Quobyte stand-in run by the real executor on the local Mesos, healthy by the executor's own check; the
/// order is read from the registry the executors keep in ZooKeeper, as any client of it sees it.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class QuobyteVersionTests(ZooKeeperServerFixture zooKeeper, ITestOutputHelper output) : IDisposable
{
    /// <summary>Start and upgrade order: registry, metadata, data, then api and webconsole.</summary>
    private static readonly string[] Order = ["qb-registry-0", "qb-registry-1", "qb-metadata-0", "qb-data-0", "qb-data-1", "qb-api-0", "qb-webconsole-0"];

    private readonly QuobyteStandinInstall _install = QuobyteStandinInstall.Create();

    public void Dispose() => _install.Dispose();

    [Fact]
    public async Task SeedCurlLines_DeployInOrder_RollAnUpgradeOneServiceAtATime_Stop()
    {
        ExternalProgram.Require("/usr/bin/curl", "curl");
        var lines = SeedLines();
        await using var bed = await TestBed.StartAsync(zooKeeper, agents: 3);
        var scheduler = bed.StartScheduler();
        await scheduler.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed, "subscribed");
        await scheduler.PutClusterAsync(Spec());
        await using var registry = await RegistryTimeline.StartAsync(bed.ZooKeeper, bed.Framework, "qb");

        // curl -X POST --data "1.1.5" …: the first version, deployed registry first, each service healthy before the next.
        var deploy = await CurlAsync(scheduler, lines.Deploy);
        Assert.Contains("1.1.5", deploy, StringComparison.Ordinal);
        var running = await scheduler.UntilAsync(s => Version(s) is { State: QuobyteDeployment.Running, Current: "1.1.5" }, "1.1.5 RUNNING", TimeSpan.FromSeconds(120));
        AssertOneAtATime(registry, "1.1.5", from: 0);
        var hosts = running.Clusters.Single().Nodes.ToDictionary(n => n.Name, n => n.Hostname);
        Assert.Equal("127.0.1.1", hosts["qb-registry-0"]);
        Assert.Equal("127.0.1.1", hosts["qb-metadata-0"]);
        Assert.Equal("127.0.1.2", hosts["qb-data-1"]);

        // curl http://…/v1/version: current and target, the state, every service on it.
        var shown = JsonDocument.Parse(await CurlAsync(scheduler, lines.Show)).RootElement;
        Assert.Equal("1.1.5", shown.GetProperty("current").GetString());
        Assert.Equal("1.1.5", shown.GetProperty("target").GetString());
        Assert.Equal("RUNNING", shown.GetProperty("state").GetString());
        Assert.Equal(Order.Length, shown.GetProperty("done").GetInt32());
        Assert.Equal(Order, shown.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("node").GetString()!));
        Assert.All(shown.GetProperty("services").EnumerateArray(), s => Assert.Equal("1.1.5", s.GetProperty("version").GetString()));

        // An older version is refused and changes nothing.
        var older = await CurlAsync(scheduler, lines.Deploy.Replace("1.1.5", "1.1.4", StringComparison.Ordinal));
        Assert.Contains("1.1.4", older, StringComparison.Ordinal);
        Assert.Equal("1.1.5", Version(await scheduler.StateAsync())!.Target);

        // curl -X POST --data "1.1.6" …: a rolling upgrade, registry first, one service at a time, each healthy on 1.1.6 before the next goes.
        var mark = registry.Events.Count;
        await CurlAsync(scheduler, lines.Upgrade);
        var upgrading = JsonDocument.Parse(await CurlAsync(scheduler, lines.Show)).RootElement;
        Assert.Equal("1.1.5", upgrading.GetProperty("current").GetString());
        Assert.Equal("1.1.6", upgrading.GetProperty("target").GetString());
        Assert.Equal("UPGRADING", upgrading.GetProperty("state").GetString());
        await scheduler.UntilAsync(s => Version(s) is { State: QuobyteDeployment.Running, Current: "1.1.6" }, "1.1.6 RUNNING", TimeSpan.FromSeconds(120));
        AssertOneAtATime(registry, "1.1.6", from: mark);

        // curl -X POST --data "" …: every service stops, webconsole first, registry last; their reservations are released.
        mark = registry.Events.Count;
        await CurlAsync(scheduler, lines.Stop);
        var stopped = await scheduler.UntilAsync(s => Version(s) is { State: QuobyteDeployment.Stopped } && s.Clusters.Single().Nodes.Count == 0, "every service stopped", TimeSpan.FromSeconds(120));
        Assert.Equal("", Version(stopped)!.Current);
        await Eventually.TrueAsync(() => Order.All(n => registry.First(n, e => e.Kind == DirectoryChangeKind.Removed, mark) is not null),
            () => $"every record gone:\n{registry.Describe(mark)}", TimeSpan.FromSeconds(30));
        var gone = Order.Select(n => registry.First(n, e => e.Kind == DirectoryChangeKind.Removed, mark)!.Sequence).ToList();
        Assert.True(gone.SequenceEqual(gone.OrderDescending()), $"stopped in reverse order:\n{registry.Describe(mark)}");
        MesosView? mesos = null;
        await Eventually.TrueAsync(
            async () =>
            {
                mesos = await bed.MesosAsync();
                return mesos.EntriesOf(bed.Framework).Count == 0 && mesos.TasksOf(stopped.Framework.Id!).All(t => t.State != "TASK_RUNNING");
            },
            () => $"no task running, no reservation left:\n{mesos?.Describe()}",
            TimeSpan.FromSeconds(30));
        var final = JsonDocument.Parse(await CurlAsync(scheduler, lines.Show)).RootElement;
        Assert.Equal("STOPPED", final.GetProperty("state").GetString());
        output.WriteLine(registry.Describe());
    }

    /// <summary>
    /// From the registry: in <see cref="Order"/>, each service went down (a new task, or its record gone) only once
    /// the one before it was healthy on <paramref name="version"/>, and came back healthy on it before the next went.
    /// </summary>
    private static void AssertOneAtATime(RegistryTimeline registry, string version, long from)
    {
        var timeline = registry.Describe(from);
        var previousHealthy = -1L;
        foreach (var node in Order)
        {
            // Its first event since `from` other than running healthy on the old version: its task being killed, its
            // record going, or (deploy) its record appearing.
            var first = registry.First(node, e => e.Kind != DirectoryChangeKind.Snapshot && !(e.State == NodeState.Running && e.Healthy == true && e.Version != version), from);
            var healthy = registry.First(node, e => e.Healthy == true && e.Version == version, from);
            Assert.True(first is not null && healthy is not null, $"{node} never healthy on {version}:\n{timeline}");
            Assert.True(first.Sequence > previousHealthy, $"{node} went before the previous service was healthy on {version}:\n{timeline}");
            Assert.True(healthy.Sequence >= first.Sequence, timeline);
            previousHealthy = healthy.Sequence;
        }
    }

    private static QuobyteView? Version(SchedulerSnapshot snapshot) => snapshot.Clusters.SingleOrDefault(c => c.Name == "qb")?.Service?.Quobyte;

    private string Spec() => new JsonObject
    {
        ["name"] = "qb",
        ["kind"] = "QUOBYTE",
        ["resources"] = new JsonObject { ["cpus"] = 0.1, ["mem"] = 64 },
        ["service"] = new JsonObject { ["install_dir"] = _install.InstallDir, ["kill_grace_period"] = "5secs" },
        ["health"] = new JsonObject { ["delay"] = "0secs", ["interval"] = "1secs", ["timeout"] = "2secs", ["grace"] = "30secs" },
        ["quobyte"] = new JsonObject
        {
            ["nodes"] = new JsonArray(
                new JsonObject { ["host"] = "127.0.1.1", ["services"] = new JsonArray("registry", "metadata", "data"), ["devices"] = new JsonArray("/mnt/quobyte/r1", "/mnt/quobyte/d1") },
                new JsonObject { ["host"] = "127.0.1.2", ["services"] = new JsonArray("registry", "data"), ["devices"] = new JsonArray("/mnt/quobyte/r2", "/mnt/quobyte/d2") }),
            ["api"] = 1,
            ["webconsole"] = 1,
            ["resources"] = new JsonObject { ["data"] = new JsonObject { ["cpus"] = 0.2, ["mem"] = 96 } },
        },
    }.ToJsonString();

    /// <summary>The README's four curl lines (the seed's), as written there.</summary>
    private static (string Deploy, string Show, string Upgrade, string Stop) SeedLines()
    {
        var curls = File.ReadAllLines(RepositoryFiles.PathOf("README.md"))
            .Where(l => l.StartsWith("curl ", StringComparison.Ordinal) && l.Contains("http://<scheduler>/v1/version", StringComparison.Ordinal))
            .Select(l => l.Split(" #", 2)[0].TrimEnd())
            .ToList();
        Assert.Equal(
            ["curl -X POST --data \"1.1.5\" http://<scheduler>/v1/version", "curl http://<scheduler>/v1/version", "curl -X POST --data \"1.1.6\" http://<scheduler>/v1/version", "curl -X POST --data \"\" http://<scheduler>/v1/version"],
            curls);
        return (curls[0], curls[1], curls[2], curls[3]);
    }

    /// <summary>One line run by /bin/sh as typed, &lt;scheduler&gt; being the scheduler's API address; its output (the API's answer).</summary>
    private static async Task<string> CurlAsync(SchedulerProcess scheduler, string line)
    {
        var typed = line.Replace("<scheduler>", scheduler.Url.Authority, StringComparison.Ordinal);
        var result = await CliWrap.Cli.Wrap("/bin/sh").WithArguments(["-c", typed])
            // The operator's shell has no proxy for the scheduler's loopback address.
            .WithEnvironmentVariables(e => e.Set("http_proxy", null).Set("HTTP_PROXY", null).Set("all_proxy", null).Set("ALL_PROXY", null))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
        Assert.True(result.ExitCode == 0, $"{typed}: exit {result.ExitCode.ToString(CultureInfo.InvariantCulture)}\n{result.StandardError}");
        return result.StandardOutput;
    }
}
