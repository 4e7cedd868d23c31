using System.CommandLine;
using Drover.Cli.Api;
using Spectre.Console;

namespace Drover.Cli.Commands;

/// <summary><c>drover nodes list|show|restart|replace</c>.</summary>
internal static class NodeCommands
{
    public static Command Build(CliHost host)
    {
        var nodes = new Command("nodes", "A cluster's nodes: state, health, agent, endpoints; restart or replace one");
        nodes.Aliases.Add("node");
        var cluster = new Argument<string>("cluster") { Description = "The cluster" };
        var node = new Argument<string>("node") { Description = "The node, e.g. ring-0" };

        var list = new Command("list", "Every node of the cluster") { cluster };
        list.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var (answer, json) = await s.Api.GetAsync(ApiClient.PathOf("v1", "clusters", parse.GetRequiredValue(cluster), "nodes"), WireJsonContext.Default.NodeListInfo, c).ConfigureAwait(false);
            if (s.Json)
            {
                s.WriteJson(json);
            }
            else
            {
                s.Console.Write(Table(answer.Nodes));
            }

            return ExitCodes.Ok;
        }));
        nodes.Subcommands.Add(list);

        var show = new Command("show", "One node, with its task and agent") { cluster, node };
        show.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var (info, json) = await s.Api.GetAsync(ApiClient.PathOf("v1", "clusters", parse.GetRequiredValue(cluster), "nodes", parse.GetRequiredValue(node)), WireJsonContext.Default.NodeInfo, c).ConfigureAwait(false);
            if (s.Json)
            {
                s.WriteJson(json);
                return ExitCodes.Ok;
            }

            var grid = new Grid().AddColumn().AddColumn();
            grid.AddRow(Output.Cell("node"), Output.Cell(info.Name));
            grid.AddRow(Output.Cell("state"), Output.State(info.Phase));
            grid.AddRow(Output.Cell("goal"), Output.Cell(info.Goal));
            grid.AddRow(Output.Cell("health"), Output.Health(info.Healthy));
            grid.AddRow(Output.Cell("task"), Output.Cell($"{info.TaskId} {info.TaskState}".Trim()));
            grid.AddRow(Output.Cell("agent"), Output.Cell($"{info.Hostname} {info.AgentId}".Trim()));
            grid.AddRow(Output.Cell("endpoints"), Output.Cell(Output.Endpoints(info.Endpoints)));
            grid.AddRow(Output.Cell("generation"), Output.Cell(info.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            grid.AddRow(Output.Cell("failures"), Output.Cell(info.Failures.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            grid.AddRow(Output.Cell("message"), Output.Cell(info.Message));
            s.Console.Write(grid);
            return ExitCodes.Ok;
        }));
        nodes.Subcommands.Add(show);

        nodes.Subcommands.Add(Action(host, "restart", "Kill the node's task and start it again in place, on its reservation and volume", cluster, node, "is restarting in place"));
        nodes.Subcommands.Add(Action(host, "replace", "Run the node elsewhere now (its old reservation is released once its agent is back or gone)", cluster, node, "is being replaced"));
        return nodes;
    }

    public static Table Table(IEnumerable<NodeInfo> nodes)
    {
        var table = Output.Table("NODE", "STATE", "GOAL", "HEALTH", "AGENT", "ENDPOINTS", "TASK", "MESSAGE");
        foreach (var node in nodes.OrderBy(n => n.Index))
        {
            table.AddRow(
                Output.Cell(node.Name),
                Output.State(node.Phase),
                Output.Cell(node.Goal),
                Output.Health(node.Healthy),
                Output.Cell(node.Hostname),
                Output.Cell(Output.Endpoints(node.Endpoints)),
                Output.Cell(node.TaskState),
                Output.Cell(node.Message));
        }

        return table;
    }

    private static Command Action(CliHost host, string verb, string description, Argument<string> cluster, Argument<string> node, string done)
    {
        var command = new Command(verb, description) { cluster, node };
        command.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var clusterName = parse.GetRequiredValue(cluster);
            var nodeName = parse.GetRequiredValue(node);
            var answer = await s.Api.SendAsync(HttpMethod.Post, ApiClient.PathOf("v1", "clusters", clusterName, "nodes", nodeName, verb), null, c).ConfigureAwait(false);
            return ClusterCommands.Done(s, answer, $"Node {nodeName} {done}");
        }));
        return command;
    }
}
