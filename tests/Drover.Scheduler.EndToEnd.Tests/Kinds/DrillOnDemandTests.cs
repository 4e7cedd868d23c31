using System.Globalization;
using System.Text.Json.Nodes;
using Drover.Drill.Exec;
using Drover.Scheduler.EndToEnd.Tests.Support;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;
using Drover.Scheduler.Plans.Drill;
using Drover.Testing;
using Drover.Testing.Standins.Drill;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper;

namespace Drover.Scheduler.EndToEnd.Tests.Kinds;

/// <summary>
/// Apache Drill sized on demand, through every real piece: drover-scheduler (a process) on the local Mesos, whose
/// launches start the real executor, which runs the Drill stand-in (a drillbit registering in the real ZooKeeper
/// as Drill does, serving Drill's REST) and checks its health itself. The dataset size is stated through the API
/// and the CLI; the drillbits are found in ZooKeeper as a SQL client finds them; the leaving ones are drained
/// through Drill's graceful shutdown, which the stand-in records.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class DrillOnDemandTests(ZooKeeperServerFixture zooKeeper) : IDisposable
{
    /// <summary>Long enough for the statement that cancels a scale down to land inside it, short enough for CI.</summary>
    private const string IdlePeriod = "8secs";

    private readonly DrillStandinInstall _install = DrillStandinInstall.Create();
    private readonly string _record = Path.Combine(Path.GetTempPath(), $"drover-drill-record-{Guid.NewGuid():N}.txt");

    public void Dispose()
    {
        _install.Dispose();
        File.Delete(_record);
    }

    [Fact]
    public async Task Dataset_250MB_StartsThreeDrillbitsAtOnce_Registered_50MB_AfterTheIdlePeriod_TwoLeaveGracefully()
    {
        await using var bed = await TestBed.StartAsync(zooKeeper, agents: 3);
        var clusterId = bed.Framework + "-bits";
        var scheduler = bed.StartScheduler();
        await scheduler.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed, "subscribed");
        await scheduler.PutClusterAsync(Spec(clusterId));
        await scheduler.UntilAsync(s => TestBed.Deployed(s, 1, "drill"), "one drillbit (min_drillbits) running and healthy");

        // 250 MB at 100 MB per drillbit: three, the two missing ones started at once.
        var (status, body) = await scheduler.SendAsync(HttpMethod.Post, "v1/clusters/drill/dataset", """{"size_mb": 250}""");
        Assert.True(status == 202, $"{status} {body}");
        Assert.Contains("3 drillbit(s); 2 more start now", body, StringComparison.Ordinal);
        var three = await scheduler.UntilAsync(s => TestBed.Deployed(s, 3, "drill"), "three drillbits running and healthy");
        var cluster = three.Clusters.Single(c => c.Name == "drill");
        var scaleUp = cluster.Plans.Single(p => p.Name == DeployPlans.Deploy).Phases.Single(p => p.Name == "scale-up");
        Assert.Equal(Strategy.Parallel, scaleUp.Strategy);
        Assert.Equal(["drill-1", "drill-2"], scaleUp.Steps.Select(s => s.Name).Order());
        Assert.True(scaleUp.Steps.Max(s => s.Started) < scaleUp.Steps.Min(s => s.Finished),
            $"both started before either was healthy: {string.Join("; ", scaleUp.Steps.Select(s => $"{s.Name} {s.Started:O}..{s.Finished:O}"))}");

        // Registered as Drill registers, where a SQL client looks (jdbc:drill:zk=<connect>/drill/<cluster-id>): one
        // ONLINE DrillServiceInstance per drillbit, at the host:user the service view lists.
        var view = cluster.Service!.Drill!;
        Assert.Equal(clusterId, view.ClusterId);
        Assert.Equal("drill", view.ZkRoot);
        Assert.Equal(3, view.Count);
        Assert.Equal(250, view.DatasetMb);
        var users = cluster.Nodes.ToDictionary(n => n.Name, n => $"{n.Hostname}:{n.Ports[DrillPlanner.UserPort].ToString(CultureInfo.InvariantCulture)}");
        Assert.Equal(users.Values.Order(), view.Drillbits.Select(d => d.User!).Order());
        Assert.Equal(users.Values.Order(), (await RegisteredAsync(clusterId, online: 3)).Order());
        var service = await CliRunner.RunAsync(scheduler, "service", "drill");
        Assert.True(service.Exit == 0, service.ToString());
        Assert.All(users.Values, user => Assert.Contains(user, service.Out, StringComparison.Ordinal));

        // 50 MB: one drillbit is enough, but only after the idle period; a statement for more within it cancels that.
        (status, body) = await scheduler.SendAsync(HttpMethod.Post, "v1/clusters/drill/dataset", """{"size_mb": 50}""");
        Assert.True(status == 202, $"{status} {body}");
        Assert.Contains("2 leave at", body, StringComparison.Ordinal);
        var pending = (await ServiceAsync(scheduler)).ScaleDownAt ?? throw new InvalidOperationException("50 MB set no scale down");
        var cli = await CliRunner.RunAsync(scheduler, "dataset", "drill", "250");
        Assert.True(cli.Exit == 0, cli.ToString());
        Assert.Contains("the cluster has them", cli.Out + cli.Err, StringComparison.Ordinal);
        var cancelled = await ServiceAsync(scheduler);
        Assert.Null(cancelled.ScaleDownAt);
        Assert.Equal(3, cancelled.Count);

        // 50 MB again: the idle period starts anew (a scale down still pending would have kept its earlier time).
        (status, body) = await scheduler.SendAsync(HttpMethod.Post, "v1/clusters/drill/dataset", """{"size_mb": 50}""");
        Assert.True(status == 202, $"{status} {body}");
        var scaleDownAt = (await ServiceAsync(scheduler)).ScaleDownAt ?? throw new InvalidOperationException("50 MB set no scale down");
        Assert.True(scaleDownAt > pending, $"the cancelled scale down ({pending:O}) was not kept: now {scaleDownAt:O}");

        var one = await scheduler.UntilAsync(s => TestBed.Deployed(s, 1, "drill") && s.Clusters.Single(c => c.Name == "drill").Nodes.Single().Name == "drill-0",
            "two drillbits gone after the idle period, one left", TimeSpan.FromSeconds(120));
        var after = one.Clusters.Single(c => c.Name == "drill");
        var scaleDown = after.Plans.Single(p => p.Name == DeployPlans.Deploy).Phases.Single(p => p.Name == "scale-down");
        Assert.Equal(["remove-drill-2", "remove-drill-1"], scaleDown.Steps.Select(s => s.Name));
        Assert.All(scaleDown.Steps, s => Assert.Equal(StepStatus.Complete, s.Status));
        Assert.All(scaleDown.Steps, s => Assert.True(s.Started >= scaleDownAt, $"{s.Name} started {s.Started:O}, before the idle period ended ({scaleDownAt:O})"));

        // Each leaving drillbit went through Drill's graceful shutdown once (its own record of the call: the executor's
        // stop step of the task's kill, which waits until the drillbit has unregistered before SIGTERM), within its
        // removal step, which ended with the reservation released; the one left was never asked.
        var calls = await File.ReadAllLinesAsync(_record);
        foreach (var leaving in new[] { "drill-1", "drill-2" })
        {
            var call = Assert.Single(calls, l => l.StartsWith($"graceful-shutdown {users[leaving]} ", StringComparison.Ordinal));
            var at = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(call.Split(' ')[2], CultureInfo.InvariantCulture));
            var step = scaleDown.Steps.Single(s => s.Name == "remove-" + leaving);
            Assert.True(step.Started <= at.AddMilliseconds(50) && at <= step.Finished, $"{leaving}: asked at {at:O}, removal {step.Started:O}..{step.Finished:O}");
        }

        Assert.Empty(one.AdminOperations);
        Assert.DoesNotContain(calls, l => l.Contains(users["drill-0"], StringComparison.Ordinal));
        Assert.Equal([users["drill-0"]], await RegisteredAsync(clusterId, online: 1));

        var removedTasks = cluster.Nodes.Where(n => n.Name != "drill-0").Select(n => n.TaskId!).ToHashSet();
        var kept = cluster.Nodes.Single(n => n.Name == "drill-0");
        MesosView? mesos = null;
        await Eventually.TrueAsync(
            async () =>
            {
                mesos = await bed.MesosAsync();
                return mesos.EntriesOf(bed.Framework).SetEquals([kept.PersistenceId!])
                    && mesos.TasksOf(three.Framework.Id!).Where(t => removedTasks.Contains(t.Id)).All(t => t.State == "TASK_KILLED");
            },
            () => $"the leaving drillbits' tasks killed and reservations released:\n{mesos?.Describe()}",
            TimeSpan.FromSeconds(30));
        Assert.Equal("TASK_RUNNING", mesos!.TasksOf(three.Framework.Id!).Single(t => t.Id == kept.TaskId).State);
    }

    private string Spec(string clusterId)
    {
        var java = File.ResolveLinkTarget("/usr/bin/java", returnFinalTarget: true)?.FullName ?? "/usr/bin/java";
        var spec = new JsonObject
        {
            ["name"] = "drill",
            ["kind"] = "DRILL",
            ["count"] = 1,
            ["version"] = "1.21.0",
            ["resources"] = new JsonObject { ["cpus"] = 0.1, ["mem"] = 256 },
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "user" }, new JsonObject { ["name"] = "control" }, new JsonObject { ["name"] = "data" }, new JsonObject { ["name"] = "http" }),
            ["config"] = new JsonObject { ["cluster_id"] = clusterId, ["drill.exec.grace_period_ms"] = "300" },
            ["service"] = new JsonObject
            {
                ["install_dir"] = _install.InstallDir,
                ["java_home"] = Path.GetDirectoryName(Path.GetDirectoryName(java)),
                ["environment"] = new JsonObject { ["DRILL_STANDIN_RECORD"] = _record },
                ["kill_grace_period"] = "10secs",
            },
            ["health"] = new JsonObject { ["delay"] = "0secs", ["interval"] = "1secs", ["timeout"] = "5secs", ["grace"] = "60secs" },
            ["drill"] = new JsonObject { ["qsf_mb"] = 100, ["min_drillbits"] = 1, ["max_drillbits"] = 4, ["idle_period"] = IdlePeriod },
        };
        return spec.ToJsonString();
    }

    private static async Task<DrillView> ServiceAsync(SchedulerProcess scheduler) =>
        (await scheduler.StateAsync()).Clusters.Single(c => c.Name == "drill").Service!.Drill!;

    /// <summary>What a Drill client finds: the ONLINE drillbits under /drill/&lt;cluster-id&gt;, as address:user_port, once there are <paramref name="online"/> and nothing else.</summary>
    private async Task<IReadOnlyList<string>> RegisteredAsync(string clusterId, int online)
    {
        await using var client = await zooKeeper.ObserverAsync();
        var found = new List<string>();
        var all = new List<string>();
        await Eventually.TrueAsync(
            async () =>
            {
                found.Clear();
                all.Clear();
                var children = await client.GetChildrenAsync($"/drill/{clusterId}");
                foreach (var child in children.Children)
                {
                    DrillServiceInstance instance;
                    try
                    {
                        instance = DrillServiceInstance.Parser.ParseFrom((await client.GetDataAsync($"/drill/{clusterId}/{child}")).Data);
                    }
                    catch (NoNodeException)
                    {
                        all.Add($"{child} gone");
                        continue; // a drillbit that left between the two reads
                    }

                    var address = $"{instance.Endpoint.Address}:{instance.Endpoint.UserPort.ToString(CultureInfo.InvariantCulture)}";
                    all.Add($"{address} {instance.Endpoint.State}");
                    if (instance.Endpoint.State == DrillbitEndpoint.Types.State.Online)
                    {
                        found.Add(address);
                    }
                }

                return found.Count == online && all.Count == online;
            },
            () => $"{online} ONLINE drillbit(s) under /drill/{clusterId}: {string.Join(", ", all)}",
            TimeSpan.FromSeconds(30));
        return found;
    }
}
