using System.Text.Json;
using Drover.Testing;
using Drover.Testing.Standins.Drill;
using Drover.Testing.Standins.Quobyte;
using Drover.Testing.ZooKeeper;
using Drover.V1;
using Drover.Mesos.V1;
using static Drover.Executor.Tests.EndToEnd.ExecutorHarness;

namespace Drover.Executor.Tests.EndToEnd;

/// <summary>
/// Personalities through the real executor binary and the agent emulator: rendered config in the sandbox,
/// the exact status sequence of a healthy node, the graceful-stop step before SIGTERM, death by health check.
/// </summary>
public sealed class ServiceNodeTests(ZooKeeperServerFixture zookeeper) : IClassFixture<ZooKeeperServerFixture>, IDisposable
{
    private readonly DrillStandinInstall _drill = DrillStandinInstall.Create();
    private readonly QuobyteStandinInstall _quobyte = QuobyteStandinInstall.Create();

    public void Dispose()
    {
        _drill.Dispose();
        _quobyte.Dispose();
    }

    private static void FastChecks(NodeSpec node, string failures = "2")
    {
        node.Config["health.delay"] = "0secs";
        node.Config["health.interval"] = "300ms";
        node.Config["health.timeout"] = "10secs";
        node.Config["health.grace"] = "60secs";
        node.Config["health.consecutive_failures"] = failures;
    }

    private static string JavaHome()
    {
        var java = File.ResolveLinkTarget("/usr/bin/java", returnFinalTarget: true)?.FullName ?? "/usr/bin/java";
        return Path.GetDirectoryName(Path.GetDirectoryName(java))!;
    }

    [Fact]
    public async Task Drill_node_turns_healthy_then_stops_gracefully_before_SIGTERM()
    {
        await using var h = await StartAsync();
        var cluster = "drill-" + Guid.NewGuid().ToString("N")[..10];
        var node = new NodeSpec
        {
            Cluster = cluster,
            Node = "bit-1",
            Kind = ServiceKind.Drill,
            InstallDir = _drill.InstallDir,
            JavaHome = JavaHome(),
            Zookeeper = new ZooKeeperSpec { Connect = zookeeper.Server.ConnectString },
        };
        FastChecks(node);
        var (user, control, data, http) = (FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next());
        var task = NodeTask("bit-1", node, ("user", user), ("control", control), ("data", data), ("http", http));
        task.KillPolicy = new KillPolicy { GracePeriod = new DurationInfo { Nanoseconds = 30L * 1_000_000_000 } };
        await h.LaunchAsync(task);

        await h.WaitForUpdateAsync("bit-1", u => u.HasHealthy && u.Healthy);
        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskRunning], h.StatesOf("bit-1"));

        // The rendered config stays in the sandbox for the operator, and it is what the drillbit read.
        using (var conf = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(h.Sandbox, "drover", "drill", "drill-override.conf")), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }))
        {
            var exec = conf.RootElement.GetProperty("drill").GetProperty("exec");
            Assert.Equal(cluster, exec.GetProperty("cluster-id").GetString());
            Assert.Equal(http, exec.GetProperty("http").GetProperty("port").GetInt32());
        }

        var started = DateTime.UtcNow;
        await h.KillAsync("bit-1");
        var killed = await h.WaitForStateAsync("bit-1", TaskState.TaskKilled);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(25), "the drillbit left within its grace period, without SIGKILL");
        var log = h.Executor.ReadStderr();
        Assert.Contains("stopping gracefully first: drill-graceful-shutdown", log, StringComparison.Ordinal);
        Assert.DoesNotContain("SIGKILL to its session", log, StringComparison.Ordinal);
        Assert.False(killed.HasHealthy);
    }

    [Fact]
    public async Task Quobyte_registry_is_killed_after_its_status_port_stops_answering()
    {
        await using var h = await StartAsync();
        var node = new NodeSpec
        {
            Cluster = "qb",
            Node = "registry-1",
            Kind = ServiceKind.Quobyte,
            InstallDir = _quobyte.InstallDir,
        };
        node.Config["service"] = "registry";
        FastChecks(node, failures: "2");
        await h.LaunchAsync(NodeTask("reg-1", node, ("rpc", FreePort.Next()), ("http", FreePort.Next())));

        await h.WaitForUpdateAsync("reg-1", u => u.HasHealthy && u.Healthy);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(h.Sandbox, "drover"), "host.cfg", SearchOption.AllDirectories));

        // SIGSTOP the service: its port still accepts connections but never answers, so every probe times out.
        var service = Drover.Posix.ProcessTree.Descendants(h.Executor.Pid).First(p => p.Command.Contains("python", StringComparison.Ordinal));
        Assert.True(Drover.Posix.Signals.Send(service.Pid, Drover.Posix.Signals.SIGSTOP));
        var killed = await h.WaitForStateAsync("reg-1", TaskState.TaskKilled);
        Assert.False(killed.Healthy);
        var unhealthy = h.UpdatesOf("reg-1").Where(u => u.State == TaskState.TaskRunning && u.HasHealthy && !u.Healthy).ToList();
        Assert.Equal(2, unhealthy.Count);
    }
}
