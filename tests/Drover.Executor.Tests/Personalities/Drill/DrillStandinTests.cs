using Drover.Drill.Exec;
using Drover.Executor.Personalities;
using Drover.Executor.Personalities.Drill;
using Drover.Testing;
using Drover.Testing.Standins.Drill;
using Drover.Testing.ZooKeeper;
using Drover.V1;
using Drover.ZooKeeper;
using Signals = Drover.Posix.Signals;

namespace Drover.Executor.Tests.Personalities.Drill;

/// <summary>
/// The DRILL plan run for real: the stand-in drillbit (real ZooKeeper registration, Drill's REST) started
/// from the rendered config, probed, drained by the stop step, and made to stop answering.
/// </summary>
public sealed class DrillStandinTests(ZooKeeperServerFixture zookeeper) : IClassFixture<ZooKeeperServerFixture>, IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly DrillStandinInstall _install = DrillStandinInstall.Create();
    private readonly TestSandbox _sandbox = new();

    public void Dispose()
    {
        _sandbox.Dispose();
        _install.Dispose();
    }

    private (PersonalityContext Context, ServicePlan Plan, string ClusterId) Plan(params (string Key, string Value)[] config)
    {
        var clusterId = "drill-" + Guid.NewGuid().ToString("N")[..12];
        var node = new NodeSpec
        {
            Cluster = clusterId,
            Node = "bit-1",
            Kind = ServiceKind.Drill,
            InstallDir = _install.InstallDir,
            JavaHome = JavaHome(),
            Zookeeper = new ZooKeeperSpec { Connect = zookeeper.Server.ConnectString },
        };
        node.Config["health.timeout"] = "10secs";
        foreach (var (key, value) in config)
        {
            node.Config[key] = value;
        }

        var ports = FreePort.Many(4);
        var context = _sandbox.Context(node, new Dictionary<string, int>
        {
            ["user"] = ports[0],
            ["control"] = ports[1],
            ["data"] = ports[2],
            ["http"] = ports[3],
        });
        return (context, new DrillPersonality().Plan(context), clusterId);
    }

    private static async Task<ProbeOutcome> ProbeAsync(ServicePlan plan)
    {
        var check = Assert.Single(plan.HealthChecks);
        using var timeout = new CancellationTokenSource(check.Timeout!.Value);
        var result = await check.Probe!.ProbeAsync(timeout.Token);
        return new ProbeOutcome(result.Healthy, result.Detail);
    }

    private static async Task<ProbeOutcome> HealthyAsync(ServicePlan plan, RunningPlan running)
    {
        ProbeOutcome last = default;
        await Eventually.TrueAsync(
            async () =>
            {
                Assert.False(running.HasExited, $"the drillbit exited: {running.Output}");
                last = await ProbeAsync(plan);
                return last.Healthy;
            },
            $"the drillbit to turn healthy (last: {last.Detail})",
            StartTimeout);
        return last;
    }

    [Fact]
    public async Task Probe_TurnsHealthyOnceTheDrillbitServesAndIsOnline_AndTheStopStepDrainsIt()
    {
        var (context, plan, clusterId) = Plan(("drill.exec.grace_period_ms", "1500"));
        await using var running = RunningPlan.Start(plan, context);
        var connections = Assert.IsType<DrillConnections>(Assert.Single(plan.Resources));

        var healthy = await HealthyAsync(plan, running);
        Assert.Contains("/status.json: Running!", healthy.Detail, StringComparison.Ordinal);
        Assert.Contains($"ONLINE at /drill/{clusterId}/", healthy.Detail, StringComparison.Ordinal);

        // The stop step: QUIESCENT during the grace period, then unregistered and gone.
        var stop = Assert.Single(plan.StopSteps);
        using var stopTimeout = new CancellationTokenSource(stop.Timeout);
        var stopping = stop.RunAsync(stopTimeout.Token);
        await Eventually.TrueAsync(
            async () => (await connections.RegistrationAsync(CancellationToken.None)).Lookup?.Found?.State == DrillbitEndpoint.Types.State.Quiescent,
            "the drillbit to turn QUIESCENT");
        await stopping.Within("the graceful shutdown to drain the drillbit");

        var (lookup, _) = await connections.RegistrationAsync(CancellationToken.None);
        Assert.True(lookup!.IsAbsent, lookup.Describe());
        await running.WaitForExitAsync("the drained drillbit");
        var after = await ProbeAsync(plan);
        Assert.False(after.Healthy);
        Assert.Contains("unhealthy", after.Detail, StringComparison.Ordinal);
        Assert.Contains("not registered", after.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_WhenTheDrillbitStopsAnswering_IsUnhealthyAndSaysWhichPart()
    {
        var (context, plan, _) = Plan();
        await using var running = RunningPlan.Start(plan, context);
        await HealthyAsync(plan, running);

        Assert.True(Signals.SendToGroup(running.Process.ProcessGroupId, Signals.SIGSTOP));
        var stopped = await ProbeAsync(plan);
        Assert.False(stopped.Healthy);
        Assert.Contains("unhealthy: GET http://127.0.0.1:", stopped.Detail, StringComparison.Ordinal);
        Assert.Contains("no answer within", stopped.Detail, StringComparison.Ordinal);

        // The registration outlives the frozen process until its session expires: the HTTP part failed, not ZooKeeper.
        Assert.Contains("ZooKeeper: ONLINE", stopped.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminGracefulShutdown_AsksDrillAndReportsItsAnswer()
    {
        var (context, plan, _) = Plan();
        await using var running = RunningPlan.Start(plan, context);
        await HealthyAsync(plan, running);

        var operation = plan.AdminOperations.Single(o => o.Name == DrillPersonality.GracefulShutdownOperation);
        using var timeout = new CancellationTokenSource(operation.Timeout);
        var result = await operation.RunAsync(new Dictionary<string, string>(), timeout.Token);
        Assert.True(result.Ok, result.Output);
        Assert.Contains("Graceful Shutdown request is triggered", result.Output, StringComparison.Ordinal);
        await running.WaitForExitAsync("the drillbit after an admin graceful shutdown");
    }

    [Fact]
    public async Task Probe_WithGarbageRegistrationsInZooKeeper_IsUnhealthyWithAClearDetail()
    {
        var (_, plan, clusterId) = Plan();
        await using var connections = Assert.IsType<DrillConnections>(Assert.Single(plan.Resources));
        await using var client = await zookeeper.Server.ConnectAsync();
        await CreateAsync(client, "/drill");
        await CreateAsync(client, $"/drill/{clusterId}");
        var random = new Random(5);
        for (var i = 0; i < 20; i++)
        {
            var garbage = new byte[random.Next(0, 300)];
            random.NextBytes(garbage);
            await client.CreateAsync($"/drill/{clusterId}/junk-{i}", garbage, Ids.OpenAclUnsafe, CreateMode.Persistent);
        }

        var result = await ProbeAsync(plan);
        Assert.False(result.Healthy);
        Assert.Contains("ZooKeeper: unhealthy: not registered", result.Detail, StringComparison.Ordinal);
        Assert.Contains("registrations unreadable", result.Detail, StringComparison.Ordinal);
        Assert.Contains("unhealthy: GET http://127.0.0.1:", result.Detail, StringComparison.Ordinal);

        var registration = plan.AdminOperations.Single(o => o.Name == DrillPersonality.RegistrationOperation);
        var answer = await registration.RunAsync(new Dictionary<string, string>(), CancellationToken.None);
        Assert.Contains("not registered", answer.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_WithoutZooKeeper_IsUnhealthyNamingTheConnectString()
    {
        var (context, _, _) = Plan();
        var node = context.Node.Clone();
        node.Zookeeper.Connect = $"127.0.0.1:{FreePort.Next()}";
        var plan = new DrillPersonality().Plan(context with { Node = node });
        await using var connections = Assert.IsType<DrillConnections>(Assert.Single(plan.Resources));
        var result = await ProbeAsync(plan);
        Assert.False(result.Healthy);
        Assert.Contains($"ZooKeeper ({node.Zookeeper.Connect}) failed", result.Detail, StringComparison.Ordinal);
    }

    private static async Task CreateAsync(ZooKeeperClient client, string path)
    {
        try
        {
            await client.CreateAsync(path, Array.Empty<byte>(), Ids.OpenAclUnsafe, CreateMode.Persistent);
        }
        catch (NodeExistsException)
        {
            // Another test made it.
        }
    }

    /// <summary>The JDK behind /usr/bin/java, as an operator would put in NodeSpec.java_home.</summary>
    private static string JavaHome()
    {
        var java = File.ResolveLinkTarget("/usr/bin/java", returnFinalTarget: true)?.FullName ?? "/usr/bin/java";
        return Path.GetDirectoryName(Path.GetDirectoryName(java))!;
    }

    private readonly record struct ProbeOutcome(bool Healthy, string Detail);
}
