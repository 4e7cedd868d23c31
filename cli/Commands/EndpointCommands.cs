using System.CommandLine;
using Drover.Cli.Api;
using Spectre.Console;

namespace Drover.Cli.Commands;

/// <summary>
/// <c>drover endpoints CLUSTER [--port NAME]</c>: where clients reach the cluster, from the nodes' registry
/// records. With <c>--port</c> it prints one host:port a line, for scripts.
/// </summary>
internal static class EndpointCommands
{
    public static Command Build(CliHost host)
    {
        var cluster = new Argument<string>("cluster") { Description = "The cluster" };
        var port = new Option<string?>("--port", "-p") { Description = "Only this named port, one host:port a line" };
        var endpoints = new Command("endpoints", "Where clients reach a cluster: host:port per named port and per node") { cluster, port };
        endpoints.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var path = ApiClient.PathOf("v1", "clusters", parse.GetRequiredValue(cluster), "endpoints");
            var only = parse.GetValue(port);
            if (only is not null)
            {
                path += "?port=" + Uri.EscapeDataString(only);
            }

            var (answer, json) = await s.Api.GetAsync(path, WireJsonContext.Default.EndpointsInfo, c).ConfigureAwait(false);
            if (s.Json)
            {
                s.WriteJson(json);
                return ExitCodes.Ok;
            }

            if (only is not null)
            {
                foreach (var address in answer.Ports.GetValueOrDefault(only) ?? [])
                {
                    s.Host.Output.WriteLine(address);
                }

                return ExitCodes.Ok;
            }

            var table = Output.Table("NODE", "STATE", "HEALTH", "HOST", "ENDPOINTS");
            foreach (var node in answer.Nodes)
            {
                table.AddRow(Output.Cell(node.Node), Output.State(node.Phase), Output.Health(node.Healthy), Output.Cell(node.Hostname), Output.Cell(Output.Endpoints(node.Endpoints)));
            }

            s.Console.Write(table);
            return ExitCodes.Ok;
        }));
        return endpoints;
    }
}
