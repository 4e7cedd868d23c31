using Drover.Executor.Health;
using Drover.Executor.Personalities;
using Drover.Executor.Personalities.Riak;
using Drover.Executor.Tasks;
using Drover.V1;
using FsCheck;
using FsCheck.Fluent;
using static Drover.Executor.Tests.Personalities.Riak.RiakTestContext;

namespace Drover.Executor.Tests.Personalities.Riak;

public class RiakPersonalityTests
{
    private static ServicePlan Plan(PersonalityContext context) => new RiakPersonality().Plan(context);

    private static IReadOnlyDictionary<string, string> Conf(ServicePlan plan) =>
        RiakConfReader.Parse(plan.Files.Single(f => f.RelativePath == "riak/riak.conf").Content);

    [Fact]
    public void Kind_IsRiak() => Assert.Equal(ServiceKind.Riak, new RiakPersonality().Kind);

    [Fact]
    public void Plan_RendersRiakConf_WithTheAssignedPortsPathsAndNodename()
    {
        var plan = Plan(Context());

        var conf = Conf(plan);
        Assert.Equal("riak1@agent1.example", conf["nodename"]);
        Assert.Equal("0.0.0.0:31098", conf["listener.http.internal"]);
        Assert.Equal("0.0.0.0:31087", conf["listener.protobuf.internal"]);
        Assert.Equal("0.0.0.0", conf["handoff.ip"]);
        Assert.Equal("31099", conf["handoff.port"]);
        Assert.Equal("31100", conf["erlang.distribution.port_range.minimum"]);
        Assert.Equal("31100", conf["erlang.distribution.port_range.maximum"]);
        Assert.Equal("/volumes/riak1", conf["platform_data_dir"]);
        Assert.Equal("/sandbox/logs", conf["platform_log_dir"]);
        Assert.Equal("64", conf["ring_size"]);
        Assert.Equal("bitcask", conf["storage_backend"]);
        Assert.Equal(RiakSettingsCookie("kv"), conf["distributed_cookie"]);
    }

    [Fact]
    public void Plan_ConfFile_IsOwnerOnly_BecauseItHoldsTheCookie()
    {
        var file = Plan(Context()).Files.Single();

        Assert.Equal("riak/riak.conf", file.RelativePath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, file.Mode);
    }

    [Fact]
    public void Plan_RunsRiakConsoleNoinput_WithCEpmdPortAndEtcDirectoryInTheEnvironment()
    {
        var plan = Plan(Context());

        Assert.Equal("/opt/riak/bin/riak", plan.Executable);
        Assert.Equal(["/opt/riak/bin/riak", "console", "-noinput"], plan.Arguments);
        Assert.Equal("31369", plan.Environment["ERL_EPMD_PORT"]);
        Assert.Equal("/sandbox/drover/riak", plan.Environment["RUNNER_ETC_DIR"]);
        Assert.Equal("/sandbox/logs", plan.Environment["RUNNER_LOG_DIR"]);
        Assert.Equal("/sandbox/drover/riak/generated", plan.Environment["RUNNER_GEN_DIR"]);
        Assert.Equal("/sandbox", plan.Environment["HOME"]);
        Assert.Null(plan.WorkingDirectory);
        Assert.Equal(["/volumes/riak1", "/sandbox/logs", "/sandbox/drover/riak/generated"], plan.Directories);
    }

    [Fact]
    public void OtpRelease21OrLater_LoadsTheEpmdModuleThroughErlFlags_KeepingTheAgentsFlags()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/bin",
            ["ERL_FLAGS"] = "+K true",
            ["DROVER_EPMD_MODULE_DIR"] = "/opt/drover/",
        };

        var plan = Plan(Context(Node(config: ("otp_release", "21")), environment: environment, beams: ["/opt/drover/drover_epmd.beam"]));

        Assert.Equal("+K true -epmd_module drover_epmd -pa /opt/drover", plan.Environment["ERL_FLAGS"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("20")]
    [InlineData("16")]
    public void BeforeOtp21_OrUnsaid_TheNodeResolvesPeersAsStockErlangDoes(string? release)
    {
        var node = release is null ? Node() : Node(config: ("otp_release", release));

        var plan = Plan(Context(node, beams: ["/opt/drover/drover_epmd.beam"]));

        Assert.False(plan.Environment.ContainsKey("ERL_FLAGS"));
    }

    [Theory]
    [InlineData("25", null, "drover_epmd.beam is missing")]
    [InlineData("R16", "/opt/drover", "is not an OTP release")]
    [InlineData("100", "/opt/drover", "is not an OTP release")]
    [InlineData("25", "relative/dir", "must be an absolute path")]
    public void EpmdModuleProblems_FailTheLaunchSayingWhat(string release, string? directory, string message)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = "/bin", ["DROVER_EPMD_MODULE_DIR"] = directory ?? "/nowhere" };

        var error = Assert.Throws<LaunchException>(() => Plan(Context(Node(config: ("otp_release", release)), environment: environment, beams: ["/opt/drover/drover_epmd.beam"])));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_KeepsTheAgentsHome()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["HOME"] = "/home/mesos", ["PATH"] = "/bin" };

        var plan = Plan(Context(environment: environment));

        Assert.False(plan.Environment.ContainsKey("HOME"));
    }

    [Fact]
    public void Cookie_DefaultsToOnePerCluster_AndAConfiguredOneWins_NeverOnTheCommandLine()
    {
        var a1 = Conf(Plan(Context(Node("a1", "alpha"))))["distributed_cookie"];
        var a2 = Conf(Plan(Context(Node("a2", "alpha"))))["distributed_cookie"];
        var b1 = Conf(Plan(Context(Node("b1", "beta"))))["distributed_cookie"];
        Assert.Equal(a1, a2);
        Assert.NotEqual(a1, b1);
        Assert.Matches("^drover_[0-9a-f]{32}$", a1);

        var plan = Plan(Context(Node(config: ("cookie", "s3cret-Cookie"))));
        Assert.Equal("s3cret-Cookie", Conf(plan)["distributed_cookie"]);
        Assert.DoesNotContain(plan.Arguments, a => a.Contains("s3cret", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Environment.Values, v => v.Contains("s3cret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("quote\"")]
    [InlineData("new\nline")]
    [InlineData("")]
    public void Cookie_Unusable_FailsWithoutRepeatingIt(string cookie)
    {
        var e = Assert.Throws<LaunchException>(() => Plan(Context(Node(config: ("cookie", cookie)))));

        Assert.Contains("NodeSpec.config['cookie']", e.Message, StringComparison.Ordinal);
        if (cookie.Length > 0)
        {
            Assert.DoesNotContain(cookie, e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("http")]
    [InlineData("pb")]
    [InlineData("handoff")]
    [InlineData("disterl")]
    [InlineData("epmd")]
    public void MissingPort_FailsTheLaunch_NamingThePort(string port)
    {
        var e = Assert.Throws<LaunchException>(() => Plan(Context(ports: Without(port))));

        Assert.Contains($"port named '{port}'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8")]
    [InlineData("128")]
    [InlineData("1024")]
    public void RingSize_PowerOfTwoFrom8To1024_IsRendered(string size) =>
        Assert.Equal(size, Conf(Plan(Context(Node(config: ("ring_size", size)))))["ring_size"]);

    [Theory]
    [InlineData("7")]
    [InlineData("4")]
    [InlineData("100")]
    [InlineData("0")]
    [InlineData("2048")]
    [InlineData("-64")]
    [InlineData("64.0")]
    [InlineData("sixty-four")]
    [InlineData("")]
    public void RingSize_Invalid_FailsNamingKeyAndValue(string size)
    {
        var e = Assert.Throws<LaunchException>(() => Plan(Context(Node(config: ("ring_size", size)))));

        Assert.Contains("NodeSpec.config['ring_size']", e.Message, StringComparison.Ordinal);
        Assert.Contains(size, e.Message, StringComparison.Ordinal);
        Assert.Contains("power of 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StorageBackend_FromConfig_AndAnUnknownOneFails()
    {
        Assert.Equal("leveldb", Conf(Plan(Context(Node(config: ("storage_backend", "leveldb")))))["storage_backend"]);

        var e = Assert.Throws<LaunchException>(() => Plan(Context(Node(config: ("storage_backend", "rocksdb")))));
        Assert.Contains("'rocksdb'", e.Message, StringComparison.Ordinal);
        Assert.Contains("bitcask", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListenAddress_FromConfig_AppliesToEveryListener()
    {
        var conf = Conf(Plan(Context(Node(config: ("listen_address", "10.1.2.3")))));

        Assert.Equal("10.1.2.3:31098", conf["listener.http.internal"]);
        Assert.Equal("10.1.2.3:31087", conf["listener.protobuf.internal"]);
        Assert.Equal("10.1.2.3", conf["handoff.ip"]);
    }

    [Theory]
    [InlineData("agent1.example")]
    [InlineData("::")]
    [InlineData("10.1.2")]
    public void ListenAddress_NotAnIPv4Address_Fails(string address)
    {
        var e = Assert.Throws<LaunchException>(() => Plan(Context(Node(config: ("listen_address", address)))));

        Assert.Contains($"'{address}'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("riak 1")]
    [InlineData("riak@1")]
    [InlineData("riák")]
    public void NodeName_Unusable_Fails(string node)
    {
        var e = Assert.Throws<LaunchException>(() => Plan(Context(Node(node))));

        Assert.Contains("NodeSpec.node", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_Empty_Fails() =>
        Assert.Contains("host name", Assert.Throws<LaunchException>(() => Plan(Context(host: ""))).Message, StringComparison.Ordinal);

    [Fact]
    public void InstallDir_Relative_Fails()
    {
        var node = Node();
        node.InstallDir = "riak";

        Assert.Contains("install_dir", Assert.Throws<LaunchException>(() => Plan(Context(node))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfOverrides_BecomeRiakConfLines()
    {
        var conf = Conf(Plan(Context(Node(config: [("riak.conf.search", "on"), ("riak.conf.anti_entropy", " passive "), ("riak.conf.buckets.default.n_val", "2")]))));

        Assert.Equal("on", conf["search"]);
        Assert.Equal("passive", conf["anti_entropy"]);
        Assert.Equal("2", conf["buckets.default.n_val"]);
    }

    [Theory]
    [InlineData("riak.conf.nodename", "x@y")]
    [InlineData("riak.conf.handoff.port", "8099")]
    [InlineData("riak.conf.erlang.distribution.port_range.minimum", "6000")]
    [InlineData("riak.conf.platform_data_dir", "/elsewhere")]
    [InlineData("riak.conf.distributed_cookie", "c")]
    public void ConfOverride_OfAKeyDroverSets_Fails(string key, string value)
    {
        var e = Assert.Throws<LaunchException>(() => Plan(Context(Node(config: (key, value)))));

        Assert.Contains($"NodeSpec.config['{key}']", e.Message, StringComparison.Ordinal);
        Assert.Contains("Drover sets", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("riak.conf.search", "on\nnodename = evil@host")]
    [InlineData("riak.conf.search", "  ")]
    [InlineData("riak.conf.search", "on # a comment cuttlefish would drop")]
    [InlineData("riak.conf.", "on")]
    [InlineData("riak.conf.a key", "on")]
    [InlineData("riak.conf.a=b", "on")]
    public void ConfOverride_Malformed_Fails(string key, string value)
    {
        var e = Assert.Throws<LaunchException>(() => Plan(Context(Node(config: (key, value)))));

        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HealthCheck_IsRiakPing_OnTheHttpPort_WithRiakTiming()
    {
        var check = Plan(Context()).HealthChecks.Single();

        Assert.Equal("riak-ping", check.Name);
        Assert.Equal(HealthCheckKind.Custom, check.Kind);
        var probe = Assert.IsType<RiakPingProbe>(check.Probe);
        Assert.Equal(new Uri("http://127.0.0.1:31098/ping"), probe.Url);
        Assert.Equal(TimeSpan.FromSeconds(5), check.Delay);
        Assert.Equal(TimeSpan.FromSeconds(10), check.Interval);
        Assert.Equal(TimeSpan.FromSeconds(5), check.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(120), check.Grace);
        Assert.Equal(3, check.ConsecutiveFailures);
    }

    [Fact]
    public void HealthCheck_TimingFromConfig()
    {
        var check = Plan(Context(Node(config: [("health.delay", "1secs"), ("health.interval", "2secs"), ("health.timeout", "3secs"), ("health.grace", "4mins"), ("health.consecutive_failures", "7")]))).HealthChecks.Single();

        Assert.Equal(TimeSpan.FromSeconds(1), check.Delay);
        Assert.Equal(TimeSpan.FromSeconds(2), check.Interval);
        Assert.Equal(TimeSpan.FromSeconds(3), check.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(4), check.Grace);
        Assert.Equal(7, check.ConsecutiveFailures);
    }

    [Theory]
    [InlineData("health.delay", "soon")]
    [InlineData("health.grace", "-1secs")]
    [InlineData("health.consecutive_failures", "0")]
    public void HealthCheck_BadTiming_FailsNamingTheKey(string key, string value) =>
        Assert.Contains($"NodeSpec.config['{key}']", Assert.Throws<LaunchException>(() => Plan(Context(Node(config: (key, value))))).Message, StringComparison.Ordinal);

    [Fact]
    public void Probe_IsDisposedWithTheTask()
    {
        var plan = Plan(Context());

        Assert.Same(plan.HealthChecks.Single().Probe, Assert.Single(plan.Resources));
    }

    [Fact]
    public void AdminOperations_AreClusterJoinPlanCommitAndRingready()
    {
        var names = Plan(Context()).AdminOperations.Select(o => o.Name);

        Assert.Equal(["cluster-join", "cluster-plan", "cluster-commit", "ringready", "cluster-leave", "cluster-force-remove", "cluster-force-replace", "transfers"], names);
    }

    [Fact]
    public void AdminCommand_UnknownChoice_Fails() =>
        Assert.Contains("admin_command", Assert.Throws<LaunchException>(() => Plan(Context(Node(config: ("admin_command", "nodetool"))))).Message, StringComparison.Ordinal);

    [Fact]
    public void RenderedConf_ParsesBackToTheSameValues_ForAnyPortsAndRingSize()
    {
        var samples =
            from http in Gen.Choose(1, 65535)
            from pb in Gen.Choose(1, 65535)
            from handoff in Gen.Choose(1, 65535)
            from disterl in Gen.Choose(1, 65535)
            from exponent in Gen.Choose(3, 10)
            select (Http: http, Pb: pb, Handoff: handoff, Disterl: disterl, RingSize: 1 << exponent);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll(samples.ToArbitrary(), sample =>
        {
            var assigned = new Dictionary<string, int>(StringComparer.Ordinal)
            {
                ["http"] = sample.Http, ["pb"] = sample.Pb, ["handoff"] = sample.Handoff, ["disterl"] = sample.Disterl, ["epmd"] = 4369,
            };
            var conf = Conf(Plan(Context(Node(config: ("ring_size", Text(sample.RingSize))), ports: assigned)));
            return conf["listener.http.internal"] == "0.0.0.0:" + Text(sample.Http)
                && conf["listener.protobuf.internal"] == "0.0.0.0:" + Text(sample.Pb)
                && conf["handoff.port"] == Text(sample.Handoff)
                && conf["erlang.distribution.port_range.minimum"] == Text(sample.Disterl)
                && conf["erlang.distribution.port_range.maximum"] == Text(sample.Disterl)
                && conf["ring_size"] == Text(sample.RingSize);
        }));
    }

    [Fact]
    public void ConfOverrideValues_OnOneLineWithoutComments_RoundTrip()
    {
        var values = ArbMap.Default.GeneratorFor<string>()
            .Where(s => s is not null && s.Trim().Length > 0 && !s.Any(c => char.IsControl(c) || c == '#'));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(values.ToArbitrary(), value =>
        {
            var conf = Conf(Plan(Context(Node(config: ("riak.conf.some.key", value)))));
            return conf["some.key"] == value.Trim() && conf["nodename"] == "riak1@agent1.example";
        }));
    }

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string RiakSettingsCookie(string cluster) =>
        // Computed independently of the personality: "drover_" + 32 hex digits of SHA-256("drover riak cookie\0" + cluster).
        "drover_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("drover riak cookie\0" + cluster)).AsSpan(0, 16));
}
