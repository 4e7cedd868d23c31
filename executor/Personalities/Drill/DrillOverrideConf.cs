using System.Text;
using System.Text.Json;
using Drover.Executor.Tasks;

namespace Drover.Executor.Personalities.Drill;

/// <summary>
/// drill-override.conf as JSON, which is valid HOCON (HOCON is a superset of JSON): it parses back with
/// System.Text.Json and Drill's Typesafe Config alike. Keys are nested objects, never dotted strings,
/// because a quoted "a.b" is one key in HOCON, not a path.
/// <para>
/// NodeSpec.config entries whose key starts with "drill." are merged in at that path (e.g.
/// "drill.exec.grace_period_ms" = "10000"); a value that is a JSON literal (number, true/false, array,
/// quoted string) goes in as JSON, anything else as a string. Overriding what the personality owns
/// (ports, ZooKeeper, cluster-id, directories) fails the launch: those come from the task.
/// </para>
/// </summary>
public static class DrillOverrideConf
{
    public const string FileName = "drill-override.conf";
    public const string OverridePrefix = "drill.";

    public static string Render(DrillSettings settings, IReadOnlyDictionary<string, string> config)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(config);
        var tree = new Tree();
        var managed = Managed(settings).ToList();
        foreach (var (path, json) in managed)
        {
            tree.Set(path, json);
        }

        foreach (var (key, value) in config.Where(p => p.Key.StartsWith(OverridePrefix, StringComparison.Ordinal)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (managed.Any(m => Overlaps(m.Path, key)))
            {
                throw new LaunchException(
                    $"NodeSpec.config['{key}'] overrides a Drill setting the DRILL personality derives from the task (ports, ZooKeeper, cluster-id, directories); set that through the NodeSpec instead");
            }

            tree.Set(key, Literal(value));
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            tree.Write(writer);
        }

        return "// Rendered by Drover for this task; edits are lost at the next launch.\n" +
               "// JSON-compatible HOCON (JSON with // comments): see executor/Personalities/Drill/README.md.\n" +
               Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>The keys the personality sets, as (dotted path, JSON value).</summary>
    private static IEnumerable<(string Path, string Json)> Managed(DrillSettings s)
    {
        yield return ("drill.exec.cluster-id", Quote(s.ClusterId));
        yield return ("drill.exec.zk.connect", Quote(s.ZkConnect));
        yield return ("drill.exec.zk.root", Quote(s.ZkRoot));
        yield return ("drill.exec.rpc.user.server.port", Number(s.UserPort));
        yield return ("drill.exec.rpc.bit.server.port", Number(s.ControlPort));
        yield return ("drill.exec.rpc.bit.server.dataport", Number(s.DataPort));
        yield return ("drill.exec.http.enabled", "true");
        yield return ("drill.exec.http.port", Number(s.HttpPort));
        // Mesos gave exactly these ports: never drift to a neighbour that belongs to another task.
        yield return ("drill.exec.http.porthunt", "false");
        yield return ("drill.exec.port_hunt", "false");
        yield return ("drill.exec.tmp.directories", "[" + Quote(s.TmpDir) + "]");
        yield return ("drill.exec.spill.directories", "[" + Quote(s.SpillDir) + "]");
        yield return ("drill.exec.sys.store.provider.local.path", Quote(s.LocalStoreDir));
    }

    /// <summary>Equal paths, or one inside the other.</summary>
    private static bool Overlaps(string a, string b) =>
        a == b || a.StartsWith(b + ".", StringComparison.Ordinal) || b.StartsWith(a + ".", StringComparison.Ordinal);

    /// <summary>A JSON literal stays JSON; anything else becomes a JSON string.</summary>
    private static string Literal(string value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            return document.RootElement.ValueKind == JsonValueKind.Object ? Quote(value) : document.RootElement.GetRawText();
        }
        catch (JsonException)
        {
            return Quote(value);
        }
    }

    private static string Quote(string value) => JsonSerializer.Serialize(value, DrillJsonContext.Default.String);

    private static string Number(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Nested keys to JSON values, written as nested objects.</summary>
    private sealed class Tree
    {
        private readonly SortedDictionary<string, object> _children = new(StringComparer.Ordinal);

        public void Set(string path, string json)
        {
            var segments = path.Split('.');
            if (segments.Any(s => s.Length == 0))
            {
                throw new LaunchException($"NodeSpec.config key '{path}' is not a Drill config path (an empty segment between dots)");
            }

            var node = this;
            foreach (var segment in segments[..^1])
            {
                if (!node._children.TryGetValue(segment, out var child))
                {
                    child = new Tree();
                    node._children[segment] = child;
                }

                node = child as Tree ?? throw Clash(path);
            }

            if (node._children.TryGetValue(segments[^1], out var existing) && existing is Tree)
            {
                throw Clash(path);
            }

            node._children[segments[^1]] = json;
        }

        public void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            foreach (var (key, value) in _children)
            {
                writer.WritePropertyName(key);
                if (value is Tree tree)
                {
                    tree.Write(writer);
                }
                else
                {
                    writer.WriteRawValue((string)value);
                }
            }

            writer.WriteEndObject();
        }

        private static LaunchException Clash(string path) =>
            new($"NodeSpec.config['{path}'] clashes with another drill.* key: one sets a value where the other needs an object");
    }
}
