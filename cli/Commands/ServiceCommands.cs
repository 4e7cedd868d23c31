using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Drover.Cli.Api;

namespace Drover.Cli.Commands;

/// <summary>
/// The kinds' own operations (the service plans): <c>drover service CLUSTER</c> (the kind's view: repair schedule and
/// history, ring members, dataset and drillbits, versions), <c>drover repair</c> and <c>drover cleanup</c>
/// (Cassandra), <c>drover dataset</c> (Drill), <c>drover version</c> (Quobyte).
/// </summary>
internal static class ServiceCommands
{
    public static IEnumerable<Command> Build(CliHost host)
    {
        var cluster = new Argument<string>("cluster") { Description = "The cluster" };

        var service = new Command("service", "The kind's own state of a cluster: Cassandra's repair schedule, history and cleanup needed; Riak's ring members; Drill's dataset and drillbits; Quobyte's versions") { cluster };
        service.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var answer = await s.Api.SendAsync(HttpMethod.Get, ApiClient.PathOf("v1", "clusters", parse.GetRequiredValue(cluster), "service"), null, c).ConfigureAwait(false);
            s.WriteJson(s.Json ? answer.Json : Indented(answer.Json));
            return ExitCodes.Ok;
        }));
        yield return service;

        var repair = new Command("repair", "Cassandra: start a repair round now (nodetool repair -pr, one node at a time)") { cluster };
        repair.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var name = parse.GetRequiredValue(cluster);
            var answer = await s.Api.SendAsync(HttpMethod.Post, ApiClient.PathOf("v1", "clusters", name, "repair"), null, c).ConfigureAwait(false);
            return ClusterCommands.Done(s, answer, $"{MessageOf(answer)}; follow it with: drover plans show {name} repair --watch");
        }));
        yield return repair;

        var nodes = new Option<string[]>("--node") { Description = "A node to clean up (repeat; default: the nodes a scale-up left needing it)", AllowMultipleArgumentsPerToken = false };
        var keyspace = new Option<string?>("--keyspace") { Description = "Only this keyspace (default: all)" };
        var cleanup = new Command("cleanup", "Cassandra: nodetool cleanup, one node at a time (never automatic: it rewrites every SSTable)") { cluster, nodes, keyspace };
        cleanup.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var name = parse.GetRequiredValue(cluster);
            var body = Json(writer =>
            {
                if (parse.GetValue(nodes) is { Length: > 0 } named)
                {
                    writer.WriteStartArray("nodes");
                    foreach (var node in named)
                    {
                        writer.WriteStringValue(node);
                    }

                    writer.WriteEndArray();
                }

                if (parse.GetValue(keyspace) is { } space)
                {
                    writer.WriteString("keyspace", space);
                }
            });
            var answer = await s.Api.SendAsync(HttpMethod.Post, ApiClient.PathOf("v1", "clusters", name, "cleanup"), body, c).ConfigureAwait(false);
            return ClusterCommands.Done(s, answer, $"{MessageOf(answer)}; follow it with: drover plans show {name} cleanup --watch");
        }));
        yield return cleanup;

        var size = new Argument<double>("size-mb") { Description = "The size of the dataset about to be queried, in MB" };
        var dataset = new Command("dataset", "Drill: state the size of the dataset about to be queried; the cluster runs ceil(size / qsf_mb) drillbits within its bounds (more at once, fewer after the idle period)") { cluster, size };
        dataset.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var name = parse.GetRequiredValue(cluster);
            var body = Json(writer => writer.WriteNumber("size_mb", parse.GetValue(size)));
            var answer = await s.Api.SendAsync(HttpMethod.Post, ApiClient.PathOf("v1", "clusters", name, "dataset"), body, c).ConfigureAwait(false);
            return ClusterCommands.Done(s, answer, MessageOf(answer));
        }));
        yield return dataset;

        var version = new Argument<string?>("version") { Description = "The version to deploy or upgrade to (without it: show the versions)", Arity = ArgumentArity.ZeroOrOne };
        var stop = new Option<bool>("--stop") { Description = "Stop every service (the seed's empty version)" };
        var of = new Option<string?>("--cluster") { Description = "The QUOBYTE cluster, when the framework has several" };
        var versionCommand = new Command("version", "Quobyte: show the current and target versions and the progress, deploy or upgrade (rolling, registry first), or --stop") { version, stop, of };
        versionCommand.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var path = parse.GetValue(of) is { } name ? ApiClient.PathOf("v1", "clusters", name, "version") : "/v1/version";
            var target = parse.GetValue(version);
            if (target is null && !parse.GetValue(stop))
            {
                var shown = await s.Api.SendAsync(HttpMethod.Get, path, null, c).ConfigureAwait(false);
                s.WriteJson(s.Json ? shown.Json : DescribeVersion(shown.Json));
                return ExitCodes.Ok;
            }

            if (target is not null && parse.GetValue(stop))
            {
                throw new CliException(ExitCodes.Usage, "give a version or --stop, not both");
            }

            var answer = await s.Api.SendAsync(HttpMethod.Post, path, Encoding.UTF8.GetBytes(target ?? ""), c, "text/plain").ConfigureAwait(false);
            return ClusterCommands.Done(s, answer, MessageOf(answer));
        }));
        yield return versionCommand;
    }

    private static byte[] Json(Action<Utf8JsonWriter> fields)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            fields(writer);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>The scheduler's own words for what it did (OperationResult.message).</summary>
    private static string MessageOf(Answer answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer.Json);
            return document.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String ? message.GetString()! : "done";
        }
        catch (JsonException)
        {
            return "done";
        }
    }

    private static string Indented(string json)
    {
        using var document = JsonDocument.Parse(json);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            document.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string DescribeVersion(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        string Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
        int Number(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;
        var lines = new StringBuilder();
        lines.Append(CultureInfo.InvariantCulture, $"{Text("cluster")}: {Text("state")}, current '{Text("current")}', target '{Text("target")}', {Number("done")}/{Number("total")} services at the target");
        if (root.TryGetProperty("services", out var services) && services.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in services.EnumerateArray())
            {
                string Field(string name) => entry.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.True or JsonValueKind.False ? value.ToString() : "-";
                lines.AppendLine().Append(CultureInfo.InvariantCulture, $"  {Field("node"),-28} {Field("service"),-11} {Field("host"),-24} {Field("version"),-12} {Field("phase"),-10} healthy={Field("healthy")}");
            }
        }

        return lines.ToString();
    }
}
