using Drover.Executor.Personalities;
using Drover.Executor.Personalities.Cassandra;
using Drover.Jmx.Tests.Support;
using Drover.Posix;
using Drover.Testing;
using Drover.Testing.Standins.Cassandra;
using Drover.V1;

namespace Drover.Jmx.Tests;

/// <summary>
/// The Cassandra personality's plan run for real: files written, the fake install's bin/cassandra -f spawned
/// with the plan's environment (it sources our cassandra-env.sh through CASSANDRA_CONF and reads our
/// cassandra.yaml from the classpath), then the plan's own probes, admin operations and stop step.
/// Lives here rather than in Drover.Executor.Tests: the probes spawn through ExitWaiters, which starts a
/// waitpid(-1) reaper in the test process, and Drover.Executor.Tests also uses System.Diagnostics.Process.
/// </summary>
public sealed class CassandraPersonalityIntegrationTests : IAsyncLifetime
{
    private const string StorageService = "org.apache.cassandra.db:type=StorageService";
    private readonly string _sandbox = Directory.CreateTempSubdirectory("drover-cassandra-plan-").FullName;
    private readonly int[] _ports = FreePort.Many(3);
    private CassandraStandin _standin = null!;
    private string _jar = null!;
    private SpawnedProcess? _service;
    private Task<ChildExit>? _exited;

    public async Task InitializeAsync()
    {
        _standin = await CassandraStandin.PrepareAsync(Tools.Run);
        _jar = await JmxHelperJar.BuildAsync(Tools.Run);
    }

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            Posix.Signals.SendToGroup(_service.ProcessGroupId, Posix.Signals.SIGKILL);
            await _exited!.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Directory.Delete(_sandbox, recursive: true);
    }

    [Fact]
    public async Task Plan_RunsTheFakeInstall_ProbesPass_GossipStopFails_DrainStops()
    {
        var jmxPlan = Plan(new Dictionary<string, string>());
        var nodetoolPlan = Plan(new Dictionary<string, string> { ["health.check"] = "nodetool" });
        await using var helper = (JmxHelper)Assert.Single(jmxPlan.Resources);
        var jmxProbe = jmxPlan.HealthChecks.Single().Probe!;
        var nodetoolProbe = nodetoolPlan.HealthChecks.Single().Probe!;
        Start(jmxPlan);

        // Healthy through both probes once the stand-in reaches NORMAL.
        await Eventually.TrueAsync(async () => (await jmxProbe.ProbeAsync(CancellationToken.None)).Healthy, "the JMX probe to pass", TimeSpan.FromSeconds(60));
        var viaNodetool = await nodetoolProbe.ProbeAsync(CancellationToken.None);
        Assert.True(viaNodetool.Healthy, viaNodetool.Detail);

        // The service got what the plan rendered: ports, JMX port (the cassandra-env.sh override won), paths, logs.
        Assert.True(await StandinNode.Accepts(Port("native")));
        var values = await helper.ReadAsync(StorageService, ["NativeTransportPort", "StoragePort", "CommitLogLocation", "DataCenter", "ClusterName"]);
        Assert.Equal(Port("native"), values["NativeTransportPort"].AsInt64());
        Assert.Equal(Port("storage"), values["StoragePort"].AsInt64());
        Assert.Equal(Path.Combine(_sandbox, "data", "commitlog"), values["CommitLogLocation"].AsString());
        Assert.Equal("dc-test", values["DataCenter"].AsString());
        Assert.Equal("plan test", values["ClusterName"].AsString());
        Assert.True(File.Exists(Path.Combine(_sandbox, "logs", "cassandra", "system.log")));
        Assert.True(Directory.Exists(Path.Combine(_sandbox, "data", "hints")));

        // Admin operations through nodetool.
        var repair = await jmxPlan.AdminOperations.Single(op => op.Name == "repair")
            .RunAsync(new Dictionary<string, string> { ["keyspace"] = "shop" }, CancellationToken.None);
        Assert.True(repair.Ok, repair.Output);
        Assert.Contains("Repair command #", repair.Output, StringComparison.Ordinal);
        var cleanup = await jmxPlan.AdminOperations.Single(op => op.Name == "cleanup")
            .RunAsync(new Dictionary<string, string>(), CancellationToken.None);
        Assert.True(cleanup.Ok, cleanup.Output);

        // Gossip stopped: both probes fail and say why; started again: healthy.
        await helper.InvokeAsync(StorageService, "stopGossiping", [], []);
        var jmxDown = await jmxProbe.ProbeAsync(CancellationToken.None);
        var nodetoolDown = await nodetoolProbe.ProbeAsync(CancellationToken.None);
        Assert.False(jmxDown.Healthy);
        Assert.Equal("GossipRunning is false", jmxDown.Detail);
        Assert.False(nodetoolDown.Healthy);
        Assert.Equal("nodetool info: Gossip active: false", nodetoolDown.Detail);
        await helper.InvokeAsync(StorageService, "startGossiping", [], []);
        Assert.True((await jmxProbe.ProbeAsync(CancellationToken.None)).Healthy);

        // The stop step drains; the node then reports DRAINED and the probe fails.
        var drain = Assert.Single(jmxPlan.StopSteps);
        using (var bounded = new CancellationTokenSource(drain.Timeout))
        {
            await drain.RunAsync(bounded.Token);
        }

        var drained = await jmxProbe.ProbeAsync(CancellationToken.None);
        Assert.False(drained.Healthy);
        Assert.Contains("OperationMode is DRAINED, not NORMAL", drained.Detail, StringComparison.Ordinal);
        Assert.Contains("NativeTransportRunning is false", drained.Detail, StringComparison.Ordinal);

        // SIGTERM (what the executor sends next) ends the JVM.
        Posix.Signals.SendToGroup(_service!.ProcessGroupId, Posix.Signals.SIGTERM);
        var exit = await _exited!.Within("the service to exit after SIGTERM");
        Assert.Equal(143, exit.ExitCode);
        _service = null;
    }

    [Fact]
    public async Task JmxProbe_WhenTheServiceIsDown_SaysWhy()
    {
        var plan = Plan(new Dictionary<string, string>());
        await using var helper = (JmxHelper)Assert.Single(plan.Resources);

        var result = await plan.HealthChecks.Single().Probe!.ProbeAsync(CancellationToken.None);

        Assert.False(result.Healthy);
        Assert.StartsWith("JMX: reading OperationMode", result.Detail, StringComparison.Ordinal);
        Assert.Contains("Connection refused", result.Detail, StringComparison.Ordinal);
    }

    private int Port(string name) => name switch { "native" => _ports[0], "storage" => _ports[1], _ => _ports[2] };

    private ServicePlan Plan(Dictionary<string, string> config)
    {
        var node = new NodeSpec { Cluster = "plan test", Node = "c1", Kind = ServiceKind.Cassandra, InstallDir = _standin.InstallDir };
        node.Config.Add(config);
        node.Config["dc"] = "dc-test";
        var environment = Tools.CurrentEnvironment().ToDictionary(StringComparer.Ordinal);
        var context = new PersonalityContext(
            node,
            new Dictionary<string, int>(StringComparer.Ordinal) { ["native"] = Port("native"), ["storage"] = Port("storage"), ["jmx"] = Port("jmx") },
            _sandbox,
            Path.Combine(_sandbox, "drover"),
            Path.Combine(_sandbox, "data"),
            "127.0.0.1",
            "task-c1",
            environment,
            CassandraStandin.ReadInstallFile,
            _jar);
        return new CassandraPersonality().Plan(context);
    }

    /// <summary>What the executor does with a plan: directories, files, then the service in its own session.</summary>
    private void Start(ServicePlan plan)
    {
        foreach (var directory in plan.Directories)
        {
            Directory.CreateDirectory(directory);
        }

        foreach (var file in plan.Files)
        {
            var path = Path.Combine(_sandbox, "drover", file.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Content);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, file.Mode);
            }
        }

        var environment = Tools.CurrentEnvironment().ToDictionary(StringComparer.Ordinal);
        foreach (var (name, value) in plan.Environment)
        {
            environment[name] = value;
        }

        _service = ExitWaiters.Spawn(new SpawnRequest
        {
            Executable = plan.Executable,
            Arguments = plan.Arguments,
            Environment = [.. environment],
            WorkingDirectory = plan.WorkingDirectory ?? _sandbox,
            Stdout = StdioTarget.File(Path.Combine(_sandbox, "stdout")),
            Stderr = StdioTarget.File(Path.Combine(_sandbox, "stderr")),
        }, out var exited);
        _exited = exited;
    }
}
