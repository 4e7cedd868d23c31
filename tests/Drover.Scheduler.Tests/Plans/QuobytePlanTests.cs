using Drover.Mesos.V1;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans.Quobyte;
using Drover.Scheduler.Tests.Support;
using Call = Drover.Mesos.V1.Scheduler.Call;
using static Drover.Scheduler.Tests.Plans.KindHarness;

namespace Drover.Scheduler.Tests.Plans;

/// <summary>Quobyte's versions on the fake master and a fake clock (scheduler/Plans/Quobyte).</summary>
public class QuobytePlanTests
{
    private static ClusterSpec Deployment(string version = "") => new()
    {
        Name = "qb",
        Kind = ClusterKind.Quobyte,
        Version = version,
        Resources = new NodeResources { Cpus = 1, Mem = 1024 },
        Service = new ServiceSpec { InstallDir = "/opt/quobyte" },
        Quobyte = new QuobyteSpec
        {
            Nodes =
            [
                new QuobyteHostSpec { Host = "host1", Services = [QuobyteRole.Registry, QuobyteRole.Metadata, QuobyteRole.Data], Devices = ["/mnt/quobyte/r1", "/mnt/quobyte/d1"] },
                new QuobyteHostSpec { Host = "host2", Services = [QuobyteRole.Metadata, QuobyteRole.Data], Devices = ["/mnt/quobyte/d2"] },
            ],
            Webconsole = 1,
            Resources = new Dictionary<string, NodeResources> { ["data"] = new() { Cpus = 2, Mem = 4096 } },
        },
    };

    private static readonly string[] StartOrder = ["qb-registry-0", "qb-metadata-0", "qb-metadata-1", "qb-data-0", "qb-data-1", "qb-webconsole-0"];

    /// <summary>Launches and kills in the order the master got them, as "launch qb-data-0.1".</summary>
    private static List<string> Moves(FakeMaster master) => [.. master.Calls().SelectMany(c => c.Type switch
    {
        Call.Types.Type.Kill => ["kill " + c.Kill.TaskId.Value[3..]],
        Call.Types.Type.Accept => c.Accept.Operations.Where(o => o.Type == Offer.Types.Operation.Types.Type.Launch).SelectMany(o => o.Launch.TaskInfos).Select(t => "launch " + t.TaskId.Value[3..]),
        _ => [],
    })];

    [Fact]
    public async Task AVersionDeploysInDependencyOrder_ANewerOneRollsOneServiceAtATimeRegistryFirst_AnEmptyOneStopsEverything()
    {
        await using var h = await StartedAsync(3);
        Assert.True((await h.PutAsync(Deployment())).IsOk);
        h.Master.OfferAll(force: true);
        await h.SettleAsync();
        Assert.Empty(Launches(h.Master));
        Assert.Equal(QuobyteDeployment.Stopped, h.Cluster("qb").Service!.Quobyte!.State);

        var deploy = await h.Loop.SetVersionAsync(null, "1.1.5");
        Assert.True(deploy.IsOk, deploy.Message);
        await h.DriveAsync(s => s.Clusters[0].Service!.Quobyte!.State == QuobyteDeployment.Running, "1.1.5 running", forceOffers: true);
        Assert.Equal(StartOrder.Select(n => $"launch {n}.1"), Moves(h.Master));
        var nodes = h.Cluster("qb").Nodes.ToDictionary(n => n.Name);
        Assert.All(new[] { "qb-registry-0", "qb-metadata-0", "qb-data-0" }, n => Assert.Equal("host1", nodes[n].Hostname));
        Assert.All(new[] { "qb-metadata-1", "qb-data-1" }, n => Assert.Equal("host2", nodes[n].Hostname));
        var registry = $"host1:{nodes["qb-registry-0"].Ports["rpc"]}";
        Assert.All(StartOrder[1..], n => Assert.Equal([registry], SpecOf(h.Master, $"qb.{n}.1").Seeds));
        Assert.Equal("data", SpecOf(h.Master, "qb.qb-data-1.1").Config["service"]);
        Assert.Contains("webconsole", nodes["qb-webconsole-0"].Ports.Keys);
        var view = h.Cluster("qb").Service!.Quobyte!;
        Assert.Equal(("1.1.5", "1.1.5", 6, 6), (view.Current, view.Target, view.Done, view.Total));
        Assert.Equal(["/mnt/quobyte/d2"], view.Services.Single(s => s.Node == "qb-data-1").Devices);

        h.Master.ClearCalls();
        Assert.True((await h.Loop.SetVersionAsync(null, "1.2.0")).IsOk);
        await h.SettleAsync();
        Assert.Equal(QuobyteDeployment.Upgrading, h.Cluster("qb").Service!.Quobyte!.State);
        await h.DriveAsync(s => s.Clusters[0].Service!.Quobyte!.State == QuobyteDeployment.Running, "1.2.0 running", forceOffers: true);
        Assert.Equal(StartOrder.SelectMany(n => new[] { $"kill {n}.1", $"launch {n}.2" }), Moves(h.Master));
        Assert.All(h.Cluster("qb").Nodes, n => Assert.Equal("1.2.0", n.Version));
        Assert.Equal("1.2.0", h.Cluster("qb").Service!.Quobyte!.Current);

        Assert.Equal(OperationOutcome.Conflict, (await h.Loop.SetVersionAsync(null, "1.1.9")).Outcome);
        Assert.Equal(OperationOutcome.Invalid, (await h.Loop.SetVersionAsync(null, "1.2;rm -rf /")).Outcome);
        Assert.Equal("1.2.0", h.Cluster("qb").Spec.Version);

        h.Master.ClearCalls();
        Assert.True((await h.Loop.SetVersionAsync("qb", "")).IsOk);
        await h.DriveAsync(s => s.Clusters[0].Nodes.Count == 0, "every service stopped", forceOffers: true);
        Assert.Equal(StartOrder.Reverse().Select(n => $"kill {n}.2"), Moves(h.Master));
        Assert.Equal(QuobyteDeployment.Stopped, h.Cluster("qb").Service!.Quobyte!.State);
        Assert.Equal("", h.Cluster("qb").Service!.Quobyte!.Current);
    }

    [Fact]
    public async Task EachServiceIsHealthyBeforeTheNext_AndDataServicesGetTheirOwnResources()
    {
        await using var h = await StartedAsync(3, m => m.HoldLaunches = true);
        await h.PutAsync(Deployment("2.0.1"));
        await h.DriveAsync(_ => Launches(h.Master).Count == 1, "the registry launched", forceOffers: true);
        h.Master.OfferAll(force: true);
        await h.SettleAsync();
        Assert.Equal(["qb.qb-registry-0.1"], Launches(h.Master));

        var registry = h.Master.LiveTasks().Single();
        h.Master.Update(registry, TaskState.TaskRunning, healthy: false);
        h.Master.OfferAll(force: true);
        await h.SettleAsync();
        Assert.Single(Launches(h.Master));
        h.Master.Update(registry, TaskState.TaskRunning, healthy: true);
        await h.DriveAsync(_ => Launches(h.Master).Count == 2, "the first metadata service launched", forceOffers: true);
        Assert.Equal("qb.qb-metadata-0.1", Launches(h.Master)[1]);

        foreach (var name in StartOrder[1..])
        {
            await h.DriveAsync(_ => h.Master.LiveTasks().Any(t => t.Info.TaskId.Value == $"qb.{name}.1"), $"{name} launched", forceOffers: true);
            h.Master.Update(h.Master.LiveTasks().Single(t => t.Info.TaskId.Value == $"qb.{name}.1"), TaskState.TaskRunning, healthy: true);
        }

        await h.DriveAsync(s => s.Clusters[0].Service!.Quobyte!.State == QuobyteDeployment.Running, "2.0.1 running");
        var data = h.Master.AllTasks().Single(t => t.Info.TaskId.Value == "qb.qb-data-0.1").Info.Resources;
        var registryResources = h.Master.AllTasks().Single(t => t.Info.TaskId.Value == "qb.qb-registry-0.1").Info.Resources;
        Assert.Equal(2, data.Where(r => r.Name == "cpus").Sum(r => r.Scalar.Value));
        Assert.Equal(1, registryResources.Where(r => r.Name == "cpus").Sum(r => r.Scalar.Value));
    }

    [Fact]
    public async Task VersionCommands_NameTheClusterWhenThereAreSeveral_AndRefuseOtherKinds()
    {
        await using var h = await StartedAsync(1);
        Assert.Equal(OperationOutcome.NotFound, (await h.Loop.SetVersionAsync(null, "1.0")).Outcome);
        await h.PutAsync(Deployment());
        await h.PutAsync(Deployment() with { Name = "qc" });
        await h.PutAsync(Harness.Generic("web", 1));

        var ambiguous = await h.Loop.SetVersionAsync(null, "1.0");
        Assert.Equal(OperationOutcome.Conflict, ambiguous.Outcome);
        Assert.Contains("qb, qc", ambiguous.Message, StringComparison.Ordinal);
        Assert.Equal(OperationOutcome.Conflict, (await h.Loop.SetVersionAsync("web", "1.0")).Outcome);
        Assert.Equal(OperationOutcome.Conflict, (await h.Loop.ScaleAsync("qb", 3)).Outcome);
        Assert.True((await h.Loop.SetVersionAsync("qc", "1.0")).IsOk);
        await h.SettleAsync();
        Assert.Equal("", h.Cluster("qb").Spec.Version);
        Assert.Equal("1.0", h.Cluster("qc").Spec.Version);

        var e = Assert.Throws<SpecException>(() => ClusterSpecJson.Parse(
            """{"name":"qd","kind":"QUOBYTE","resources":{"cpus":1,"mem":64},"service":{"install_dir":"/opt/q"},"quobyte":{"nodes":[{"host":"h1","services":["registry"],"devices":["/mnt/r"]}],"resources":{"Registry":{"cpus":1,"mem":64},"1":{"cpus":1,"mem":64}}}}"""));
        Assert.Contains(e.Errors, error => error.Field == "quobyte.nodes" && error.Message.Contains("metadata", StringComparison.Ordinal));
        Assert.Contains(e.Errors, error => error.Field == "quobyte.resources.Registry");
        Assert.Contains(e.Errors, error => error.Field == "quobyte.resources.1");
        Assert.Equal("qd", ClusterSpecJson.Parse(
            """{"name":"qd","kind":"QUOBYTE","resources":{"cpus":1,"mem":64},"service":{"install_dir":"/opt/q"},"quobyte":{"nodes":[{"host":"h1","services":["registry","metadata","data"],"devices":["/mnt/r"]}],"resources":{"registry":{"cpus":1,"mem":64}}}}""").Name);
    }
}
