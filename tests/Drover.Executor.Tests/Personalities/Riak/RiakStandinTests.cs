using System.Globalization;
using System.Net;
using Drover.Epmd;
using Drover.Executor.Health;
using Drover.Executor.Personalities;
using Drover.Executor.Personalities.Riak;
using Drover.Testing;
using Drover.Testing.Standins.Riak;
using Drover.V1;

namespace Drover.Executor.Tests.Personalities.Riak;

/// <summary>
/// The Riak personality's plan run for real: the stand-in Riak (a real OTP node) started from the plan's
/// argv and environment, registering through an in-process cEPMD (<see cref="EpmdServer"/>, as the executor
/// serves it on the task's 'epmd' port), checked by the plan's /ping probe, clustered by the plan's admin
/// operations over real Erlang distribution.
/// </summary>
public sealed class RiakStandinTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly List<IDisposable> _cleanup = [];

    [Fact]
    public async Task Node_RegistersInCEpmd_PingTurnsHealthy_AndTheStandinCanMakeItUnhealthy()
    {
        var registry = new InMemoryEpmdRegistry();
        await using var cepmd = await StartCEpmd(registry);
        using var install = RiakStandinInstall.Create();
        var node = Launch(install, "riak1", cepmd);

        await Eventually.TrueAsync(async () => await registry.LookupAsync(null, "riak1") is not null, $"riak1 registering with cEPMD ({node.Process.Output})", Deadline);
        var registration = (await registry.LookupAsync(null, "riak1"))!;
        Assert.Equal(node.Context.Ports["disterl"], registration.Port);

        var probe = node.Plan.HealthChecks.Single(c => c.Name == RiakPersonality.PingCheckName).Probe!;
        await Until(probe, r => r.Healthy, "a healthy /ping", node);
        Assert.EndsWith("/ping: 200 OK", (await probe.ProbeAsync(CancellationToken.None)).Detail, StringComparison.Ordinal);

        RiakStandinInstall.MakeUnhealthy(node.Context.DataDirectory);
        var sick = await Until(probe, r => !r.Healthy, "/ping failing", node);
        Assert.Contains("answered 500 Internal Server Error with body 'stand-in made unhealthy'", sick.Detail, StringComparison.Ordinal);

        RiakStandinInstall.MakeUnhealthy(node.Context.DataDirectory, wrongBody: true);
        var wrong = await Until(probe, r => r.Detail.Contains("PONG", StringComparison.Ordinal), "/ping answering another body", node);
        Assert.False(wrong.Healthy);

        RiakStandinInstall.MakeHealthy(node.Context.DataDirectory);
        await Until(probe, r => r.Healthy, "/ping healthy again", node);

        node.Process.Kill();
        var gone = await Until(probe, r => !r.Healthy, "/ping failing after the node died", node);
        Assert.Contains("failed", gone.Detail, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => registry.Count == 0, "riak1's registration to go with its connection", Deadline);
    }

    [Fact]
    public async Task TwoNodes_JoinPlanCommitAndRingready_OverErlangDistributionThroughCEpmd()
    {
        // Each node has its own cEPMD (its task's 'epmd' port); the servers share one store, as they share ZooKeeper.
        var registry = new InMemoryEpmdRegistry();
        await using var cepmd1 = await StartCEpmd(registry);
        await using var cepmd2 = await StartCEpmd(registry);
        using var riak2Install = RiakStandinInstall.Create();
        using var riak3Install = RiakStandinInstall.Create(withRiakAdmin: false); // admin commands as `riak admin`
        var first = Launch(riak2Install, "riak1", cepmd1);
        var second = Launch(riak3Install, "riak2", cepmd2);
        await Until(first.Plan.HealthChecks[0].Probe!, r => r.Healthy, "riak1 healthy", first);
        await Until(second.Plan.HealthChecks[0].Probe!, r => r.Healthy, "riak2 healthy", second);

        var unreachable = await second.Admin("cluster-join", ("node", "nobody@127.0.0.1"));
        Assert.False(unreachable.Ok);
        Assert.Contains("Node nobody@127.0.0.1 is not reachable!", unreachable.Output, StringComparison.Ordinal);

        var join = await second.Admin("cluster-join", ("node", "riak1@127.0.0.1"));
        Assert.True(join.Ok, join.Output);
        Assert.Equal("Success: staged join request for 'riak2@127.0.0.1' to 'riak1@127.0.0.1'", join.Output);

        var unplanned = await second.Admin("cluster-commit");
        Assert.False(unplanned.Ok);
        Assert.Equal("riak admin cluster commit exited with status 1: You must verify the plan with 'riak-admin cluster plan' before committing", unplanned.Output);

        var plan = await second.Admin("cluster-plan");
        Assert.True(plan.Ok, plan.Output);
        Assert.Contains("Staged Changes", plan.Output, StringComparison.Ordinal);
        Assert.Matches(@"join\s+'riak2@127\.0\.0\.1'", plan.Output);

        var commit = await second.Admin("cluster-commit");
        Assert.True(commit.Ok, commit.Output);
        Assert.Equal("Cluster changes committed", commit.Output);

        foreach (var member in new[] { first, second })
        {
            var ready = await member.Admin("ringready");
            Assert.True(ready.Ok, ready.Output);
            Assert.Equal("TRUE All nodes agree on the ring ['riak1@127.0.0.1','riak2@127.0.0.1']", ready.Output);
        }

        second.Process.Kill();
        await Eventually.TrueAsync(() => registry.Count == 1, "riak2's registration to go", Deadline);
        var down = await first.Admin("ringready");
        Assert.False(down.Ok);
        Assert.Contains("FALSE ['riak2@127.0.0.1'] down.  All nodes need to be up to check.", down.Output, StringComparison.Ordinal);
        Assert.StartsWith("riak-admin ringready exited with status 1: ", down.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Leave_PlanCommit_TheLeaverHandsOffAndStops_TransfersThenShowNone_EveryCallRecordedOnTheNode()
    {
        var registry = new InMemoryEpmdRegistry();
        await using var cepmd1 = await StartCEpmd(registry);
        await using var cepmd2 = await StartCEpmd(registry);
        using var install1 = RiakStandinInstall.Create();
        using var install2 = RiakStandinInstall.Create();
        var first = Launch(install1, "riak1", cepmd1);
        var second = Launch(install2, "riak2", cepmd2);
        await Until(first.Plan.HealthChecks[0].Probe!, r => r.Healthy, "riak1 healthy", first);
        await Until(second.Plan.HealthChecks[0].Probe!, r => r.Healthy, "riak2 healthy", second);
        Assert.True((await second.Admin("cluster-join", ("node", "riak1@127.0.0.1"))).Ok);
        Assert.True((await second.Admin("cluster-plan")).Ok);
        Assert.True((await second.Admin("cluster-commit")).Ok);

        var leave = await second.Admin("cluster-leave");
        Assert.True(leave.Ok, leave.Output);
        Assert.Equal("Success: staged leave request for 'riak2@127.0.0.1'", leave.Output);
        Assert.Matches(@"leave\s+'riak2@127\.0\.0\.1'", (await first.Admin("cluster-plan")).Output);
        var commit = await first.Admin("cluster-commit");
        Assert.True(commit.Ok, commit.Output);

        // Handing off: the claimant's transfers name the leaver until it has stopped by itself (exit 0, as Riak does).
        var transfers = await first.Admin("transfers");
        Assert.True(transfers.Ok, transfers.Output);
        Assert.True(transfers.Output.Contains("'riak2@127.0.0.1' waiting to handoff", StringComparison.Ordinal) || second.Process.HasExited, transfers.Output);
        await Eventually.TrueAsync(() => second.Process.HasExited, () => $"riak2 to stop after its handoff: {second.Process.Output}", Deadline);
        Assert.Contains("leaving: handoff complete; stopping", second.Process.Output, StringComparison.Ordinal);
        await Eventually.TrueAsync(async () => (await first.Admin("transfers")).Output.StartsWith("No transfers active", StringComparison.Ordinal), "no transfers", Deadline);
        var ready = await first.Admin("ringready");
        Assert.Equal("TRUE All nodes agree on the ring ['riak1@127.0.0.1']", ready.Output);

        // The node's own record of what it was asked, with the nodes it was connected to.
        Assert.Contains("riak-admin cluster leave -> 0; nodes() ['riak1@127.0.0.1']", second.Process.Output, StringComparison.Ordinal);
        Assert.Contains("riak-admin cluster commit -> 0", first.Process.Output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var disposable in Enumerable.Reverse(_cleanup))
        {
            disposable.Dispose();
        }
    }

    private static async Task<EpmdServer> StartCEpmd(IEpmdRegistry registry)
    {
        var server = new EpmdServer(new EpmdServerOptions(), registry);
        await server.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        return server;
    }

    private static async Task<ProbeResult> Until(IHealthProbe probe, Func<ProbeResult, bool> condition, string what, LaunchedNode node)
    {
        var last = new ProbeResult(false, "not probed");
        await Eventually.TrueAsync(
            async () =>
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                last = await probe.ProbeAsync(timeout.Token);
                return condition(last);
            },
            $"{what} (last: {last.Detail}; node output: {node.Process.Output})",
            Deadline);
        return last;
    }

    /// <summary>Does what the executor does with a plan: directories, files under the config directory, the process.</summary>
    private LaunchedNode Launch(RiakStandinInstall install, string name, EpmdServer cepmd)
    {
        var sandbox = Directory.CreateTempSubdirectory("drover-riak-task-").FullName;
        _cleanup.Add(new DeleteDirectory(sandbox));
        var ports = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["http"] = FreePort.Next(),
            ["pb"] = FreePort.Next(),
            ["handoff"] = FreePort.Next(),
            ["disterl"] = FreePort.Next(),
            ["epmd"] = cepmd.LocalEndPoint.Port,
        };
        var spec = new NodeSpec { Cluster = "standin", Node = name, Kind = ServiceKind.Riak, InstallDir = install.Directory };
        spec.Config["ring_size"] = "16";
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = "/usr/bin:/bin" };
        var context = new PersonalityContext(
            spec, ports, sandbox, Path.Combine(sandbox, "drover"), Path.Combine(sandbox, "data"), "127.0.0.1", "task-" + name, environment,
            path => File.Exists(path) ? File.ReadAllText(path) : null);
        var plan = new RiakPersonality(ProcessCommandRun.RunAsync).Plan(context);
        foreach (var directory in plan.Directories)
        {
            Directory.CreateDirectory(directory);
        }

        foreach (var file in plan.Files)
        {
            var path = Path.Combine(context.ConfigDirectory, file.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Content);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, file.Mode);
            }
        }

        foreach (var (key, value) in plan.Environment)
        {
            environment[key] = value;
        }

        var process = RiakStandinNode.Start(plan.Executable, plan.Arguments, environment, plan.WorkingDirectory ?? sandbox);
        _cleanup.Add(process);
        foreach (var resource in plan.Resources)
        {
            _cleanup.Add(new DisposeAsync(resource));
        }

        Assert.Equal(cepmd.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture), plan.Environment["ERL_EPMD_PORT"]);
        return new LaunchedNode(context, plan, process);
    }


    private sealed record LaunchedNode(PersonalityContext Context, ServicePlan Plan, RiakStandinNode Process)
    {
        public async Task<AdminResult> Admin(string operation, params (string Key, string Value)[] arguments)
        {
            var admin = Plan.AdminOperations.Single(o => o.Name == operation);
            using var timeout = new CancellationTokenSource(admin.Timeout);
            return await admin.RunAsync(arguments.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal), timeout.Token);
        }
    }

    private sealed class DeleteDirectory(string path) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private sealed class DisposeAsync(IAsyncDisposable resource) : IDisposable
    {
        public void Dispose() => resource.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
