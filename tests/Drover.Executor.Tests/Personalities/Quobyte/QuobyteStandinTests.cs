using Drover.Executor.Health;
using Drover.Executor.Personalities.Quobyte;
using Drover.Executor.Tests.Personalities.Drill;
using Drover.Testing;
using Drover.Testing.Standins.Quobyte;
using Drover.V1;
using Signals = Drover.Posix.Signals;

namespace Drover.Executor.Tests.Personalities.Quobyte;

/// <summary>Each Quobyte service's plan run against the stand-in, probed with the executor's own HTTP probe.</summary>
public sealed class QuobyteStandinTests : IDisposable
{
    private readonly QuobyteStandinInstall _install = QuobyteStandinInstall.Create();
    private readonly TestSandbox _sandbox = new();
    public void Dispose()
    {
        _sandbox.Dispose();
        _install.Dispose();
    }

    private static async Task<ProbeResult> ProbeAsync(HealthCheckDefinition check)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await check.Probe.ProbeAsync(timeout.Token);
    }

    [Theory]
    [InlineData("registry")]
    [InlineData("metadata")]
    [InlineData("data")]
    [InlineData("api")]
    [InlineData("webconsole")]
    public async Task Probe_IsHealthyWhileTheServiceServesAndUnhealthyOnceItIsGone(string service)
    {
        var node = new NodeSpec { Cluster = "storage", Node = "q-" + service, Kind = ServiceKind.Quobyte, InstallDir = _install.InstallDir };
        node.Config["service"] = service;
        node.Seeds.Add("127.0.0.1:7861");
        var free = FreePort.Many(3);
        var ports = new Dictionary<string, int> { ["rpc"] = free[0], ["http"] = free[1] };
        if (service is "api" or "webconsole")
        {
            ports[service] = free[2];
        }

        var context = _sandbox.Context(node, ports);
        var plan = new QuobytePersonality().Plan(context);
        var check = Assert.Single(plan.HealthChecks);
        await using var running = RunningPlan.Start(plan, context);

        ProbeResult last = default;
        await Eventually.TrueAsync(
            async () =>
            {
                Assert.False(running.HasExited, $"quobyte-{service} exited: {running.Output}");
                last = await ProbeAsync(check);
                return last.Healthy;
            },
            $"quobyte-{service} to answer GET / (last: {last.Detail})");
        Assert.Equal("HTTP 200", last.Detail);

        Assert.True(Signals.SendToGroup(running.Process.ProcessGroupId, Signals.SIGTERM));
        await running.WaitForExitAsync($"quobyte-{service} after SIGTERM");
        var gone = await ProbeAsync(check);
        Assert.False(gone.Healthy);
        Assert.Contains($"GET {Assert.IsType<HttpProbe>(check.Probe).Url} failed", gone.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standin_RefusesAConfigWithoutRegistry_SoTheRenderedOneIsWhatItRuns()
    {
        var node = new NodeSpec { Cluster = "storage", Node = "q-bad", Kind = ServiceKind.Quobyte, InstallDir = _install.InstallDir };
        node.Config["service"] = "data";
        node.Seeds.Add("127.0.0.1:7861");
        var free = FreePort.Many(2);
        var context = _sandbox.Context(node, new Dictionary<string, int> { ["rpc"] = free[0], ["http"] = free[1] });
        var plan = new QuobytePersonality().Plan(context);
        var broken = plan with
        {
            Files = [.. plan.Files.Select(f => f.RelativePath.EndsWith("host.cfg", StringComparison.Ordinal) ? f with { Content = "# empty\n" } : f)],
        };
        await using var running = RunningPlan.Start(broken, context);
        await running.WaitForExitAsync("the stand-in to refuse a host.cfg without registry=");
        Assert.Contains("has no registry=", running.Output, StringComparison.Ordinal);
    }
}
