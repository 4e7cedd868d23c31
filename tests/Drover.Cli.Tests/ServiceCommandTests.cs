using Drover.Scheduler.Api.Tests.Fakes;
using Drover.Scheduler.Model;

namespace Drover.Cli.Tests;

/// <summary>The kinds' commands: repair, cleanup, dataset, version, service (the API's answers come from the fake scheduler).</summary>
public class ServiceCommandTests
{
    private static ClusterSpec Drill() => Samples.Web("dr", 1) with { Kind = ClusterKind.Drill };

    private static ClusterSpec Quobyte() => Samples.Web("qb", 0) with { Kind = ClusterKind.Quobyte };

    [Fact]
    public async Task Dataset_Repair_Cleanup_AndVersion_ReachTheScheduler()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Drill());
        api.Scheduler.Seed(Samples.Ring());
        api.Scheduler.Seed(Quobyte(), running: false);

        var dataset = await CliRunner.RunAsync(api, "dataset", "dr", "250");
        var repair = await CliRunner.RunAsync(api, "repair", "ring");
        var cleanup = await CliRunner.RunAsync(api, "cleanup", "ring", "--node", "ring-0", "--node", "ring-1", "--keyspace", "shop");
        var deploy = await CliRunner.RunAsync(api, "version", "1.1.5");
        var stop = await CliRunner.RunAsync(api, "version", "--stop", "--cluster", "qb");

        Assert.True(dataset.Exit == ExitCodes.Ok, dataset.ToString());
        Assert.Contains("3 drillbit(s)", dataset.Out, StringComparison.Ordinal);
        Assert.True(repair.Exit == ExitCodes.Ok, repair.ToString());
        Assert.Contains("drover plans show ring repair --watch", repair.Out, StringComparison.Ordinal);
        Assert.True(cleanup.Exit == ExitCodes.Ok, cleanup.ToString());
        Assert.True(deploy.Exit == ExitCodes.Ok, deploy.ToString());
        Assert.True(stop.Exit == ExitCodes.Ok, stop.ToString());
        Assert.Equal(["dataset dr 250", "repair ring", "cleanup ring [ring-0,ring-1] shop", "version - '1.1.5'", "version qb ''"],
            api.Scheduler.Calls.Where(c => !c.StartsWith("put", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task BadInput_IsAUsageError_WrongKindAConflict_NothingApplied()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Drill());
        api.Scheduler.Seed(Samples.Ring());

        var notANumber = await CliRunner.RunAsync(api, "dataset", "dr", "lots");
        var negative = await CliRunner.RunAsync(api, "dataset", "dr", "--", "-5");
        var wrongKind = await CliRunner.RunAsync(api, "repair", "dr");
        var missing = await CliRunner.RunAsync(api, "dataset", "nope", "10");
        var both = await CliRunner.RunAsync(api, "version", "1.0", "--stop");

        Assert.Equal(ExitCodes.Usage, notANumber.Exit);
        Assert.True(negative.Exit == ExitCodes.Usage, negative.ToString());
        Assert.Contains("size_mb", negative.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Conflict, wrongKind.Exit);
        Assert.Equal(ExitCodes.NotFound, missing.Exit);
        Assert.Equal(ExitCodes.Usage, both.Exit);
        Assert.Empty(api.Scheduler.Calls);
    }
}
