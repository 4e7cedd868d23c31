using System.Net;
using System.Text;
using Drover.Sidecar.Configuration;
using Drover.Sidecar.Proxy;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Sidecar.Tests;

/// <summary>Settings from a JSON file, the environment and flags: precedence, and errors that name their source.</summary>
public sealed class SettingsTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Fact]
    public void FlagsOverrideTheEnvironment_WhichOverridesTheFile_AndListsAreReplacedWhole()
    {
        var file = """
            {
              "zookeeper": "file:2181", "framework": "from-file", "root": "/file", "sessionTimeout": "3secs",
              "clusters": ["a", "b"],
              "tls": { "certificate": "/c.pem", "key": "/k.pem" },
              "proxies": [ { "cluster": "ring", "port": "pb", "listen": "127.0.0.1:8087", "balance": "least-connections", "onNodeLoss": "close", "maxConnections": 10, "connectTimeout": "250ms" } ]
            }
            """;
        var environment = new Dictionary<string, string>
        {
            ["DROVER_SIDECAR_CONFIG"] = "/etc/sidecar.json",
            ["DROVER_SIDECAR_FRAMEWORK"] = "from-env",
            ["DROVER_SIDECAR_ZOOKEEPER"] = "env:2181",
            ["DROVER_SIDECAR_CLUSTERS"] = "x, y",
        };
        var settings = SettingsLoader.Load(["--zookeeper", "flag:2181", "--grpc=0.0.0.0:1234"], environment, Read(("/etc/sidecar.json", file)));

        Assert.Equal(("flag:2181", "from-env", "/file", TimeSpan.FromSeconds(3)), (settings.ZooKeeper, settings.Framework, settings.Root, settings.SessionTimeout));
        Assert.Equal(["x", "y"], settings.Clusters);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 1234), settings.Grpc);
        Assert.Equal(SidecarSettings.DefaultHttp, settings.Http);
        Assert.Equal(("/c.pem", "/k.pem"), (settings.TlsCertificate, settings.TlsKey));
        var proxy = Assert.Single(settings.Proxies);
        Assert.Equal(("ring", "pb", BalanceMode.LeastConnections, NodeLossPolicy.Close, 10, TimeSpan.FromMilliseconds(250)),
            (proxy.Cluster, proxy.PortName, proxy.Balance, proxy.OnNodeLoss, proxy.MaxConnections, proxy.ConnectTimeout));

        var flagged = SettingsLoader.Load(["--proxy", "ring/http=127.0.0.1:8098", "--proxy", "other/native=[::1]:9042,connect-attempts=5"], environment, Read(("/etc/sidecar.json", file)));
        Assert.Equal(["ring/http", "other/native"], flagged.Proxies.Select(p => p.Name));
        Assert.Equal((new IPEndPoint(IPAddress.IPv6Loopback, 9042), 5), (flagged.Proxies[1].Listen, flagged.Proxies[1].ConnectAttempts));
    }

    [Theory]
    [InlineData(new[] { "--bogus", "1" }, "unknown option '--bogus'")]
    [InlineData(new[] { "--zookeeper" }, "--zookeeper needs a value")]
    [InlineData(new string[0], "the ZooKeeper connect string is required")]
    [InlineData(new[] { "--zookeeper", "h:1", "--grpc", "nowhere" }, "--grpc: 'nowhere' is not <ip>:<port>")]
    [InlineData(new[] { "--zookeeper", "h:1", "--grpc", "host.example:80" }, "--grpc: 'host.example' is not an IP address")]
    [InlineData(new[] { "--zookeeper", "h:1", "--http", "127.0.0.1:70000" }, "--http: the port of '127.0.0.1:70000' must be from 0 to 65535")]
    [InlineData(new[] { "--zookeeper", "h:1", "--session-timeout", "10s" }, "--session-timeout:")]
    [InlineData(new[] { "--zookeeper", "h:1", "--cluster", "a/b" }, "--cluster:")]
    [InlineData(new[] { "--zookeeper", "h:1", "--proxy", "ring=127.0.0.1:1" }, "--proxy: 'ring=127.0.0.1:1' is not <cluster>/<port name>=<ip:port>")]
    [InlineData(new[] { "--zookeeper", "h:1", "--proxy", "ring/pb=127.0.0.1:1,balance=random" }, "--proxy: balance: 'random' is not round-robin or least-connections")]
    [InlineData(new[] { "--zookeeper", "h:1", "--proxy", "ring/pb=127.0.0.1:1,max-connections=0" }, "--proxy: max-connections: MaxConnections must be from 1 to 1000000")]
    [InlineData(new[] { "--zookeeper", "h:1", "--proxy", "ring/pb=127.0.0.1:1,speed=fast" }, "--proxy: unknown proxy option 'speed'")]
    [InlineData(new[] { "--zookeeper", "h:1", "--proxy", "a/pb=127.0.0.1:5", "--proxy", "b/pb=127.0.0.1:5" }, "two proxies listen on 127.0.0.1:5")]
    [InlineData(new[] { "--zookeeper", "h:1", "--tls-key", "/k" }, "--tls-key: a TLS key needs a certificate")]
    [InlineData(new[] { "--zookeeper", "h:1", "--log-level", "loud" }, "--log-level: 'loud' is not trace")]
    public void ABadFlag_IsRefusedNamingIt(string[] args, string expected)
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(args, NoEnvironment, Read()));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "sidecar.json: the settings must be a JSON object")]
    [InlineData("{\"zookeeper\": \"h:1\", \"colour\": \"red\"}", "sidecar.json: colour: unknown setting")]
    [InlineData("{\"zookeeper\": \"h:1\", \"proxies\": [{\"cluster\": \"ring\", \"listen\": \"127.0.0.1:1\"}]}", "sidecar.json: proxies[0].port: is required")]
    [InlineData("{\"zookeeper\": \"h:1\", \"proxies\": [{\"cluster\": \"ring\", \"port\": \"pb\", \"listen\": \"127.0.0.1:1\", \"onNodeLoss\": \"drop\"}]}", "sidecar.json: proxies[0].onNodeLoss: 'drop' is not keep or close")]
    [InlineData("{\"zookeeper\": {\"a\": 1}}", "sidecar.json: zookeeper: must be a string or a number")]
    [InlineData("{\"zookeeper\": \"h:1\",", "sidecar.json: not valid JSON")]
    public void ABadFile_IsRefusedNamingTheKey(string json, string expected)
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(["--config", "/etc/sidecar.json"], NoEnvironment, Read(("/etc/sidecar.json", json))));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDigestFile_IsRead_AndItsSecretNeverAppearsInAnError()
    {
        var settings = SettingsLoader.Load(["--zookeeper", "h:1", "--digest-file", "/d"], NoEnvironment, Read(("/d", "drover:s3cret:with:colons\n")));
        Assert.Equal("drover", settings.Credentials!.User);

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(["--zookeeper", "h:1", "--digest-file", "/d"], NoEnvironment, Read(("/d", "s3cret-without-colon"))));
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("--digest-file:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnyFileContent_IsSettingsOrASettingsError_NeverAnotherException()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(ArbMap.Default.ArbFor<string>(), text =>
        {
            try
            {
                SettingsLoader.Load(["--config", "/f"], NoEnvironment, Read(("/f", text ?? "")));
            }
            catch (SettingsException)
            {
            }
            return true;
        }));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(ArbMap.Default.ArbFor<string>(), spec =>
        {
            try
            {
                SettingsLoader.Load(["--zookeeper", "h:1", "--proxy", spec ?? ""], NoEnvironment, Read());
            }
            catch (SettingsException)
            {
            }
            return true;
        }));
    }

    private static Func<string, byte[]> Read(params (string Path, string Content)[] files) => path =>
        files.FirstOrDefault(f => f.Path == path) is { Path: not null } file
            ? Encoding.UTF8.GetBytes(file.Content)
            : throw new FileNotFoundException($"no file {path}");
}
