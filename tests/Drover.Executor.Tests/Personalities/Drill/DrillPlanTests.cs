using System.Text.Json;
using Drover.Executor.Health;
using Drover.Executor.Personalities;
using Drover.Executor.Personalities.Drill;
using Drover.Executor.Tasks;
using Drover.V1;

namespace Drover.Executor.Tests.Personalities.Drill;

public sealed class DrillPlanTests : IDisposable
{
    private readonly TestSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    internal static NodeSpec Node(string connect = "zk1:2181,zk2:2181/apps") => new()
    {
        Cluster = "analytics",
        Node = "bit-1",
        Kind = ServiceKind.Drill,
        InstallDir = "/opt/drill",
        JavaHome = "/usr/lib/jvm/java-17-openjdk-amd64",
        Zookeeper = new ZooKeeperSpec { Connect = connect },
    };

    internal static Dictionary<string, int> Ports(int user = 31010, int control = 31011, int data = 31012, int http = 8047) => new()
    {
        ["user"] = user,
        ["control"] = control,
        ["data"] = data,
        ["http"] = http,
    };

    private ServicePlan Plan(NodeSpec node, Dictionary<string, int>? ports = null) =>
        new DrillPersonality().Plan(_sandbox.Context(node, ports ?? Ports(), host: "agent-7.example"));

    private static JsonElement Conf(ServicePlan plan, out JsonDocument document)
    {
        var file = Assert.Single(plan.Files);
        Assert.Equal(Path.Combine("drill", "drill-override.conf"), file.RelativePath);
        // JSON with // comments is HOCON; System.Text.Json reads it with comments skipped.
        document = JsonDocument.Parse(file.Content, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return document.RootElement.GetProperty("drill").GetProperty("exec");
    }

    [Fact]
    public async Task Plan_RendersDrillOverrideConfWithTheAssignedPortsZooKeeperAndPaths()
    {
        var plan = Plan(Node());
        await using var _ = plan.Resources[0];
        var exec = Conf(plan, out var document);
        using (document)
        {
            Assert.Equal("analytics", exec.GetProperty("cluster-id").GetString());
            Assert.Equal("zk1:2181,zk2:2181/apps", exec.GetProperty("zk").GetProperty("connect").GetString());
            Assert.Equal("drill", exec.GetProperty("zk").GetProperty("root").GetString());
            var rpc = exec.GetProperty("rpc");
            Assert.Equal(31010, rpc.GetProperty("user").GetProperty("server").GetProperty("port").GetInt32());
            Assert.Equal(31011, rpc.GetProperty("bit").GetProperty("server").GetProperty("port").GetInt32());
            Assert.Equal(31012, rpc.GetProperty("bit").GetProperty("server").GetProperty("dataport").GetInt32());
            Assert.Equal(8047, exec.GetProperty("http").GetProperty("port").GetInt32());
            Assert.False(exec.GetProperty("http").GetProperty("porthunt").GetBoolean());
            Assert.False(exec.GetProperty("port_hunt").GetBoolean());
            Assert.Equal(Path.Combine(_sandbox.Path, "tmp"), Assert.Single(exec.GetProperty("tmp").GetProperty("directories").EnumerateArray()).GetString());
            Assert.Equal(Path.Combine(_sandbox.Path, "data", "spill"), Assert.Single(exec.GetProperty("spill").GetProperty("directories").EnumerateArray()).GetString());
            Assert.Equal(
                Path.Combine(_sandbox.Path, "data", "sys-store"),
                exec.GetProperty("sys").GetProperty("store").GetProperty("provider").GetProperty("local").GetProperty("path").GetString());
        }
    }

    [Fact]
    public async Task Plan_RunsDrillbitShRunWithTheSandboxDirectoriesInItsEnvironment()
    {
        var plan = Plan(Node());
        await using var _ = plan.Resources[0];
        Assert.Equal("/opt/drill/bin/drillbit.sh", plan.Executable);
        Assert.Equal(["/opt/drill/bin/drillbit.sh", "run"], plan.Arguments);
        Assert.Equal("/opt/drill", plan.Environment["DRILL_HOME"]);
        Assert.Equal(Path.Combine(_sandbox.Path, "drover", "drill"), plan.Environment["DRILL_CONF_DIR"]);
        Assert.Equal(Path.Combine(_sandbox.Path, "logs"), plan.Environment["DRILL_LOG_DIR"]);
        Assert.Equal(Path.Combine(_sandbox.Path, "run"), plan.Environment["DRILL_PID_DIR"]);
        Assert.Equal(Path.Combine(_sandbox.Path, "tmp"), plan.Environment["DRILL_TMP_DIR"]);
        Assert.Equal("agent-7.example", plan.Environment["DRILL_HOST_NAME"]);
        Assert.Equal("/usr/lib/jvm/java-17-openjdk-amd64", plan.Environment["JAVA_HOME"]);
        foreach (var variable in new[] { "DRILL_CONF_DIR", "DRILL_LOG_DIR", "DRILL_PID_DIR", "DRILL_TMP_DIR" })
        {
            Assert.Contains(plan.Environment[variable], plan.Directories);
        }
    }

    [Fact]
    public async Task Plan_HasTheDrillCheckTheGracefulStopAndAdminOperations()
    {
        var plan = Plan(Node());
        await using var _ = plan.Resources[0];
        var check = Assert.Single(plan.HealthChecks);
        Assert.Equal(DrillPersonality.HealthCheckName, check.Name);
        Assert.Equal(HealthCheckKind.Custom, check.Kind);
        Assert.IsType<DrillHealthProbe>(check.Probe);
        var stop = Assert.Single(plan.StopSteps);
        Assert.Equal(DrillPersonality.StopStepName, stop.Name);
        Assert.Equal(DrillSettings.DefaultStopTimeout, stop.Timeout);
        Assert.Equal([DrillPersonality.GracefulShutdownOperation, DrillPersonality.RegistrationOperation], plan.AdminOperations.Select(o => o.Name));
        Assert.IsType<DrillConnections>(Assert.Single(plan.Resources));
    }

    [Fact]
    public async Task Plan_TakesHealthTimingStopTimeoutClusterIdAndRootFromConfig()
    {
        var node = Node();
        node.Config["health.delay"] = "1secs";
        node.Config["health.interval"] = "500ms";
        node.Config["health.timeout"] = "3secs";
        node.Config["health.grace"] = "2mins";
        node.Config["health.consecutive_failures"] = "5";
        node.Config["stop_timeout"] = "45secs";
        node.Config["cluster_id"] = "drillbits-east";
        node.Config["zk_root"] = "/apps/drill/";
        var plan = Plan(node);
        await using var _ = plan.Resources[0];
        var check = Assert.Single(plan.HealthChecks);
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(2), 5),
            (check.Delay, check.Interval, check.Timeout!.Value, check.Grace, check.ConsecutiveFailures));
        Assert.Equal(TimeSpan.FromSeconds(45), Assert.Single(plan.StopSteps).Timeout);
        var exec = Conf(plan, out var document);
        using (document)
        {
            Assert.Equal("drillbits-east", exec.GetProperty("cluster-id").GetString());
            Assert.Equal("apps/drill", exec.GetProperty("zk").GetProperty("root").GetString());
        }
    }

    [Fact]
    public async Task Plan_MergesDrillOverridesAsJsonValuesAtTheirPath()
    {
        var node = Node();
        node.Config["drill.exec.grace_period_ms"] = "10000";
        node.Config["drill.exec.queue.embedded.enable"] = "true";
        node.Config["drill.exec.impersonation.enabled"] = "false";
        node.Config["drill.exec.security.user.auth.impl"] = "pam4j";
        node.Config["drill.exec.security.user.auth.pam_profiles"] = "[\"sudo\", \"login\"]";
        var plan = Plan(node);
        await using var _ = plan.Resources[0];
        var exec = Conf(plan, out var document);
        using (document)
        {
            Assert.Equal(10000, exec.GetProperty("grace_period_ms").GetInt32());
            Assert.True(exec.GetProperty("queue").GetProperty("embedded").GetProperty("enable").GetBoolean());
            Assert.False(exec.GetProperty("impersonation").GetProperty("enabled").GetBoolean());
            var auth = exec.GetProperty("security").GetProperty("user").GetProperty("auth");
            Assert.Equal("pam4j", auth.GetProperty("impl").GetString());
            Assert.Equal(["sudo", "login"], auth.GetProperty("pam_profiles").EnumerateArray().Select(e => e.GetString()));
            // The managed keys are still there beside the overrides.
            Assert.Equal(31010, exec.GetProperty("rpc").GetProperty("user").GetProperty("server").GetProperty("port").GetInt32());
        }
    }

    [Theory]
    [InlineData("user")]
    [InlineData("control")]
    [InlineData("data")]
    [InlineData("http")]
    public void Plan_WithoutAPort_FailsNamingIt(string missing)
    {
        var ports = Ports();
        ports.Remove(missing);
        var error = Assert.Throws<LaunchException>(() => Plan(Node(), ports));
        Assert.Contains($"port named '{missing}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WithTwoRolesOnOnePort_FailsNamingBoth()
    {
        var error = Assert.Throws<LaunchException>(() => Plan(Node(), Ports(control: 9000, data: 9000)));
        Assert.Contains("'control' and 'data'", error.Message, StringComparison.Ordinal);
        Assert.Contains("9000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WithoutZooKeeper_FailsNamingIt()
    {
        var node = Node();
        node.Zookeeper = null;
        Assert.Contains("NodeSpec.zookeeper.connect", Assert.Throws<LaunchException>(() => Plan(node)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WithAnExhibitorConnectString_FailsSayingDrillCannotFollowIt() =>
        Assert.Contains("cannot follow an exhibitor: connect string", Assert.Throws<LaunchException>(() => Plan(Node("exhibitor:http://ex1:8080/apps"))).Message, StringComparison.Ordinal);

    [Fact]
    public void Plan_WithoutInstallDir_FailsNamingIt()
    {
        var node = Node();
        node.InstallDir = "";
        Assert.Contains("install_dir", Assert.Throws<LaunchException>(() => Plan(node)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cluster_id", "a/b", "cluster-id 'a/b'")]
    [InlineData("cluster_id", "..", "cluster-id '..'")]
    [InlineData("zk_root", "//", "zk_root")]
    [InlineData("zk_root", "a//b", "zk_root")]
    [InlineData("health.delay", "soon", "health.delay")]
    [InlineData("health.consecutive_failures", "0", "health.consecutive_failures")]
    [InlineData("stop_timeout", "-1secs", "stop_timeout")]
    [InlineData("drill.exec.http.port", "9999", "drill.exec.http.port")]
    [InlineData("drill.exec.zk", "{}", "drill.exec.zk")]
    [InlineData("drill.exec.tmp.directories.x", "1", "drill.exec.tmp.directories.x")]
    [InlineData("drill..exec", "1", "drill..exec")]
    public void Plan_WithABadConfigValue_FailsNamingTheKey(string key, string value, string named)
    {
        var node = Node();
        node.Config[key] = value;
        Assert.Contains(named, Assert.Throws<LaunchException>(() => Plan(node)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WithAMalformedDigest_FailsWithoutShowingIt()
    {
        var node = Node();
        node.Zookeeper.Digest = "no-colon-secret";
        var error = Assert.Throws<LaunchException>(() => Plan(node));
        Assert.Contains("NodeSpec.zookeeper.digest", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("no-colon-secret", error.Message, StringComparison.Ordinal);
    }
}
