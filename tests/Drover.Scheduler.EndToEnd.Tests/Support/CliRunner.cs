using Drover.Cli;

namespace Drover.Scheduler.EndToEnd.Tests.Support;

/// <summary>One run of the <c>drover</c> command line (its real handlers, in process) against a scheduler, and what it printed.</summary>
public sealed record CliRun(int Exit, string Out, string Err)
{
    public override string ToString() => $"exit {Exit}\n--- stdout\n{Out}--- stderr\n{Err}";
}

public static class CliRunner
{
    /// <summary>The scheduler's URL from the environment, as an operator's shell gives it.</summary>
    public static async Task<CliRun> RunAsync(SchedulerProcess scheduler, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var environment = new Dictionary<string, string> { ["DROVER_URL"] = scheduler.Url.ToString().TrimEnd('/') };
        var host = new CliHost(output, error, interactive: false, width: 200)
        {
            Environment = name => environment.GetValueOrDefault(name),
            PollInterval = TimeSpan.FromMilliseconds(100),
        };
        var exit = await CliApp.RunAsync(args, host);
        return new CliRun(exit, output.ToString(), error.ToString());
    }
}
