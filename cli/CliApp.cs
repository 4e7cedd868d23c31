using System.CommandLine;
using Drover.Cli.Commands;

namespace Drover.Cli;

/// <summary>
/// The <c>drover</c> command line: builds the commands, parses, runs, and turns every failure into its message on
/// stderr and its exit code (<see cref="ExitCodes"/>). Tests call <see cref="RunAsync"/> with their own host.
/// </summary>
public static class CliApp
{
    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var root = new RootCommand("drover: operate Drover clusters through the scheduler's API (tables; --json for scripts)");
        GlobalOptions.AddTo(root);
        root.Subcommands.Add(StatusCommand.Build(host));
        root.Subcommands.Add(ClusterCommands.Build(host));
        root.Subcommands.Add(PlanCommands.Build(host));
        root.Subcommands.Add(NodeCommands.Build(host));
        root.Subcommands.Add(AdminCommands.Build(host));
        root.Subcommands.Add(EndpointCommands.Build(host));
        foreach (var command in ServiceCommands.Build(host))
        {
            root.Subcommands.Add(command);
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await host.Error.WriteLineAsync($"drover: {error.Message}").ConfigureAwait(false);
            }

            await host.Error.WriteLineAsync("Run 'drover --help' (or 'drover COMMAND --help') for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = host.Output, Error = host.Error, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            if (parse.GetValue(GlobalOptions.Json) && e.Body is { } body)
            {
                await host.Output.WriteLineAsync(body).ConfigureAwait(false);
            }

            await host.Error.WriteLineAsync($"drover: {e.Message}").ConfigureAwait(false);
            foreach (var detail in e.Details)
            {
                await host.Error.WriteLineAsync($"  {detail}").ConfigureAwait(false);
            }

            return e.ExitCode;
        }
    }
}
