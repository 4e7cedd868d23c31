using Drover.Mesos.V1;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Tests.Support;
using Call = Drover.Mesos.V1.Scheduler.Call;
using static Drover.Scheduler.Tests.Plans.KindHarness;

namespace Drover.Scheduler.Tests.Plans;

/// <summary>Drill on demand on the fake master and a fake clock (scheduler/Plans/Drill): the query scale factor.</summary>
public class DrillPlanTests
{
    private static ClusterSpec Drillbits(int count = 1, DrillSpec? drill = null) => new()
    {
        Name = "dr",
        Kind = ClusterKind.Drill,
        Count = count,
        Version = "1.21.2",
        Resources = new NodeResources { Cpus = 1, Mem = 2048 },
        Ports = [new PortSpec { Name = "user" }, new PortSpec { Name = "control" }, new PortSpec { Name = "data" }, new PortSpec { Name = "http" }],
        Service = new ServiceSpec { InstallDir = "/opt/drill" },
        Drill = drill ?? new DrillSpec { MinDrillbits = 1, MaxDrillbits = 5, IdlePeriod = "10mins" },
    };

    [Fact]
    public async Task ADatasetOf250MB_GivesThreeDrillbitsAtOnce_50MBLater_OneAfterTheIdlePeriod_EachThroughGracefulShutdown()
    {
        await using var h = await StartedAsync(3);
        await h.PutAsync(Drillbits());
        await h.DriveAsync(s => DeployComplete(s, "dr"), "one drillbit", forceOffers: true);

        h.Master.HoldLaunches = true;
        var stated = await h.Loop.SetDatasetSizeAsync("dr", 250);
        Assert.True(stated.IsOk, stated.Message);
        Assert.Contains("3 drillbit(s); 2 more start now", stated.Message, StringComparison.Ordinal);
        h.Master.OfferAll(force: true);
        await h.SettleAsync();
        // Both new drillbits launched before either is running: a query is waiting.
        Assert.Equal(["dr.dr-0.1", "dr.dr-1.1", "dr.dr-2.1"], Launches(h.Master));
        foreach (var task in h.Master.LiveTasks().Where(t => t.State != TaskState.TaskRunning).ToList())
        {
            h.Master.Update(task, TaskState.TaskRunning, healthy: true);
        }

        await h.DriveAsync(s => DeployComplete(s, "dr"), "three drillbits");
        var view = h.Cluster("dr").Service!.Drill!;
        Assert.Equal((250.0, 3, 3), (view.DatasetMb!.Value, view.Desired!.Value, view.Count));
        Assert.All(view.Drillbits, d => Assert.Equal($"{d.Host}:{d.UserPort}", d.User));
        Assert.Equal("dr", view.ClusterId);

        var smaller = await h.Loop.SetDatasetSizeAsync("dr", 50);
        Assert.Contains("2 leave at", smaller.Message, StringComparison.Ordinal);
        await h.AdvanceAsync(TimeSpan.FromMinutes(9));
        h.Master.OfferAll(force: true);
        await h.SettleAsync();
        Assert.Equal(3, h.Cluster("dr").Nodes.Count);
        Assert.Empty(Requests(h.Master, "graceful-shutdown"));

        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        await h.DriveAsync(s => s.Clusters[0].Nodes.Count == 1 && DeployComplete(s, "dr"), "one drillbit left", forceOffers: true);
        // The kill is the graceful shutdown (the executor's stop step, within the task's kill grace period): no
        // admin graceful-shutdown before it, which Drill answers at once and then exits by itself.
        Assert.Empty(h.Master.AdminRequests);
        Assert.Equal(["dr.dr-2.1", "dr.dr-1.1"], h.Master.Calls(Call.Types.Type.Kill).Select(c => c.Kill.TaskId.Value));
        Assert.Equal(1, h.Cluster("dr").Service!.Drill!.Count);
        Assert.Null(h.Cluster("dr").Service!.Drill!.ScaleDownAt);
    }

    [Fact]
    public async Task AskingForMoreWithinTheIdlePeriod_CancelsTheScaleDown_AndTheBoundsHold()
    {
        await using var h = await StartedAsync(3);
        await h.PutAsync(Drillbits(count: 2));
        await h.DriveAsync(s => DeployComplete(s, "dr"), "two drillbits", forceOffers: true);

        await h.Loop.SetDatasetSizeAsync("dr", 0);
        Assert.Equal(1, h.Cluster("dr").Service!.Drill!.Desired);
        await h.AdvanceAsync(TimeSpan.FromMinutes(5));
        Assert.Contains("the cluster has them", (await h.Loop.SetDatasetSizeAsync("dr", 150)).Message, StringComparison.Ordinal);
        await h.AdvanceAsync(TimeSpan.FromMinutes(20));
        h.Master.OfferAll(force: true);
        await h.SettleAsync();
        Assert.Equal(2, h.Cluster("dr").Nodes.Count);
        Assert.Empty(h.Master.AdminRequests);

        // Far more than the maximum: five, not 10 000.
        await h.Loop.SetDatasetSizeAsync("dr", 1_000_000);
        await h.DriveAsync(s => s.Clusters[0].Nodes.Count(n => n.Healthy == true) == 5 && DeployComplete(s, "dr"), "five drillbits", forceOffers: true);
        Assert.Equal(5, h.Cluster("dr").Service!.Drill!.Desired);
    }

    [Fact]
    public async Task BadDatasetStatements_AreRefused_WithNothingApplied()
    {
        await using var h = await StartedAsync(1);
        await h.PutAsync(Drillbits());
        await h.PutAsync(Drillbits() with { Name = "fixed", Drill = new DrillSpec() });
        await h.PutAsync(Harness.Generic("web", 1));

        Assert.Equal("size_mb", Assert.Single((await h.Loop.SetDatasetSizeAsync("dr", -1)).Errors).Field);
        Assert.Equal(OperationOutcome.Invalid, (await h.Loop.SetDatasetSizeAsync("dr", double.NaN)).Outcome);
        Assert.Equal(OperationOutcome.Invalid, (await h.Loop.SetDatasetSizeAsync("dr", double.PositiveInfinity)).Outcome);
        Assert.Equal(OperationOutcome.NotFound, (await h.Loop.SetDatasetSizeAsync("nope", 10)).Outcome);
        Assert.Equal(OperationOutcome.Conflict, (await h.Loop.SetDatasetSizeAsync("web", 10)).Outcome);
        var unsized = await h.Loop.SetDatasetSizeAsync("fixed", 10);
        Assert.Equal(OperationOutcome.Conflict, unsized.Outcome);
        Assert.Contains("max_drillbits", unsized.Message, StringComparison.Ordinal);
        Assert.Null(h.Cluster("dr").Service!.Drill!.DatasetMb);
        Assert.Equal(OperationOutcome.Invalid, (await h.Loop.ScaleAsync("dr", 6)).Outcome);

        var e = Assert.Throws<SpecException>(() => ClusterSpecJson.Parse(
            """{"name":"dr","kind":"DRILL","count":1,"resources":{"cpus":1,"mem":64},"service":{"install_dir":"/opt/drill"},"ports":[{"name":"user"},{"name":"control"},{"name":"data"},{"name":"http"}],"drill":{"qsf_mb":0,"min_drillbits":3,"max_drillbits":2}}"""));
        Assert.Contains(e.Errors, error => error.Field == "drill.qsf_mb");
        Assert.Contains(e.Errors, error => error.Field == "drill.max_drillbits");
    }
}
