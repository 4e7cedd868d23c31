using System.Text.Json;
using Drover.Scheduler.Api.Tests.Fakes;

namespace Drover.Cli.Tests;

public class ClusterCommandTests
{
    [Fact]
    public async Task List_IsATable()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());
        api.Scheduler.Seed(Samples.Ring(), running: false);

        var run = await CliRunner.RunAsync(api, "clusters", "list");

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        var lines = run.Out.Split('\n');
        Assert.Contains(lines, l => l.Contains("CLUSTER", StringComparison.Ordinal) && l.Contains("KIND", StringComparison.Ordinal) && l.Contains("HEALTHY", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("web", StringComparison.Ordinal) && l.Contains("GENERIC", StringComparison.Ordinal) && l.Contains("3/3", StringComparison.Ordinal) && l.Contains("deploy COMPLETE", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("ring", StringComparison.Ordinal) && l.Contains("CASSANDRA", StringComparison.Ordinal) && l.Contains("deploy PENDING", StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_Json_IsTheApisJson()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        var run = await CliRunner.RunAsync(api, "clusters", "list", "--json");

        Assert.Equal(ExitCodes.Ok, run.Exit);
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal("web", json.RootElement.GetProperty("clusters")[0].GetProperty("name").GetString());
        Assert.Equal("", run.Err);
    }

    [Fact]
    public async Task Show_HasNodesAndPlanTree()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        var run = await CliRunner.RunAsync(api, "clusters", "show", "web");

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        Assert.Contains("web: GENERIC 1.0, 3 of 3 nodes", run.Out, StringComparison.Ordinal);
        Assert.Contains("agent-2.example", run.Out, StringComparison.Ordinal);
        Assert.Contains("deploy COMPLETE 3/3 steps", run.Out, StringComparison.Ordinal);
        Assert.Contains("web-2 COMPLETE", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_FromFile_ThenAgainIsAConflict_UpdateChanges()
    {
        await using var api = await TestApi.StartAsync();
        using var spec = new TempFile(Samples.WebJson);
        using var bigger = new TempFile(Samples.WebJsonWith("web", 5));

        var create = await CliRunner.RunAsync(api, "clusters", "create", "-f", spec.Path);
        var again = await CliRunner.RunAsync(api, "clusters", "create", "-f", spec.Path);
        var update = await CliRunner.RunAsync(api, "clusters", "update", "-f", bigger.Path);

        Assert.True(create.Exit == ExitCodes.Ok, create.ToString());
        Assert.Contains("Cluster web created", create.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Conflict, again.Exit);
        Assert.Contains("exists", again.Err, StringComparison.Ordinal);
        Assert.True(update.Exit == ExitCodes.Ok, update.ToString());
        Assert.Equal(["put web", "put web"], api.Scheduler.Calls);
        Assert.Equal(5, api.Scheduler.Snapshot().Clusters.Single().Spec.Count);
    }

    [Fact]
    public async Task Update_UnknownCluster_IsNotFound()
    {
        await using var api = await TestApi.StartAsync();
        using var spec = new TempFile(Samples.WebJson);

        var run = await CliRunner.RunAsync(api, "clusters", "update", "-f", spec.Path);

        Assert.Equal(ExitCodes.NotFound, run.Exit);
        Assert.Empty(api.Scheduler.Calls);
    }

    [Fact]
    public async Task Create_InvalidSpec_IsUsageWithTheFieldsTheApiNamed()
    {
        await using var api = await TestApi.StartAsync();
        using var spec = new TempFile(Samples.WebJson.Replace("\"cpus\":0.5", "\"cpus\":9999", StringComparison.Ordinal).Replace("\"mem\":256", "\"mem\":\"lots\"", StringComparison.Ordinal));
        using var outOfRange = new TempFile(Samples.WebJson.Replace("\"cpus\":0.5", "\"cpus\":9999", StringComparison.Ordinal));

        var wrongType = await CliRunner.RunAsync(api, "clusters", "create", "-f", spec.Path);
        var tooBig = await CliRunner.RunAsync(api, "clusters", "create", "-f", outOfRange.Path);

        Assert.Equal(ExitCodes.Usage, wrongType.Exit);
        Assert.Contains("resources.mem", wrongType.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, tooBig.Exit);
        Assert.Contains("resources.cpus", tooBig.Err, StringComparison.Ordinal);
        Assert.Empty(api.Scheduler.Calls);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"kind":"GENERIC"}""")]
    [InlineData("""["web"]""")]
    public async Task Create_FileThatIsNoSpec_IsUsage(string text)
    {
        await using var api = await TestApi.StartAsync();
        using var spec = new TempFile(text);

        var run = await CliRunner.RunAsync(api, "clusters", "create", "-f", spec.Path);

        Assert.Equal(ExitCodes.Usage, run.Exit);
        Assert.Empty(api.Scheduler.Calls);
    }

    [Fact]
    public async Task Create_MissingFile_IsUsage()
    {
        await using var api = await TestApi.StartAsync();

        var run = await CliRunner.RunAsync(api, "clusters", "create", "-f", "/nonexistent/spec.json");

        Assert.Equal(ExitCodes.Usage, run.Exit);
        Assert.Contains("/nonexistent/spec.json", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_FromStdin_Works()
    {
        await using var api = await TestApi.StartAsync();

        var run = await CliRunner.RunAsync(new Dictionary<string, string> { ["DROVER_URL"] = api.Url.ToString(), ["DROVER_TOKEN"] = TestApi.Token }, Samples.WebJson,
            "clusters", "create", "-f", "-");

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        Assert.Equal(["put web"], api.Scheduler.Calls);
    }

    [Fact]
    public async Task Create_Watch_FollowsTheDeployToTheEnd()
    {
        await using var api = await TestApi.StartAsync();
        using var spec = new TempFile(Samples.WebJson);
        var looks = 0;
        // Every fourth look at the state completes one step: the CLI sees the deploy move.
        api.Scheduler.OnSnapshot = fake =>
        {
            if (fake.HasCluster("web") && ++looks % 4 == 0 && fake.NextStep("web", "deploy") is { } step)
            {
                fake.MarkStep("web", "deploy", step, Scheduler.Plans.StepStatus.Complete);
            }
        };

        var run = await CliRunner.RunAsync(api, "clusters", "create", "-f", spec.Path, "--watch");

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        Assert.Contains("deploy/nodes/web-0: PENDING", run.Out, StringComparison.Ordinal);
        Assert.Contains("deploy/nodes/web-2: COMPLETE", run.Out, StringComparison.Ordinal);
        Assert.Contains("Plan deploy of web: COMPLETE (3/3 steps)", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scale_ChangesTheCount_UnknownIsNotFound()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        var scale = await CliRunner.RunAsync(api, "clusters", "scale", "web", "5");
        var unknown = await CliRunner.RunAsync(api, "clusters", "scale", "nope", "5");
        var negative = await CliRunner.RunAsync(api, "clusters", "scale", "web", "-3");

        Assert.True(scale.Exit == ExitCodes.Ok, scale.ToString());
        Assert.Equal(ExitCodes.NotFound, unknown.Exit);
        Assert.Contains("no cluster named 'nope'", unknown.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, negative.Exit);
        Assert.Equal(["scale web 5"], api.Scheduler.Calls);
    }

    [Fact]
    public async Task Delete_WithoutYesAndNoTerminal_RefusesAndDeletesNothing()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        var refused = await CliRunner.RunAsync(api, "clusters", "delete", "web");
        var deleted = await CliRunner.RunAsync(api, "clusters", "delete", "web", "--yes");
        var again = await CliRunner.RunAsync(api, "clusters", "delete", "web", "--yes");

        Assert.Equal(ExitCodes.Usage, refused.Exit);
        Assert.Contains("--yes", refused.Err, StringComparison.Ordinal);
        Assert.True(deleted.Exit == ExitCodes.Ok, deleted.ToString());
        Assert.Equal(ExitCodes.Conflict, again.Exit);
        Assert.Equal(["delete web"], api.Scheduler.Calls);
    }
}

/// <summary>A file with the given text, deleted at the end of the test.</summary>
internal sealed class TempFile : IDisposable
{
    public TempFile(string text)
    {
        Path = System.IO.Path.GetTempFileName();
        File.WriteAllText(Path, text);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
