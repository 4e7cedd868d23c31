using Drover.Scheduler.Api.Tests.Fakes;

namespace Drover.Cli.Tests;

/// <summary>One run of the <c>drover</c> command line (its real handlers, in process) and what it printed.</summary>
public sealed record CliRun(int Exit, string Out, string Err)
{
    public override string ToString() => $"exit {Exit}\n--- stdout\n{Out}--- stderr\n{Err}";
}

public static class CliRunner
{
    /// <summary>Runs against <paramref name="api"/>: the URL and the token from the environment, as an operator's shell gives them.</summary>
    public static Task<CliRun> RunAsync(TestApi api, params string[] args) =>
        RunAsync(new Dictionary<string, string> { ["DROVER_URL"] = api.Url.ToString(), ["DROVER_TOKEN"] = TestApi.Token }, null, args);

    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string> environment, string? input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var host = new CliHost(output, error, interactive: false, width: 200)
        {
            Environment = name => environment.GetValueOrDefault(name),
            Input = new StringReader(input ?? ""),
            PollInterval = TimeSpan.FromMilliseconds(20),
        };
        var exit = await CliApp.RunAsync(args, host);
        return new CliRun(exit, output.ToString(), error.ToString());
    }
}
