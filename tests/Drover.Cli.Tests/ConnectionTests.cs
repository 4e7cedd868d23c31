using System.Text.Json;
using Drover.Scheduler.Api.Tests.Fakes;
using Drover.Testing;

namespace Drover.Cli.Tests;

/// <summary>Where the CLI connects, with which token, and the exit codes of everything that can go wrong on the way.</summary>
public class ConnectionTests
{
    [Fact]
    public async Task NoToken_IsUnauthorized()
    {
        await using var api = await TestApi.StartAsync();

        var run = await CliRunner.RunAsync(new Dictionary<string, string> { ["DROVER_URL"] = api.Url.ToString() }, null, "clusters", "list");

        Assert.Equal(ExitCodes.Unauthorized, run.Exit);
        Assert.Contains("DROVER_TOKEN", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenFile_FlagOrEnvironment_IsUsed_WrongTokenIsUnauthorized()
    {
        await using var api = await TestApi.StartAsync();
        using var good = new TempFile(TestApi.Token + "\n");
        using var wrong = new TempFile("not-the-token-0123456789\n");
        var url = new Dictionary<string, string> { ["DROVER_URL"] = api.Url.ToString() };

        var flag = await CliRunner.RunAsync(url, null, "clusters", "list", "--token-file", good.Path);
        var environment = await CliRunner.RunAsync(new Dictionary<string, string>(url) { ["DROVER_TOKEN_FILE"] = good.Path }, null, "clusters", "list");
        var refused = await CliRunner.RunAsync(url, null, "--token-file", wrong.Path, "clusters", "list");
        var missing = await CliRunner.RunAsync(url, null, "clusters", "list", "--token-file", "/nonexistent/token");

        Assert.True(flag.Exit == ExitCodes.Ok, flag.ToString());
        Assert.True(environment.Exit == ExitCodes.Ok, environment.ToString());
        Assert.Equal(ExitCodes.Unauthorized, refused.Exit);
        Assert.Equal(ExitCodes.Usage, missing.Exit);
    }

    [Fact]
    public async Task UrlFlag_WinsOverTheEnvironment()
    {
        await using var api = await TestApi.StartAsync();
        var environment = new Dictionary<string, string> { ["DROVER_URL"] = "http://127.0.0.1:1", ["DROVER_TOKEN"] = TestApi.Token };

        var run = await CliRunner.RunAsync(environment, null, "--url", api.Url.ToString(), "clusters", "list");

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
    }

    [Fact]
    public async Task NothingListening_IsUnreachable()
    {
        var port = FreePort.Next();

        var run = await CliRunner.RunAsync(new Dictionary<string, string> { ["DROVER_URL"] = $"http://127.0.0.1:{port}" }, null, "clusters", "list");

        Assert.Equal(ExitCodes.Unreachable, run.Exit);
        Assert.Contains("cannot reach the scheduler", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoopNotAnswering_IsUnavailable()
    {
        await using var api = await TestApi.StartAsync(operationTimeout: TimeSpan.FromMilliseconds(300));
        api.Scheduler.Seed(Samples.Web());
        api.Scheduler.Stall = new TaskCompletionSource();

        var run = await CliRunner.RunAsync(api, "clusters", "scale", "web", "4");

        Assert.Equal(ExitCodes.Unavailable, run.Exit);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("clusters", "show")]
    [InlineData("clusters", "scale", "web", "many")]
    [InlineData("clusters", "create")]
    [InlineData("--url", "ftp://scheduler", "clusters", "list")]
    [InlineData("--timeout", "0", "clusters", "list")]
    public async Task BadCommandLine_IsUsage(params string[] args)
    {
        await using var api = await TestApi.StartAsync();

        var run = await CliRunner.RunAsync(api, args);

        Assert.True(run.Exit == ExitCodes.Usage, run.ToString());
        Assert.NotEqual("", run.Err);
        Assert.Empty(api.Scheduler.Calls);
    }

    [Fact]
    public async Task Json_ErrorBodyGoesToStdout()
    {
        await using var api = await TestApi.StartAsync();

        var run = await CliRunner.RunAsync(api, "clusters", "show", "nope", "--json");

        Assert.Equal(ExitCodes.NotFound, run.Exit);
        using var json = JsonDocument.Parse(run.Out);
        Assert.Contains("nope", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsTheCommands()
    {
        await using var api = await TestApi.StartAsync();

        var run = await CliRunner.RunAsync(api, "--help");

        Assert.Equal(ExitCodes.Ok, run.Exit);
        foreach (var command in new[] { "clusters", "plans", "nodes", "admin", "endpoints", "status" })
        {
            Assert.Contains(command, run.Out, StringComparison.Ordinal);
        }
    }
}
