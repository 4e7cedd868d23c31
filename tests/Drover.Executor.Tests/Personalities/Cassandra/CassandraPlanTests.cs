using Drover.Executor.Health;
using Drover.Executor.Personalities;
using Drover.Executor.Personalities.Cassandra;
using Drover.Executor.Tasks;
using Drover.Posix;
using Drover.Testing.Standins.Cassandra;
using Drover.V1;
using FsCheck;
using FsCheck.Fluent;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Drover.Executor.Tests.Personalities.Cassandra;

/// <summary>The Cassandra plan, pure: rendered files parsed back with YamlDotNet, ports, paths, errors.</summary>
public sealed class CassandraPlanTests
{
    private const string Install = "/opt/cassandra";
    private const string Sandbox = "/var/mesos/sandbox/task-1";
    private const string Data = "/volumes/cassandra-1";
    private const string Jar = "/opt/drover/bin/drover-jmx-helper.jar";

    private static readonly Dictionary<string, int> Ports = new(StringComparer.Ordinal) { ["native"] = 31042, ["storage"] = 31000, ["jmx"] = 31199 };

    [Fact]
    public void Plan_CassandraYaml_HasTheAssignedPortsPathsAndSeeds()
    {
        var plan = Plan(Node(seeds: ["10.0.0.1:31000", "10.0.0.2"]));

        var yaml = Yaml(plan, "cassandra/cassandra.yaml");

        Assert.Equal("shop", Scalar(yaml, "cluster_name"));
        Assert.Equal("31042", Scalar(yaml, "native_transport_port"));
        Assert.Equal("31000", Scalar(yaml, "storage_port"));
        Assert.Equal("10.1.2.3", Scalar(yaml, "listen_address"));
        Assert.Equal("10.1.2.3", Scalar(yaml, "rpc_address"));
        Assert.Equal("GossipingPropertyFileSnitch", Scalar(yaml, "endpoint_snitch"));
        Assert.Equal([Data + "/data"], ((YamlSequenceNode)yaml.Children[new YamlScalarNode("data_file_directories")]).Children.Select(n => ((YamlScalarNode)n).Value));
        Assert.Equal(Data + "/commitlog", Scalar(yaml, "commitlog_directory"));
        Assert.Equal(Data + "/saved_caches", Scalar(yaml, "saved_caches_directory"));
        Assert.Equal(Data + "/hints", Scalar(yaml, "hints_directory"));
        Assert.Equal("org.apache.cassandra.dht.Murmur3Partitioner", Scalar(yaml, "partitioner"));
        Assert.Equal("10.0.0.1:31000,10.0.0.2", Seeds(yaml));
        Assert.Contains(Data + "/commitlog", plan.Directories);
        Assert.Contains(Sandbox + "/logs/cassandra", plan.Directories);
    }

    [Fact]
    public void Plan_NoSeeds_SeedsItself()
    {
        var yaml = Yaml(Plan(Node()), "cassandra/cassandra.yaml");

        Assert.Equal("10.1.2.3:31000", Seeds(yaml));
    }

    [Fact]
    public void Plan_ArgvEnvironment_PointCassandraAtTheRenderedConf()
    {
        var node = Node();
        node.JavaHome = "/usr/lib/jvm/java-11";

        var plan = Plan(node);

        Assert.Equal(Install + "/bin/cassandra", plan.Executable);
        Assert.Equal([Install + "/bin/cassandra", "-f"], plan.Arguments);
        Assert.Equal(Sandbox + "/drover/cassandra", plan.Environment["CASSANDRA_CONF"]);
        Assert.Equal(Sandbox + "/logs/cassandra", plan.Environment["CASSANDRA_LOG_DIR"]);
        Assert.Equal("/usr/lib/jvm/java-11", plan.Environment["JAVA_HOME"]);
        Assert.Equal("yes", plan.Environment["LOCAL_JMX"]);
    }

    [Fact]
    public void Plan_EnvScript_SetsTheJmxPort_TheWayThatWins()
    {
        var plan = Plan(Node());

        var env = File(plan, "cassandra/cassandra-env.sh");

        var assignments = env.Split('\n').Where(line => line.TrimStart().StartsWith("JMX_PORT=", StringComparison.Ordinal)).ToList();
        Assert.Equal(["JMX_PORT=\"31199\"  # Drover (was: JMX_PORT=\"7199\")"], assignments);
        Assert.Contains("-Dcassandra.jmx.local.port=$JMX_PORT", env, StringComparison.Ordinal);
        Assert.DoesNotContain("JMX_PORT=\"7199\"\n", env, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_CopiesTheStockJvmOptionsAndLogback_AndRendersRackDc()
    {
        var plan = Plan(Node(config: new() { ["dc"] = "east", ["rack"] = "r2" }));

        Assert.Equal(CassandraInstallFiles.ServerOptions + "\n", File(plan, "cassandra/jvm-server.options"));
        Assert.Equal(CassandraInstallFiles.LogbackXml + "\n", File(plan, "cassandra/logback.xml"));
        Assert.Contains("dc=east\nrack=r2\n", File(plan, "cassandra/cassandra-rackdc.properties"), StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_SimpleSnitch_HasNoRackDcFile()
    {
        var plan = Plan(Node(config: new() { ["snitch"] = "SimpleSnitch" }));

        Assert.Equal("SimpleSnitch", Scalar(Yaml(plan, "cassandra/cassandra.yaml"), "endpoint_snitch"));
        Assert.DoesNotContain(plan.Files, file => file.RelativePath.EndsWith("rackdc.properties", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_YamlOverrides_ArePlainScalarsOrStrings_AndReplaceDefaults()
    {
        var plan = Plan(Node(config: new()
        {
            ["cassandra.concurrent_reads"] = "64",
            ["cassandra.num_tokens"] = "8",
            ["cassandra.authenticator"] = "PasswordAuthenticator",
            ["cassandra.auto_snapshot"] = "false",
            ["cassandra.odd_value"] = "a: b # not a comment",
            ["cassandra.file_mode"] = "0755",
        }));

        // YamlDotNet's loader rejects duplicate keys, so parsing also proves num_tokens appears once.
        var yaml = Yaml(plan, "cassandra/cassandra.yaml");

        Assert.Equal("64", Scalar(yaml, "concurrent_reads"));
        Assert.Equal("8", Scalar(yaml, "num_tokens"));
        Assert.Equal("PasswordAuthenticator", Scalar(yaml, "authenticator"));
        Assert.Equal("false", Scalar(yaml, "auto_snapshot"));
        Assert.Equal("a: b # not a comment", Scalar(yaml, "odd_value"));
        Assert.Equal(ScalarStyle.DoubleQuoted, Node(yaml, "file_mode").Style);
        Assert.Equal(ScalarStyle.Plain, Node(yaml, "concurrent_reads").Style);
    }

    [Fact]
    public void Plan_AnyClusterName_SurvivesTheRoundTrip()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<NonEmptyString>(), name =>
        {
            var node = Node();
            node.Cluster = name.Get;
            return Scalar(Yaml(Plan(node), "cassandra/cassandra.yaml"), "cluster_name") == name.Get;
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("native")]
    [InlineData("storage")]
    [InlineData("jmx")]
    public void Plan_MissingPort_FailsNamingIt(string missing)
    {
        var ports = Ports.Where(pair => pair.Key != missing).ToDictionary();

        var error = Assert.Throws<LaunchException>(() => Plan(Node(), ports));

        Assert.Contains($"port named '{missing}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("snitsh", "NodeSpec.config['snitsh'] is not a Cassandra setting")]
    [InlineData("cassandra.storage_port", "storage_port is set by Drover")]
    [InlineData("cassandra.seed_provider", "seed_provider is set by Drover")]
    [InlineData("cassandra.Bad-Key", "'Bad-Key' is not a cassandra.yaml top-level key")]
    [InlineData("health.check", "'bogus' is neither 'jmx' nor 'nodetool'")]
    [InlineData("health.interval", "NodeSpec.config['health.interval'] = 'bogus' is not a duration")]
    [InlineData("drain.timeout", "NodeSpec.config['drain.timeout'] = 'bogus' is not a positive duration")]
    [InlineData("snitch", "'bogus' is not a snitch class name")]
    public void Plan_BadConfig_FailsNamingTheKey(string key, string message)
    {
        var value = key == "snitch" ? "bo gus" : "bogus";
        var expected = message.Replace("'bogus' is not a snitch", "'bo gus' is not a snitch", StringComparison.Ordinal);

        var error = Assert.Throws<LaunchException>(() => Plan(Node(config: new() { [key] = value })));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_BadSeed_FailsNamingIt()
    {
        var error = Assert.Throws<LaunchException>(() => Plan(Node(seeds: ["a,b"])));

        Assert.Contains("'a,b'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_InstallWithoutJmxPortLine_Fails()
    {
        var files = CassandraInstallFiles.Reader(Install);
        var error = Assert.Throws<LaunchException>(() => Plan(Node(), read: path =>
            path.EndsWith("cassandra-env.sh", StringComparison.Ordinal) ? "# nothing here\n" : files(path)));

        Assert.Contains("has no JMX_PORT= assignment", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_NotACassandraInstall_Fails()
    {
        var error = Assert.Throws<LaunchException>(() => Plan(Node(), read: _ => null));

        Assert.Contains("/opt/cassandra/conf/cassandra-env.sh does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_DefaultHealthCheck_IsJmx_WithTheHelperAsAResource()
    {
        var plan = Plan(Node(config: new() { ["health.interval"] = "3secs", ["health.consecutive_failures"] = "5" }));

        var check = Assert.Single(plan.HealthChecks);
        Assert.Equal(("cassandra-jmx", HealthCheckKind.Jmx), (check.Name, check.Kind));
        Assert.NotNull(check.Probe);
        Assert.Equal(TimeSpan.FromSeconds(3), check.Interval);
        Assert.Equal(5, check.ConsecutiveFailures);
        Assert.Equal(CassandraPersonality.DefaultGrace, check.Grace);
        Assert.IsType<Jmx.JmxHelper>(Assert.Single(plan.Resources));
        Assert.Equal("drain", Assert.Single(plan.StopSteps).Name);
        Assert.Equal(["repair", "cleanup", "decommission", "drain", "removenode", "host-id"], plan.AdminOperations.Select(op => op.Name));
    }

    [Fact]
    public void Plan_JmxCheckWithoutTheHelperJar_FailsSayingSo()
    {
        var error = Assert.Throws<LaunchException>(() => Plan(Node(), jar: null));

        Assert.Contains("drover-jmx-helper.jar is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodetoolCheck_ParsesInfo_AndRunsTheInstallsNodetool()
    {
        CommandRequest? ran = null;
        var output = CassandraInfo(gossip: "true", native: "false");
        var personality = new CassandraPersonality((request, _) =>
        {
            ran = request;
            return Task.FromResult(new CommandResult(0, null, false, output, TimeSpan.FromMilliseconds(300)));
        });
        var plan = personality.Plan(Context(Node(config: new() { ["health.check"] = "nodetool" }), Ports, CassandraInstallFiles.Reader(Install), jar: null));
        var check = Assert.Single(plan.HealthChecks);

        var result = await check.Probe!.ProbeAsync(CancellationToken.None);

        Assert.Equal(("cassandra-nodetool", HealthCheckKind.Nodetool), (check.Name, check.Kind));
        Assert.Empty(plan.Resources);
        Assert.False(result.Healthy);
        Assert.Equal("nodetool info: Native Transport active: false", result.Detail);
        Assert.Equal(Install + "/bin/nodetool", ran!.Executable);
        Assert.Equal(["nodetool", "-h", "127.0.0.1", "-p", "31199", "info"], ran.Arguments);
        Assert.Contains(new KeyValuePair<string, string>("CASSANDRA_CONF", Sandbox + "/drover/cassandra"), ran.Environment);

        output = CassandraInfo(gossip: "true", native: "true");
        Assert.True((await check.Probe.ProbeAsync(CancellationToken.None)).Healthy);
        output = "nodetool: Failed to connect to '127.0.0.1:31199' - ConnectException: 'Connection refused'.";
        var down = new CassandraPersonality((_, _) => Task.FromResult(new CommandResult(1, null, false, output, TimeSpan.Zero)))
            .Plan(Context(Node(config: new() { ["health.check"] = "nodetool" }), Ports, CassandraInstallFiles.Reader(Install), jar: null));
        var failed = await down.HealthChecks[0].Probe!.ProbeAsync(CancellationToken.None);
        Assert.False(failed.Healthy);
        Assert.Contains("exited with status 1", failed.Detail, StringComparison.Ordinal);
        Assert.Contains("Connection refused", failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminRepair_RunsNodetool_AndRejectsOptionLikeKeyspaces()
    {
        var runs = new List<IReadOnlyList<string>>();
        var personality = new CassandraPersonality((request, _) =>
        {
            runs.Add(request.Arguments);
            return Task.FromResult(new CommandResult(0, null, false, "[2026-11-21] Repair command #1 finished", TimeSpan.Zero));
        });
        var repair = personality.Plan(Context(Node(), Ports, CassandraInstallFiles.Reader(Install), Jar)).AdminOperations.Single(op => op.Name == "repair");

        var ok = await repair.RunAsync(new Dictionary<string, string> { ["keyspace"] = "shop", ["full"] = "true" }, CancellationToken.None);
        var rejected = await repair.RunAsync(new Dictionary<string, string> { ["keyspace"] = "--help" }, CancellationToken.None);

        Assert.True(ok.Ok);
        Assert.Equal(["nodetool", "-h", "127.0.0.1", "-p", "31199", "repair", "-full", "shop"], Assert.Single(runs));
        Assert.False(rejected.Ok);
        Assert.Contains("'--help' is not a Cassandra identifier", rejected.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminRepairOfThePrimaryRange_RemoveNodeByHostId_AndHostIdFromNodetoolInfo()
    {
        var runs = new List<IReadOnlyList<string>>();
        var personality = new CassandraPersonality((request, _) =>
        {
            runs.Add(request.Arguments);
            var output = request.Arguments.Contains("info") ? CassandraInfo("true", "true") : "done";
            return Task.FromResult(new CommandResult(0, null, false, output, TimeSpan.Zero));
        });
        var operations = personality.Plan(Context(Node(config: new() { ["health.check"] = "nodetool" }), Ports, CassandraInstallFiles.Reader(Install), jar: null)).AdminOperations;
        var admin = operations.ToDictionary(op => op.Name);

        Assert.True((await admin["repair"].RunAsync(new Dictionary<string, string> { ["primary_range"] = "true" }, CancellationToken.None)).Ok);
        var id = "7E5D8A2C-1B3F-4C6D-8E9F-0A1B2C3D4E5F";
        Assert.True((await admin["removenode"].RunAsync(new Dictionary<string, string> { ["host_id"] = id }, CancellationToken.None)).Ok);
        var hostId = await admin["host-id"].RunAsync(new Dictionary<string, string>(), CancellationToken.None);
        var missing = await admin["removenode"].RunAsync(new Dictionary<string, string>(), CancellationToken.None);
        var optionLike = await admin["removenode"].RunAsync(new Dictionary<string, string> { ["host_id"] = "--force" }, CancellationToken.None);
        var badFlag = await admin["repair"].RunAsync(new Dictionary<string, string> { ["primary_range"] = "yes" }, CancellationToken.None);

        Assert.Equal(["nodetool", "-h", "127.0.0.1", "-p", "31199", "repair", "-pr"], runs[0]);
        Assert.Equal(["nodetool", "-h", "127.0.0.1", "-p", "31199", "removenode", id.ToLowerInvariant()], runs[1]);
        Assert.Equal(["nodetool", "-h", "127.0.0.1", "-p", "31199", "info"], runs[2]);
        Assert.Equal((true, "4f0c6f1e-8a59-4bd6-9d35-5c3b1f0e8a11"), (hostId.Ok, hostId.Output));
        Assert.False(missing.Ok);
        Assert.Contains("host_id", missing.Output, StringComparison.Ordinal);
        Assert.False(optionLike.Ok);
        Assert.False(badFlag.Ok);
        Assert.Equal(3, runs.Count);
    }

    internal static string CassandraInfo(string gossip, string native) => $"""
        ID                     : 4f0c6f1e-8a59-4bd6-9d35-5c3b1f0e8a11
        Gossip active          : {gossip}
        Native Transport active: {native}
        Load                   : 74.3 KiB
        Generation No          : 1795275479
        Uptime (seconds)       : 42
        Heap Memory (MB)       : 7.93 / 6028.00
        Off Heap Memory (MB)   : 0.00
        Data Center            : dc1
        Rack                   : rack1
        Exceptions             : 0
        Percent Repaired       : 100.0%
        Token                  : -9223372036854775808

        """;

    private static ServicePlan Plan(NodeSpec node, IReadOnlyDictionary<string, int>? ports = null, Func<string, string?>? read = null, string? jar = Jar) =>
        new CassandraPersonality((_, _) => throw new InvalidOperationException("no command expected"))
            .Plan(Context(node, ports ?? Ports, read ?? CassandraInstallFiles.Reader(Install), jar));

    private static PersonalityContext Context(NodeSpec node, IReadOnlyDictionary<string, int> ports, Func<string, string?> read, string? jar) => new(
        node, ports, Sandbox, Sandbox + "/drover", Data, "10.1.2.3", "task-1",
        new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = "/usr/bin:/bin" }, read, jar);

    private static NodeSpec Node(Dictionary<string, string>? config = null, string[]? seeds = null)
    {
        var node = new NodeSpec { Cluster = "shop", Node = "c1", Kind = ServiceKind.Cassandra, InstallDir = Install };
        node.Seeds.Add(seeds ?? []);
        foreach (var (key, value) in config ?? [])
        {
            node.Config[key] = value;
        }

        return node;
    }

    private static string File(ServicePlan plan, string relative) =>
        Assert.Single(plan.Files, file => file.RelativePath == relative).Content;

    private static YamlMappingNode Yaml(ServicePlan plan, string relative)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File(plan, relative)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlScalarNode Node(YamlMappingNode yaml, string key) => (YamlScalarNode)yaml.Children[new YamlScalarNode(key)];

    private static string? Scalar(YamlMappingNode yaml, string key) => Node(yaml, key).Value;

    private static string? Seeds(YamlMappingNode yaml)
    {
        var provider = (YamlMappingNode)((YamlSequenceNode)yaml.Children[new YamlScalarNode("seed_provider")]).Children[0];
        Assert.Equal("org.apache.cassandra.locator.SimpleSeedProvider", ((YamlScalarNode)provider.Children[new YamlScalarNode("class_name")]).Value);
        var parameters = (YamlMappingNode)((YamlSequenceNode)provider.Children[new YamlScalarNode("parameters")]).Children[0];
        return ((YamlScalarNode)parameters.Children[new YamlScalarNode("seeds")]).Value;
    }
}
