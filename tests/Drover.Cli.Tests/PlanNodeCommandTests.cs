using Drover.Scheduler.Api.Tests.Fakes;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;

namespace Drover.Cli.Tests;

public class PlanNodeCommandTests
{
    [Fact]
    public async Task Plans_ShowIsATreeOfSteps()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring(), running: false);
        api.Scheduler.MarkStep("ring", "deploy", "ring-0", StepStatus.Complete);
        api.Scheduler.MarkStep("ring", "deploy", "ring-1", StepStatus.InProgress);

        var run = await CliRunner.RunAsync(api, "plans", "show", "ring", "deploy");
        var list = await CliRunner.RunAsync(api, "plans", "list", "ring");

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        Assert.Contains("deploy IN_PROGRESS 1/3 steps", run.Out, StringComparison.Ordinal);
        Assert.Contains("nodes (serial) IN_PROGRESS", run.Out, StringComparison.Ordinal);
        Assert.Contains("ring-0 COMPLETE", run.Out, StringComparison.Ordinal);
        Assert.Contains("ring-1 IN_PROGRESS", run.Out, StringComparison.Ordinal);
        Assert.Contains("ring-2 PENDING", run.Out, StringComparison.Ordinal);
        Assert.Contains(list.Out.Split('\n'), l => l.Contains("deploy", StringComparison.Ordinal) && l.Contains("IN_PROGRESS", StringComparison.Ordinal) && l.Contains("1/3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plans_InterruptAndContinue()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring(), running: false);

        var interrupt = await CliRunner.RunAsync(api, "plans", "interrupt", "ring", "deploy");
        var shown = await CliRunner.RunAsync(api, "plans", "show", "ring", "deploy", "--json");
        var resume = await CliRunner.RunAsync(api, "plans", "continue", "ring", "deploy");
        var unknown = await CliRunner.RunAsync(api, "plans", "interrupt", "ring", "upgrade");

        Assert.True(interrupt.Exit == ExitCodes.Ok, interrupt.ToString());
        Assert.Contains("\"status\":\"INTERRUPTED\"", shown.Out, StringComparison.Ordinal);
        Assert.True(resume.Exit == ExitCodes.Ok, resume.ToString());
        Assert.Equal(ExitCodes.NotFound, unknown.Exit);
        Assert.Equal(["interrupt ring deploy", "continue ring deploy"], api.Scheduler.Calls);
    }

    [Fact]
    public async Task Plans_RestartStep()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring());

        var run = await CliRunner.RunAsync(api, "plans", "restart-step", "ring", "deploy", "nodes", "ring-1");

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        Assert.Equal(["restart-step ring deploy nodes ring-1"], api.Scheduler.Calls);
    }

    [Fact]
    public async Task Plans_WatchAStepInError_ExitsFailed()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring(), running: false);
        api.Scheduler.OnSnapshot = fake => fake.MarkStep("ring", "deploy", "ring-0", StepStatus.Error);

        var run = await CliRunner.RunAsync(api, "plans", "show", "ring", "--watch");

        Assert.Equal(ExitCodes.Failed, run.Exit);
        Assert.Contains("deploy/nodes/ring-0: ERROR", run.Out, StringComparison.Ordinal);
        Assert.Contains("Plan deploy of ring: ERROR", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nodes_ListShowsStateHealthAgentEndpoints()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());
        api.Scheduler.Edit("web", "web-2", n => n with { Healthy = false, Message = "http check failed" });

        var run = await CliRunner.RunAsync(api, "nodes", "list", "web");

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        var lines = run.Out.Split('\n');
        Assert.Contains(lines, l => l.Contains("NODE", StringComparison.Ordinal) && l.Contains("ENDPOINTS", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("web-0", StringComparison.Ordinal) && l.Contains("RUNNING", StringComparison.Ordinal)
            && l.Contains("healthy", StringComparison.Ordinal) && l.Contains("agent-1.example", StringComparison.Ordinal) && l.Contains("admin agent-1.example:9990", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("web-2", StringComparison.Ordinal) && l.Contains("unhealthy", StringComparison.Ordinal) && l.Contains("http check failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Nodes_RestartReplace_AndConflicts()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());
        api.Scheduler.Edit("web", "web-2", n => n with { Phase = NodePhase.Lost });

        var restart = await CliRunner.RunAsync(api, "nodes", "restart", "web", "web-0");
        var lost = await CliRunner.RunAsync(api, "nodes", "restart", "web", "web-2");
        var replace = await CliRunner.RunAsync(api, "nodes", "replace", "web", "web-2");
        var unknown = await CliRunner.RunAsync(api, "nodes", "replace", "web", "web-9");

        Assert.True(restart.Exit == ExitCodes.Ok, restart.ToString());
        Assert.Equal(ExitCodes.Conflict, lost.Exit);
        Assert.True(replace.Exit == ExitCodes.Ok, replace.ToString());
        Assert.Equal(ExitCodes.NotFound, unknown.Exit);
        Assert.Equal(["restart web web-0", "replace web web-2"], api.Scheduler.Calls);
    }

    [Fact]
    public async Task Admin_RunWait_ShowsTheReply()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring());
        api.Scheduler.OnSnapshot = fake =>
        {
            foreach (var id in fake.Unanswered())
            {
                fake.Reply(id, AdminOperationState.Succeeded, "Repair of keyspace shop: 256 ranges\n");
            }
        };

        var run = await CliRunner.RunAsync(api, "admin", "run", "ring", "ring-1", "repair", "--arg", "keyspace=shop", "--wait");
        var list = await CliRunner.RunAsync(api, "admin", "list");

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        Assert.Contains("repair on ring/ring-1: SUCCEEDED", run.Out, StringComparison.Ordinal);
        Assert.Contains("256 ranges", run.Out, StringComparison.Ordinal);
        Assert.Equal("shop", api.Scheduler.Snapshot().AdminOperations.Single().Arguments["keyspace"]);
        Assert.Contains(list.Out.Split('\n'), l => l.Contains("admin-0001", StringComparison.Ordinal) && l.Contains("SUCCEEDED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Admin_RunWait_FailedReplyExitsFailed()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring());
        api.Scheduler.OnSnapshot = fake =>
        {
            foreach (var id in fake.Unanswered())
            {
                fake.Reply(id, AdminOperationState.Failed, "nodetool: connection refused");
            }
        };

        var run = await CliRunner.RunAsync(api, "admin", "run", "ring", "ring-1", "cleanup", "--wait");

        Assert.Equal(ExitCodes.Failed, run.Exit);
        Assert.Contains("FAILED", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_Run_WithoutWaitPrintsTheRequest_BadArgumentIsUsage()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring());

        var run = await CliRunner.RunAsync(api, "admin", "run", "ring", "ring-0", "status");
        var bad = await CliRunner.RunAsync(api, "admin", "run", "ring", "ring-0", "repair", "--arg", "novalue");
        var badName = await CliRunner.RunAsync(api, "admin", "run", "ring", "ring-0", "Repair!");

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        Assert.Contains("request admin-0001", run.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, bad.Exit);
        Assert.Equal(ExitCodes.Usage, badName.Exit);
        Assert.Contains("operation", badName.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoints_TableAndOnePortForScripts()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring());

        var table = await CliRunner.RunAsync(api, "endpoints", "ring");
        var native = await CliRunner.RunAsync(api, "endpoints", "ring", "--port", "native");

        Assert.True(table.Exit == ExitCodes.Ok, table.ToString());
        Assert.Contains("jmx agent-1.example:", table.Out, StringComparison.Ordinal);
        Assert.Equal(["agent-1.example:9042", "agent-2.example:9042", "agent-3.example:9042"], native.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Status_ShowsTheSubscription()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring());
        api.Scheduler.SetOffers(new OfferCounters { Received = 10, Used = 3, Declined = 7 });

        var run = await CliRunner.RunAsync(api, "status");

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        Assert.Contains("SUBSCRIBED", run.Out, StringComparison.Ordinal);
        Assert.Contains("10 received, 3 used, 7 declined", run.Out, StringComparison.Ordinal);
        Assert.Contains("ring (3/3 running)", run.Out, StringComparison.Ordinal);
    }
}
