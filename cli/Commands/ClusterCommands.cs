using System.CommandLine;
using System.Text.Json;
using Drover.Cli.Api;
using Spectre.Console;

namespace Drover.Cli.Commands;

/// <summary><c>drover clusters list|show|create|update|scale|delete</c>.</summary>
internal static class ClusterCommands
{
    /// <summary>A spec is a few KB; the scheduler takes at most 256 KB.</summary>
    private const int MaxSpecFileBytes = 1024 * 1024;

    public static Command Build(CliHost host)
    {
        var clusters = new Command("clusters", "Create, list, show, scale and delete clusters");
        clusters.Aliases.Add("cluster");

        var list = new Command("list", "The clusters, their nodes' state and their plans");
        list.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, ListAsync));
        clusters.Subcommands.Add(list);

        var name = new Argument<string>("name") { Description = "The cluster" };
        var show = new Command("show", "One cluster: its spec, nodes and plans") { name };
        show.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, (s, c) => ShowAsync(s, parse.GetRequiredValue(name), c)));
        clusters.Subcommands.Add(show);

        clusters.Subcommands.Add(Put(host, create: true));
        clusters.Subcommands.Add(Put(host, create: false));

        var count = new Argument<int>("count") { Description = "How many nodes the cluster should have" };
        var scale = new Command("scale", "Set the number of nodes (scaling down removes the highest-numbered nodes, each through its leave operation)") { name, count };
        scale.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var cluster = parse.GetRequiredValue(name);
            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, int> { ["count"] = parse.GetValue(count) }, CliJsonContext.Default.DictionaryStringInt32);
            var answer = await s.Api.SendAsync(HttpMethod.Post, ApiClient.PathOf("v1", "clusters", cluster, "scale"), body, c).ConfigureAwait(false);
            return Done(s, answer, $"Cluster {cluster} scales to {parse.GetValue(count)} nodes; follow it with: drover plans show {cluster} --watch");
        }));
        clusters.Subcommands.Add(scale);

        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var delete = new Command("delete", "Delete the cluster: every node leaves, every reservation and volume is released") { name, yes };
        delete.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var cluster = parse.GetRequiredValue(name);
            if (!parse.GetValue(yes))
            {
                Confirm(s, cluster);
            }

            var answer = await s.Api.SendAsync(HttpMethod.Delete, ApiClient.PathOf("v1", "clusters", cluster), null, c).ConfigureAwait(false);
            return Done(s, answer, $"Cluster {cluster} is being deleted");
        }));
        clusters.Subcommands.Add(delete);
        return clusters;
    }

    private static async Task<int> ListAsync(Session session, CancellationToken cancellation)
    {
        var (list, json) = await session.Api.GetAsync("/v1/clusters", WireJsonContext.Default.ClusterListInfo, cancellation).ConfigureAwait(false);
        if (session.Json)
        {
            session.WriteJson(json);
            return ExitCodes.Ok;
        }

        if (list.Clusters.Count == 0)
        {
            session.Console.WriteLine("No clusters. Create one with: drover clusters create -f spec.json");
            return ExitCodes.Ok;
        }

        var table = Output.Table("CLUSTER", "KIND", "VERSION", "NODES", "RUNNING", "HEALTHY", "PLANS", "GENERATION");
        foreach (var cluster in list.Clusters)
        {
            table.AddRow(
                Output.Cell(cluster.Name + (cluster.Deleting ? " (deleting)" : "")),
                Output.Cell(cluster.Kind),
                Output.Cell(cluster.Spec.Version),
                Output.Cell($"{cluster.Nodes.Count}/{cluster.Spec.Count ?? 0}"),
                Output.Cell(cluster.Nodes.Count(n => n.Phase == "RUNNING").ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Output.Cell(cluster.Nodes.Count(n => n.Healthy == true).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Output.Cell(string.Join(", ", cluster.Plans.Select(p => $"{p.Name} {p.Status}"))),
                Output.Cell(cluster.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        session.Console.Write(table);
        return ExitCodes.Ok;
    }

    private static async Task<int> ShowAsync(Session session, string name, CancellationToken cancellation)
    {
        var (cluster, json) = await session.Api.GetAsync(ApiClient.PathOf("v1", "clusters", name), WireJsonContext.Default.ClusterInfo, cancellation).ConfigureAwait(false);
        if (session.Json)
        {
            session.WriteJson(json);
            return ExitCodes.Ok;
        }

        session.Console.Write(new Text($"{cluster.Name}: {cluster.Kind} {cluster.Spec.Version}, {cluster.Nodes.Count} of {cluster.Spec.Count ?? 0} nodes, generation {cluster.Generation}{(cluster.Deleting ? ", being deleted" : "")}\n",
            new Style(decoration: Decoration.Bold)));
        session.Console.Write(NodeCommands.Table(cluster.Nodes));
        foreach (var plan in cluster.Plans)
        {
            session.Console.Write(PlanCommands.Tree(plan));
        }

        return ExitCodes.Ok;
    }

    /// <summary>create (refuses a cluster that exists) and update (refuses one that does not): both PUT the file.</summary>
    private static Command Put(CliHost host, bool create)
    {
        var file = new Option<string>("--file", "-f") { Description = "The cluster spec (JSON); - reads stdin", Required = true };
        var watch = new Option<bool>("--watch", "-w") { Description = "Follow the plan the change starts until it completes" };
        var command = create
            ? new Command("create", "Create a cluster from a spec file") { file, watch }
            : new Command("update", "Change a cluster's spec from a file (a rolling update, one node at a time)") { file, watch };
        command.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var (spec, name) = ReadSpec(parse.GetRequiredValue(file), host);
            var path = ApiClient.PathOf("v1", "clusters", name);
            var exists = await s.Api.ExistsAsync(path, c).ConfigureAwait(false);
            if (create && exists)
            {
                throw new CliException(ExitCodes.Conflict, $"cluster '{name}' exists; change it with: drover clusters update -f FILE");
            }

            if (!create && !exists)
            {
                throw new CliException(ExitCodes.NotFound, $"no cluster named '{name}'; create it with: drover clusters create -f FILE");
            }

            var answer = await s.Api.SendAsync(HttpMethod.Put, path, spec, c).ConfigureAwait(false);
            var code = Done(s, answer, create ? $"Cluster {name} created" : $"Cluster {name} updated");
            return parse.GetValue(watch) && !s.Json
                ? await PlanCommands.WatchAsync(s, name, create ? "deploy" : null, c).ConfigureAwait(false)
                : code;
        }));
        return command;
    }

    /// <summary>The file's bytes as they are (the scheduler validates them) and the cluster name they give.</summary>
    private static (byte[] Spec, string Name) ReadSpec(string file, CliHost host)
    {
        byte[] bytes;
        try
        {
            if (file == "-")
            {
                var text = host.Input.ReadToEnd();
                bytes = System.Text.Encoding.UTF8.GetBytes(text);
            }
            else
            {
                var info = new FileInfo(file);
                if (info.Exists && info.Length > MaxSpecFileBytes)
                {
                    throw new CliException(ExitCodes.Usage, $"{file} is {info.Length} bytes: not a cluster spec");
                }

                bytes = File.ReadAllBytes(file);
            }
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.Usage, $"cannot read the spec: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException(ExitCodes.Usage, $"cannot read the spec: {e.Message}");
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 } text)
            {
                return (bytes, text);
            }
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Usage, $"{file} is not JSON: {e.Message}");
        }

        throw new CliException(ExitCodes.Usage, $"{file} has no \"name\": a cluster spec is a JSON object with the cluster's name");
    }

    private static void Confirm(Session session, string cluster)
    {
        if (!session.Host.Interactive)
        {
            throw new CliException(ExitCodes.Usage, $"deleting cluster '{cluster}' needs --yes when there is no terminal to confirm on");
        }

        session.Host.Error.Write($"Delete cluster '{cluster}' with its data (volumes are destroyed)? Type its name to confirm: ");
        if (session.Host.Input.ReadLine()?.Trim() != cluster)
        {
            throw new CliException(ExitCodes.Usage, "not confirmed; nothing deleted");
        }
    }

    /// <summary>Prints the scheduler's answer to a change: its JSON, or the line for people.</summary>
    internal static int Done(Session session, Answer answer, string text)
    {
        if (session.Json)
        {
            session.WriteJson(answer.Json);
        }
        else
        {
            session.Console.WriteLine(text);
        }

        return ExitCodes.Ok;
    }
}
