using System.Globalization;
using System.Text.RegularExpressions;
using Drover.Executor.Tasks;

namespace Drover.Executor.Personalities.Cassandra;

/// <summary>Which probe decides the node's health.</summary>
public enum CassandraHealthCheck
{
    /// <summary>StorageService attributes through the node's persistent JMX helper.</summary>
    Jmx,

    /// <summary>`nodetool info`, one JVM per probe (what operators run by hand).</summary>
    Nodetool,
}

/// <summary>
/// What a Cassandra node's NodeSpec says, checked: ports, install, snitch, addresses, overrides. Every problem
/// is a <see cref="LaunchException"/> naming the key and the value.
/// </summary>
internal sealed partial record CassandraSettings
{
    public const string GossipingSnitch = "GossipingPropertyFileSnitch";
    public const string SimpleSnitch = "SimpleSnitch";

    /// <summary>The prefix of NodeSpec.config keys copied into cassandra.yaml as they are.</summary>
    public const string YamlPrefix = "cassandra.";

    /// <summary>NodeSpec.config keys the personality reads (besides cassandra.*).</summary>
    public static readonly IReadOnlyList<string> KnownKeys =
    [
        "snitch", "dc", "rack", "listen_address", "rpc_address", "health.check", "drain.timeout",
        "health.delay", "health.interval", "health.timeout", "health.grace", "health.consecutive_failures",
    ];

    /// <summary>cassandra.yaml keys Drover sets itself from the task (ports, directories, seeds, names).</summary>
    public static readonly IReadOnlyList<string> OwnedYamlKeys =
    [
        "cluster_name", "seed_provider", "listen_address", "rpc_address", "native_transport_port", "storage_port",
        "data_file_directories", "commitlog_directory", "saved_caches_directory", "hints_directory", "cdc_raw_directory",
        "endpoint_snitch",
    ];

    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromMinutes(2);

    public required string InstallDir { get; init; }

    public required string ClusterName { get; init; }

    public required int NativePort { get; init; }

    public required int StoragePort { get; init; }

    public required int JmxPort { get; init; }

    public required string ListenAddress { get; init; }

    public required string RpcAddress { get; init; }

    public required IReadOnlyList<string> Seeds { get; init; }

    /// <summary>Short name (GossipingPropertyFileSnitch) or a class name.</summary>
    public required string Snitch { get; init; }

    public required string DataCenter { get; init; }

    public required string Rack { get; init; }

    public required CassandraHealthCheck HealthCheck { get; init; }

    public required TimeSpan DrainTimeout { get; init; }

    /// <summary>cassandra.* overrides: yaml key to raw value, in key order.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> YamlOverrides { get; init; }

    public bool UsesRackDc => Snitch is GossipingSnitch or "org.apache.cassandra.locator." + GossipingSnitch;

    public static CassandraSettings From(PersonalityContext context)
    {
        RejectUnknownKeys(context);
        var cluster = context.Node.Cluster is { Length: > 0 } name
            ? name
            : throw new LaunchException("NodeSpec.cluster is empty: Cassandra needs a cluster_name");
        return new CassandraSettings
        {
            InstallDir = context.RequireInstallDir(),
            ClusterName = cluster,
            NativePort = context.RequirePort("native"),
            StoragePort = context.RequirePort("storage"),
            JmxPort = context.RequirePort("jmx"),
            ListenAddress = Address(context, "listen_address"),
            RpcAddress = Address(context, "rpc_address"),
            Seeds = ReadSeeds(context),
            Snitch = ReadSnitch(context),
            DataCenter = RackDcValue(context, "dc", "dc1"),
            Rack = RackDcValue(context, "rack", "rack1"),
            HealthCheck = context.Config("health.check", "jmx") switch
            {
                "jmx" => CassandraHealthCheck.Jmx,
                "nodetool" => CassandraHealthCheck.Nodetool,
                var other => throw new LaunchException($"NodeSpec.config['health.check'] = '{other}' is neither 'jmx' nor 'nodetool'"),
            },
            DrainTimeout = context.Node.Config.TryGetValue("drain.timeout", out var drain)
                ? Mesos.MesosDuration.TryParse(drain, out var value, out var error) && value > TimeSpan.Zero
                    ? value
                    : throw new LaunchException($"NodeSpec.config['drain.timeout'] = '{drain}' is not a positive duration{(error is null ? "" : ": " + error)}")
                : DefaultDrainTimeout,
            YamlOverrides = Overrides(context),
        };
    }

    private static void RejectUnknownKeys(PersonalityContext context)
    {
        foreach (var key in context.Node.Config.Keys.Order(StringComparer.Ordinal))
        {
            if (!key.StartsWith(YamlPrefix, StringComparison.Ordinal) && !KnownKeys.Contains(key))
            {
                throw new LaunchException(
                    $"NodeSpec.config['{key}'] is not a Cassandra setting: use {string.Join(", ", KnownKeys.Select(k => $"'{k}'"))}, " +
                    $"or '{YamlPrefix}<key>' for another cassandra.yaml key");
            }
        }
    }

    private static string Address(PersonalityContext context, string key)
    {
        var value = context.Config(key, context.Host);
        return HostPattern().IsMatch(value)
            ? value
            : throw new LaunchException($"{(context.Node.Config.ContainsKey(key) ? $"NodeSpec.config['{key}']" : "the agent's hostname")} '{value}' is not a host name or IP address ({key})");
    }

    private static List<string> ReadSeeds(PersonalityContext context)
    {
        var seeds = new List<string>();
        foreach (var seed in context.Node.Seeds)
        {
            if (!SeedPattern().IsMatch(seed))
            {
                throw new LaunchException($"NodeSpec.seeds entry '{seed}' is not host or host:port (no spaces or commas)");
            }

            seeds.Add(seed);
        }

        // No seeds: the first node of a cluster seeds itself (see SeedList).
        return seeds;
    }

    private static string ReadSnitch(PersonalityContext context)
    {
        var snitch = context.Config("snitch", GossipingSnitch);
        return ClassPattern().IsMatch(snitch)
            ? snitch
            : throw new LaunchException($"NodeSpec.config['snitch'] = '{snitch}' is not a snitch class name (e.g. {GossipingSnitch}, {SimpleSnitch})");
    }

    private static string RackDcValue(PersonalityContext context, string key, string fallback)
    {
        var value = context.Config(key, fallback);
        return NamePattern().IsMatch(value)
            ? value
            : throw new LaunchException($"NodeSpec.config['{key}'] = '{value}' must be letters, digits, '-', '_' or '.'");
    }

    private static List<KeyValuePair<string, string>> Overrides(PersonalityContext context)
    {
        var overrides = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in context.Node.Config.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (!key.StartsWith(YamlPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var yamlKey = key[YamlPrefix.Length..];
            if (!YamlKeyPattern().IsMatch(yamlKey))
            {
                throw new LaunchException($"NodeSpec.config['{key}']: '{yamlKey}' is not a cassandra.yaml top-level key (lower case, digits, '_')");
            }

            if (OwnedYamlKeys.Contains(yamlKey))
            {
                throw new LaunchException($"NodeSpec.config['{key}']: {yamlKey} is set by Drover from the task (ports, directories, seeds, cluster); it cannot be overridden");
            }

            overrides.Add(new(yamlKey, value));
        }

        return overrides;
    }

    public string SeedList(string selfStorage) => Seeds.Count > 0
        ? string.Join(",", Seeds)
        : selfStorage;

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9.\-]*[A-Za-z0-9])?$|^[0-9a-fA-F:]+$")]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"^([A-Za-z0-9.\-]+|\[[0-9a-fA-F:]+\])(:[0-9]{1,5})?$")]
    private static partial Regex SeedPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    private static partial Regex ClassPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._\-]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[a-z][a-z0-9_]*$")]
    private static partial Regex YamlKeyPattern();
}
