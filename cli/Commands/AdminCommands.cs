using System.CommandLine;
using System.Text.Json;
using Drover.Cli.Api;
using Spectre.Console;

namespace Drover.Cli.Commands;

/// <summary>
/// <c>drover admin run|list|show</c>: a personality's admin operation (repair, cleanup, ...) sent to a node's
/// executor; the executor's reply shows once it came (<c>run --wait</c> waits for it).
/// </summary>
internal static class AdminCommands
{
    public static Command Build(CliHost host)
    {
        var admin = new Command("admin", "Admin operations on nodes (sent to the node's executor) and their replies");
        var cluster = new Argument<string>("cluster") { Description = "The cluster" };
        var node = new Argument<string>("node") { Description = "The node" };
        var operation = new Argument<string>("operation") { Description = "The personality's operation, e.g. repair, cleanup, status" };
        var arguments = new Option<string[]>("--arg", "-a") { Description = "An argument of the operation, name=value (repeat for more)", AllowMultipleArgumentsPerToken = false };
        var wait = new Option<bool>("--wait") { Description = "Wait for the executor's reply (exit 1 unless it SUCCEEDED)" };

        var run = new Command("run", "Send an admin operation to a node") { cluster, node, operation, arguments, wait };
        run.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var body = new AdminBody(parse.GetRequiredValue(operation), ParseArguments(parse.GetValue(arguments) ?? []));
            var path = ApiClient.PathOf("v1", "clusters", parse.GetRequiredValue(cluster), "nodes", parse.GetRequiredValue(node), "admin");
            var answer = await s.Api.SendAsync(HttpMethod.Post, path, JsonSerializer.SerializeToUtf8Bytes(body, CliJsonContext.Default.AdminBody), c).ConfigureAwait(false);
            var id = JsonSerializer.Deserialize(answer.Json, WireJsonContext.Default.ResultInfo)?.RequestId ?? "";
            if (!parse.GetValue(wait))
            {
                return ClusterCommands.Done(s, answer, $"Sent {body.Operation} to {parse.GetRequiredValue(node)}: request {id}; see it with: drover admin show {id}");
            }

            s.Say($"Sent {body.Operation} to {parse.GetRequiredValue(node)} (request {id}); waiting for the reply");
            while (true)
            {
                var (reply, json) = await s.Api.GetAsync(ApiClient.PathOf("v1", "admin", id), WireJsonContext.Default.AdminInfo, c).ConfigureAwait(false);
                if (reply.State is not ("PENDING" or "SENT"))
                {
                    Show(s, reply, json);
                    return reply.State == "SUCCEEDED" ? ExitCodes.Ok : ExitCodes.Failed;
                }

                await Task.Delay(s.Host.PollInterval, c).ConfigureAwait(false);
            }
        }));
        admin.Subcommands.Add(run);

        var filter = new Option<string?>("--cluster") { Description = "Only this cluster's operations" };
        var list = new Command("list", "The admin operations the scheduler remembers, with their state") { filter };
        list.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var path = parse.GetValue(filter) is { } only ? $"/v1/admin?cluster={Uri.EscapeDataString(only)}" : "/v1/admin";
            var (answer, json) = await s.Api.GetAsync(path, WireJsonContext.Default.AdminListInfo, c).ConfigureAwait(false);
            if (s.Json)
            {
                s.WriteJson(json);
                return ExitCodes.Ok;
            }

            var table = Output.Table("REQUEST", "NODE", "OPERATION", "STATE", "REQUESTED", "OUTPUT");
            foreach (var op in answer.Operations)
            {
                table.AddRow(
                    Output.Cell(op.RequestId),
                    Output.Cell($"{op.Cluster}/{op.Node}"),
                    Output.Cell(op.Operation),
                    Output.State(op.State),
                    Output.Cell(op.Requested.ToString("u", System.Globalization.CultureInfo.InvariantCulture)),
                    Output.Cell(FirstLine(op.Output)));
            }

            s.Console.Write(table);
            return ExitCodes.Ok;
        }));
        admin.Subcommands.Add(list);

        var id = new Argument<string>("request") { Description = "The request id that run printed" };
        var show = new Command("show", "One admin operation with the executor's full output") { id };
        show.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var (reply, json) = await s.Api.GetAsync(ApiClient.PathOf("v1", "admin", parse.GetRequiredValue(id)), WireJsonContext.Default.AdminInfo, c).ConfigureAwait(false);
            Show(s, reply, json);
            return ExitCodes.Ok;
        }));
        admin.Subcommands.Add(show);
        return admin;
    }

    private static void Show(Session session, AdminInfo reply, string json)
    {
        if (session.Json)
        {
            session.WriteJson(json);
            return;
        }

        session.Console.Write(new Paragraph()
            .Append($"{reply.RequestId} {reply.Operation} on {reply.Cluster}/{reply.Node}: ")
            .Append(reply.State, new Style(Output.Colour(reply.State)))
            .Append("\n"));
        if (!string.IsNullOrEmpty(reply.Output))
        {
            session.Console.Write(new Text(reply.Output.EndsWith('\n') ? reply.Output : reply.Output + "\n"));
        }
    }

    private static Dictionary<string, string> ParseArguments(string[] pairs)
    {
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliException(ExitCodes.Usage, $"--arg {pair}: give name=value");
            }

            arguments[pair[..equals]] = pair[(equals + 1)..];
        }

        return arguments;
    }

    private static string? FirstLine(string? text) => text is null ? null : text.Split('\n', 2)[0];
}
