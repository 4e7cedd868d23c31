using System.CommandLine;
using System.Globalization;
using Drover.Cli.Api;

namespace Drover.Cli.Commands;

/// <summary><c>drover status</c>: the framework, its subscription to the master, offers, and a line per cluster.</summary>
internal static class StatusCommand
{
    public static Command Build(CliHost host)
    {
        var status = new Command("status", "The scheduler: framework, subscription, offers, clusters");
        status.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var (state, json) = await s.Api.GetAsync("/v1/state", WireJsonContext.Default.StateInfo, c).ConfigureAwait(false);
            if (s.Json)
            {
                s.WriteJson(json);
                return ExitCodes.Ok;
            }

            var grid = new Spectre.Console.Grid().AddColumn().AddColumn();
            grid.AddRow(Output.Cell("framework"), Output.Cell($"{state.Framework.Name} {state.Framework.Id} (role {state.Framework.Role}, {(state.Framework.Leader ? "leader" : "standby")})"));
            grid.AddRow(Output.Cell("subscription"), Output.State(state.Subscription.State));
            grid.AddRow(Output.Cell("master"), Output.Cell(state.Subscription.Master));
            grid.AddRow(Output.Cell("last heartbeat"), Output.Cell(state.Subscription.LastHeartbeat?.ToString("u", CultureInfo.InvariantCulture) ?? "never"));
            grid.AddRow(Output.Cell("offers"), Output.Cell($"{state.Offers.Received} received, {state.Offers.Used} used, {state.Offers.Declined} declined, {state.Offers.Rescinded} rescinded{(state.Subscription.Suppressed ? " (suppressed)" : "")}"));
            if (state.Subscription.Reconciling > 0)
            {
                grid.AddRow(Output.Cell("reconciling"), Output.Cell($"{state.Subscription.Reconciling} tasks"));
            }

            if (!string.IsNullOrEmpty(state.Subscription.Message))
            {
                grid.AddRow(Output.Cell("message"), Output.Cell(state.Subscription.Message));
            }

            grid.AddRow(Output.Cell("clusters"), Output.Cell(string.Join(", ", state.Clusters.Select(cl =>
                $"{cl.Name} ({cl.Nodes.Count(n => n.Phase == "RUNNING")}/{cl.Spec.Count ?? 0} running)"))));
            s.Console.Write(grid);
            return state.Subscription.State == "REFUSED" ? ExitCodes.Failed : ExitCodes.Ok;
        }));
        return status;
    }
}
