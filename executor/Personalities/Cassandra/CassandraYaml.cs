using System.Globalization;
using System.Text;

namespace Drover.Executor.Personalities.Cassandra;

/// <summary>
/// Renders cassandra.yaml by hand (YamlDotNet's serializer reflects over types, which AOT cannot keep): every
/// string double-quoted with YAML escapes, numbers and booleans plain. Starts from the directives Cassandra
/// refuses to start without (partitioner, commitlog_sync...), then Drover's own keys, then NodeSpec.config's
/// cassandra.* overrides (which may replace the defaults but not Drover's keys).
/// </summary>
internal static partial class CassandraYaml
{
    /// <summary>Defaults for what Cassandra 4 requires or what a stock cassandra.yaml sets; overridable.</summary>
    private static readonly KeyValuePair<string, string>[] Defaults =
    [
        new("num_tokens", "16"),
        new("allocate_tokens_for_local_replication_factor", "3"),
        new("partitioner", "org.apache.cassandra.dht.Murmur3Partitioner"),
        new("commitlog_sync", "periodic"),
        new("commitlog_sync_period_in_ms", "10000"),
        new("start_native_transport", "true"),
    ];

    public static string Render(CassandraSettings settings, CassandraPaths paths)
    {
        var yaml = new StringBuilder();
        yaml.Append("# Rendered by drover-executor; edits are overwritten at every launch.\n");
        var overrides = settings.YamlOverrides.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        Scalar(yaml, "cluster_name", Quote(settings.ClusterName));
        foreach (var (key, value) in Defaults)
        {
            Scalar(yaml, key, overrides.Remove(key, out var given) ? Value(given) : Value(value));
        }

        yaml.Append("seed_provider:\n");
        yaml.Append("  - class_name: org.apache.cassandra.locator.SimpleSeedProvider\n");
        yaml.Append("    parameters:\n");
        yaml.Append("      - seeds: ").Append(Quote(settings.SeedList(settings.ListenAddress + ":" + CassandraSettings.Invariant(settings.StoragePort)))).Append('\n');
        Scalar(yaml, "listen_address", Quote(settings.ListenAddress));
        Scalar(yaml, "rpc_address", Quote(settings.RpcAddress));
        Scalar(yaml, "native_transport_port", CassandraSettings.Invariant(settings.NativePort));
        Scalar(yaml, "storage_port", CassandraSettings.Invariant(settings.StoragePort));
        Scalar(yaml, "endpoint_snitch", Quote(settings.Snitch));
        yaml.Append("data_file_directories:\n  - ").Append(Quote(paths.Data)).Append('\n');
        Scalar(yaml, "commitlog_directory", Quote(paths.CommitLog));
        Scalar(yaml, "saved_caches_directory", Quote(paths.SavedCaches));
        Scalar(yaml, "hints_directory", Quote(paths.Hints));
        Scalar(yaml, "cdc_raw_directory", Quote(paths.CdcRaw));
        foreach (var (key, value) in settings.YamlOverrides.Where(pair => overrides.ContainsKey(pair.Key)))
        {
            Scalar(yaml, key, Value(value));
        }

        return yaml.ToString();
    }

    private static void Scalar(StringBuilder yaml, string key, string rendered) =>
        yaml.Append(key).Append(": ").Append(rendered).Append('\n');

    /// <summary>
    /// An override's value: decimal numbers (no leading zero: SnakeYAML reads 0755 as octal), true/false and null
    /// plain; anything else a quoted string.
    /// </summary>
    public static string Value(string raw) =>
        raw is "true" or "false" or "null" || PlainNumber().IsMatch(raw) ? raw : Quote(raw);

    [System.Text.RegularExpressions.GeneratedRegex(@"^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,17})?$")]
    private static partial System.Text.RegularExpressions.Regex PlainNumber();

    /// <summary>A YAML double-quoted scalar: backslash, quote and every control or non-ASCII line break escaped.</summary>
    public static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': quoted.Append("\\\""); break;
                case '\\': quoted.Append("\\\\"); break;
                case '\n': quoted.Append("\\n"); break;
                case '\r': quoted.Append("\\r"); break;
                case '\t': quoted.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7f || c is '\u0085' or '\u2028' or '\u2029')
                    {
                        quoted.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    }
                    else
                    {
                        quoted.Append(c);
                    }

                    break;
            }
        }

        return quoted.Append('"').ToString();
    }
}
