using Drover.Scheduler.Model;

namespace Drover.Scheduler.Tests;

public class ClusterSpecTests
{
    private const string Generic = """
        {"name":"web","kind":"GENERIC","count":3,"version":"1.0",
         "resources":{"cpus":0.5,"mem":256,"disk":64,"volume":128},
         "ports":[{"name":"http"},{"name":"admin","port":9990}],
         "placement":{"max_per_agent":1,"unique_hostname":true,"attributes":[{"attribute":"rack","operator":"LIKE","value":"r[12]"}]},
         "config":{"a":"b"},
         "service":{"command":"exec ./server --port $PORT_HTTP","environment":{"MODE":"prod"}},
         "replace_after":"30mins",
         "health":{"checks":[{"name":"http","http":{"port":"http","path":"/health"}}]},
         "restart_policy":{"max_restarts":3,"window":"5mins"}}
        """;

    [Fact]
    public void Parse_ValidSpec_KeepsEveryField()
    {
        var spec = ClusterSpecJson.Parse(Generic);

        Assert.Equal("web", spec.Name);
        Assert.Equal(ClusterKind.Generic, spec.Kind);
        Assert.Equal(3, spec.Count);
        Assert.Equal(128, spec.Resources!.Volume);
        Assert.Equal(9990, spec.Ports[1].Port);
        Assert.Null(spec.Ports[0].Port);
        Assert.Equal(ConstraintOperator.Like, spec.Placement.Attributes[0].Operator);
        Assert.Equal(TimeSpan.FromMinutes(30), spec.ReplaceAfterOrDefault());
        Assert.True(spec.ExpectsHealth());
    }

    [Fact]
    public void Serialize_RoundTrips()
    {
        var spec = ClusterSpecJson.Parse(Generic);

        var again = ClusterSpecJson.Parse(ClusterSpecJson.Serialize(spec));

        Assert.Equal(ClusterSpecJson.Serialize(spec), ClusterSpecJson.Serialize(again));
    }

    [Theory]
    [InlineData("""{"name":"web","kind":"GENERIC","count":1,"resources":{"cpus":1,"mem":64},"service":{"command":"x"},"colour":"red"}""", "colour", "unknown field")]
    [InlineData("""{"name":"web","kind":"GENERIC","count":1,"resources":{"cpus":1,"mem":64,"gpus":1},"service":{"command":"x"}}""", "resources.gpus", "unknown field")]
    [InlineData("""{"name":"web","kind":"GENERIC","count":"three","resources":{"cpus":1,"mem":64},"service":{"command":"x"}}""", "count", "wrong type")]
    [InlineData("""{"name":"web","kind":"MONGO","count":1,"resources":{"cpus":1,"mem":64},"service":{"command":"x"}}""", "kind", "wrong type")]
    [InlineData("""{"name":"web",""", "", "malformed JSON")]
    [InlineData("""{"name":null,"kind":"GENERIC","count":1,"resources":{"cpus":1,"mem":64},"service":{"command":"x"}}""", "name", "null")]
    [InlineData("""{"name":"web","kind":"GENERIC","count":1,"resources":{"cpus":1,"mem":64},"service":null}""", "service", "null")]
    public void Parse_BadJson_NamesTheField(string json, string field, string message)
    {
        var e = Assert.Throws<SpecException>(() => ClusterSpecJson.Parse(json));

        var error = Assert.Single(e.Errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name", "\"name\":\"Web\"")]
    [InlineData("name", "\"name\":\"a/b\"")]
    [InlineData("name", "\"name\":\"..\"")]
    [InlineData("name", "\"name\":\"web-\"")]
    [InlineData("count", "\"count\":-1")]
    [InlineData("count", "\"count\":100000")]
    [InlineData("resources.cpus", "\"resources\":{\"cpus\":0,\"mem\":64}")]
    [InlineData("resources.mem", "\"resources\":{\"cpus\":1,\"mem\":1e12}")]
    [InlineData("resources.volume", "\"resources\":{\"cpus\":1,\"mem\":64,\"volume\":-5}")]
    [InlineData("resources.mem", "\"resources\":{\"cpus\":1}")]
    [InlineData("ports[1].name", "\"ports\":[{\"name\":\"a\"},{\"name\":\"a\"}]")]
    [InlineData("ports[0].port", "\"ports\":[{\"name\":\"a\",\"port\":70000}]")]
    [InlineData("ports[0].name", "\"ports\":[{\"name\":\"A B\"}]")]
    [InlineData("placement.max_per_agent", "\"placement\":{\"max_per_agent\":0}")]
    [InlineData("placement.attributes[0].value", "\"placement\":{\"attributes\":[{\"attribute\":\"rack\",\"operator\":\"LIKE\",\"value\":\"([\"}]}")]
    [InlineData("placement.attributes[0].operator", "\"placement\":{\"attributes\":[{\"attribute\":\"rack\",\"value\":\"x\"}]}")]
    [InlineData("replace_after", "\"replace_after\":\"soon\"")]
    [InlineData("replace_after", "\"replace_after\":\"90days\"")]
    [InlineData("service.install_dir", "\"service\":{\"command\":\"x\",\"install_dir\":\"relative/path\"}")]
    [InlineData("service.environment.1BAD", "\"service\":{\"command\":\"x\",\"environment\":{\"1BAD\":\"v\"}}")]
    [InlineData("health.checks[0].http.port", "\"health\":{\"checks\":[{\"http\":{\"port\":\"nope\"}}]}")]
    [InlineData("health.checks[0]", "\"health\":{\"checks\":[{\"tcp\":{\"port\":\"a\"},\"command\":\"true\"}]}")]
    [InlineData("zookeeper.connect", "\"zookeeper\":{\"connect\":\"\"}")]
    public void Validate_BadValue_NamesTheField(string field, string member)
    {
        var json = Spec(member);

        var e = Assert.Throws<SpecException>(() => ClusterSpecJson.Parse(json));

        Assert.Contains(e.Errors, error => error.Field == field);
    }

    [Fact]
    public void Validate_PersonalityWithoutItsPorts_SaysWhichPortIsMissing()
    {
        var json = """{"name":"ring","kind":"CASSANDRA","count":3,"resources":{"cpus":1,"mem":1024},"ports":[{"name":"native"}],"service":{"install_dir":"/opt/cassandra"}}""";

        var e = Assert.Throws<SpecException>(() => ClusterSpecJson.Parse(json));

        Assert.Contains(e.Errors, error => error.Field == "ports" && error.Message.Contains("'storage'", StringComparison.Ordinal));
        Assert.Contains(e.Errors, error => error.Field == "ports" && error.Message.Contains("'jmx'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RiakWithAnyEpmdPort_IsRefused()
    {
        var json = """{"name":"kv","kind":"RIAK","count":3,"resources":{"cpus":1,"mem":1024},"service":{"install_dir":"/opt/riak"},"ports":[{"name":"http"},{"name":"pb"},{"name":"handoff"},{"name":"disterl"},{"name":"epmd"}]}""";

        var e = Assert.Throws<SpecException>(() => ClusterSpecJson.Parse(json));

        var error = Assert.Single(e.Errors);
        Assert.Equal("ports[4].port", error.Field);
    }

    [Fact]
    public void Validate_EveryErrorAtOnce()
    {
        var e = Assert.Throws<SpecException>(() => ClusterSpecJson.Parse("{}"));

        Assert.Equal(["name", "kind", "count", "resources"], e.Errors.Select(x => x.Field).ToArray());
    }

    [Fact]
    public void Parse_TooLarge_IsRefusedBeforeParsing()
    {
        var json = "{\"name\":\"" + new string('a', ClusterSpecJson.MaxBytes) + "\"}";

        var e = Assert.Throws<SpecException>(() => ClusterSpecJson.Parse(json));

        Assert.Contains("bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ArbitraryBytes_NeverCrashes()
    {
        var random = new Random(11);
        var valid = System.Text.Encoding.UTF8.GetBytes(Generic);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = (byte[])valid.Clone();
            var flips = random.Next(1, 4);
            for (var f = 0; f < flips; f++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            var cut = random.Next(bytes.Length + 1);
            try
            {
                _ = ClusterSpecJson.Parse(bytes.AsSpan(0, cut));
            }
            catch (SpecException e)
            {
                Assert.NotEmpty(e.Errors);
            }
        }
    }

    /// <summary>A valid GENERIC spec with one member replaced or added.</summary>
    private static string Spec(string member)
    {
        var members = new Dictionary<string, string>
        {
            ["name"] = "\"name\":\"web\"",
            ["kind"] = "\"kind\":\"GENERIC\"",
            ["count"] = "\"count\":1",
            ["resources"] = "\"resources\":{\"cpus\":1,\"mem\":64}",
            ["service"] = "\"service\":{\"command\":\"x\"}",
            ["ports"] = "\"ports\":[{\"name\":\"a\"}]",
        };
        var key = member[1..member.IndexOf('"', 1)];
        members[key] = member;
        return "{" + string.Join(",", members.Values) + "}";
    }
}
