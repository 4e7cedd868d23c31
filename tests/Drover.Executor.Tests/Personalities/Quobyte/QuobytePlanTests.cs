using Drover.Executor.Health;
using Drover.Executor.Personalities;
using Drover.Executor.Personalities.Quobyte;
using Drover.Executor.Tasks;
using Drover.Executor.Tests.Personalities.Drill;
using Drover.V1;

namespace Drover.Executor.Tests.Personalities.Quobyte;

public sealed class QuobytePlanTests : IDisposable
{
    private readonly TestSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    internal static NodeSpec Node(string service, params string[] seeds)
    {
        var node = new NodeSpec
        {
            Cluster = "storage",
            Node = "q-1",
            Kind = ServiceKind.Quobyte,
            InstallDir = "/usr",
        };
        node.Seeds.Add(seeds);
        node.Config["service"] = service;
        return node;
    }

    private ServicePlan Plan(NodeSpec node, Dictionary<string, int>? ports = null) =>
        new QuobytePersonality().Plan(_sandbox.Context(node, ports ?? new Dictionary<string, int> { ["rpc"] = 7861, ["http"] = 7871 }, host: "agent-3.example"));

    /// <summary>Quobyte's cfg format read back: key=value lines, '#' comments, a key at most once.</summary>
    internal static Dictionary<string, string> ReadCfg(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(equals > 0, $"not key=value: '{line}'");
            Assert.True(values.TryAdd(line[..equals].Trim(), line[(equals + 1)..].Trim()), $"duplicate key in '{line}'");
        }

        return values;
    }

    private static Dictionary<string, string> File(ServicePlan plan, string name) =>
        ReadCfg(plan.Files.Single(f => f.RelativePath == Path.Combine("quobyte", name)).Content);

    [Theory]
    [InlineData("registry")]
    [InlineData("metadata")]
    [InlineData("data")]
    public void Plan_ForAStorageService_RendersHostCfgAndServiceCfgWithPortsAndDevices(string service)
    {
        var plan = Plan(Node(service, "reg-1:7861", "reg-2:7861"));
        Assert.Equal("reg-1:7861,reg-2:7861", File(plan, "host.cfg")["registry"]);
        var cfg = File(plan, service + ".cfg");
        Assert.Equal("7861", cfg["rpc.port"]);
        Assert.Equal("7871", cfg["http.port"]);
        Assert.Equal(Path.Combine(_sandbox.Path, "data", "devices"), cfg["test.device_dir"]);
        Assert.Equal("true", cfg["logging.stdout"]);
        Assert.True(Guid.TryParse(cfg["uuid"], out _));
        Assert.Contains(cfg["test.device_dir"], plan.Directories);
        Assert.Equal($"/usr/bin/quobyte-{service}", plan.Executable);
        Assert.Equal([$"/usr/bin/quobyte-{service}"], plan.Arguments);
        Assert.Equal(Path.Combine(_sandbox.Path, "drover", "quobyte"), plan.Environment[QuobytePersonality.ConfigDirectoryVariable]);
    }

    [Theory]
    [InlineData("api", "api", 8889)]
    [InlineData("webconsole", "webconsole", 8888)]
    public void Plan_ForAnApiOrWebconsole_AddsItsOwnPortAndNoDevices(string service, string portName, int port)
    {
        var plan = Plan(Node(service, "reg-1:7861"), new Dictionary<string, int> { ["rpc"] = 7861, ["http"] = 7871, [portName] = port });
        var cfg = File(plan, service + ".cfg");
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), cfg[portName + ".port"]);
        Assert.False(cfg.ContainsKey("test.device_dir"));
    }

    [Fact]
    public void Plan_ChecksGetSlashOnTheHttpPort()
    {
        var plan = Plan(Node("data", "reg-1:7861"));
        var check = Assert.Single(plan.HealthChecks);
        Assert.Equal(HealthCheckKind.Http, check.Kind);
        var probe = Assert.IsType<HttpProbe>(check.Probe);
        Assert.Equal(7871, probe.Port);
        Assert.Equal(new Uri("http://127.0.0.1:7871/"), probe.Url);
        Assert.Empty(probe.Statuses);
        Assert.Equal("quobyte-data-http", check.Name);
    }

    [Fact]
    public void Plan_ForALoneRegistry_PointsItAtItself()
    {
        var plan = Plan(Node("registry"));
        Assert.Equal("agent-3.example:7861", File(plan, "host.cfg")["registry"]);
    }

    [Fact]
    public void Plan_UuidIsStablePerNodeAndService()
    {
        var first = File(Plan(Node("data", "r:1")), "data.cfg")["uuid"];
        var again = File(Plan(Node("data", "r:1")), "data.cfg")["uuid"];
        var other = File(Plan(Node("metadata", "r:1")), "metadata.cfg")["uuid"];
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Plan_AddsCfgOverridesToTheServiceFile()
    {
        var node = Node("registry", "r:1");
        node.Config["cfg.registry.enabled_networks"] = "10.0.0.0/8";
        node.Config["max_mem"] = "2g";
        var plan = Plan(node);
        Assert.Equal("10.0.0.0/8", File(plan, "registry.cfg")["registry.enabled_networks"]);
        Assert.Equal("2g", plan.Environment["MAX_MEM_REGISTRY"]);
    }

    [Fact]
    public void Plan_WithoutAService_FailsNamingTheKeyAndTheChoices()
    {
        var node = Node("data");
        node.Config.Remove("service");
        var error = Assert.Throws<LaunchException>(() => Plan(node));
        Assert.Contains("NodeSpec.config['service']", error.Message, StringComparison.Ordinal);
        Assert.Contains("registry, metadata, data, api, webconsole", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Registry")]
    [InlineData("s3")]
    [InlineData("client")]
    public void Plan_WithAnUnknownService_FailsNamingIt(string service)
    {
        var error = Assert.Throws<LaunchException>(() => Plan(Node(service, "r:1")));
        Assert.Contains($"'{service}' is not a Quobyte service", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("data", "rpc")]
    [InlineData("data", "http")]
    [InlineData("api", "api")]
    [InlineData("webconsole", "webconsole")]
    public void Plan_WithoutAPort_FailsNamingIt(string service, string missing)
    {
        var ports = new Dictionary<string, int> { ["rpc"] = 1, ["http"] = 2, ["api"] = 3, ["webconsole"] = 4 };
        ports.Remove(missing);
        var error = Assert.Throws<LaunchException>(() => Plan(Node(service, "r:1"), ports));
        Assert.Contains($"port named '{missing}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WithRpcAndHttpOnOnePort_FailsNamingBoth()
    {
        var error = Assert.Throws<LaunchException>(() => Plan(Node("data", "r:1"), new Dictionary<string, int> { ["rpc"] = 5, ["http"] = 5 }));
        Assert.Contains("'rpc' and 'http'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ForANonRegistryWithoutSeeds_FailsNamingSeeds()
    {
        Assert.Contains("NodeSpec.seeds", Assert.Throws<LaunchException>(() => Plan(Node("metadata"))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a,b")]
    [InlineData("a b")]
    [InlineData("")]
    public void Plan_WithABadSeed_FailsNamingIt(string seed)
    {
        Assert.Contains($"'{seed}'", Assert.Throws<LaunchException>(() => Plan(Node("data", seed))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cfg.rpc.port", "1", "cfg.rpc.port")]
    [InlineData("cfg.", "1", "cfg.")]
    [InlineData("cfg.a=b", "1", "cfg.a=b")]
    [InlineData("cfg.x", "1\nrpc.port=2", "'x'")]
    [InlineData("health.interval", "often", "health.interval")]
    public void Plan_WithABadConfigValue_FailsNamingTheKey(string key, string value, string named)
    {
        var node = Node("data", "r:1");
        node.Config[key] = value;
        Assert.Contains(named, Assert.Throws<LaunchException>(() => Plan(node)).Message, StringComparison.Ordinal);
    }
}
