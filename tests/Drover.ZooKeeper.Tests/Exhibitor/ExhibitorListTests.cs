using System.Text;
using Drover.ZooKeeper.Exhibitor;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.ZooKeeper.Tests.Exhibitor;

public sealed class ExhibitorListTests
{
    [Fact]
    public void ExhibitorsAnswer_GivesTheServersOnItsPort()
    {
        var servers = Parse("""{"servers":["zk1.example","10.0.0.2","zk1.example","fe80::1"],"port":2181}""");

        Assert.Equal([new("zk1.example", 2181), new("10.0.0.2", 2181), new("fe80::1", 2181)], servers);
    }

    [Fact]
    public void UnknownMembers_AreSkipped_InAnyOrder() =>
        Assert.Equal(
            [new ServerAddress("a", 1)],
            Parse("""  {"port":1, "extra":{"deep":[1,{"x":null}]}, "servers":["a"], "more":true}  """));

    [Theory]
    [InlineData("", ExhibitorErrorKind.Malformed)]
    [InlineData("null", ExhibitorErrorKind.Malformed)]
    [InlineData("[]", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a"],"port":2181""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a"],"port":2181} {}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a"],"port":2181} x""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a"]}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"port":2181}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":"a","port":2181}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":[1],"port":2181}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":[["a"]],"port":2181}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a"],"port":"2181"}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a"],"port":0}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a"],"port":65536}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a"],"port":2181.5}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a"],"port":1e99}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":[""],"port":2181}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a,b"],"port":2181}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a/chroot"],"port":2181}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a b"],"port":2181}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a\u0000"],"port":2181}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":["a"],"port":2181 /* c */}""", ExhibitorErrorKind.Malformed)]
    [InlineData("""{"servers":[],"port":2181}""", ExhibitorErrorKind.EmptyList)]
    public void BrokenAnswers_AreErrorsOfTheirKind(string json, ExhibitorErrorKind kind)
    {
        var error = Assert.Throws<ExhibitorException>(() => ExhibitorList.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(kind, error.Kind);
    }

    [Fact]
    public void HostileShapes_AreRefused_WithinTheirBounds()
    {
        var tooMany = $$"""{"servers":[{{string.Join(',', Enumerable.Range(0, ExhibitorList.MaxServers + 1).Select(i => $"\"h{i}\""))}}],"port":1}""";
        var longName = $$"""{"servers":["{{new string('a', ExhibitorList.MaxHostLength + 1)}}"],"port":1}""";
        var deep = new string('[', 1000) + new string(']', 1000);
        var deepMember = $$"""{"x":{{new string('[', 1000)}}{{new string(']', 1000)}},"servers":["a"],"port":1}""";

        foreach (var json in new[] { tooMany, longName, deep, deepMember })
        {
            Assert.Equal(ExhibitorErrorKind.Malformed, Assert.Throws<ExhibitorException>(() => ExhibitorList.Parse(Encoding.UTF8.GetBytes(json))).Kind);
        }
        Assert.Equal(ExhibitorList.MaxServers, ExhibitorList.Parse(Encoding.UTF8.GetBytes(tooMany.Replace("\"h0\",", "", StringComparison.Ordinal))).Count);
    }

    [Fact]
    public void InvalidUtf8_IsMalformed() =>
        Assert.Equal(ExhibitorErrorKind.Malformed, Assert.Throws<ExhibitorException>(() => ExhibitorList.Parse([.. "{\"servers\":[\""u8, 0xff, 0xfe, .. "\"],\"port\":1}"u8])).Kind);

    /// <summary>Random bytes: a list or an ExhibitorException, never another exception.</summary>
    [Fact]
    public void RandomBytes_GiveAListOrAnExhibitorError() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes => ParsesOrRefuses(bytes ?? [])));

    /// <summary>Random JSON-ish text built from the answer's own pieces: mostly near misses.</summary>
    [Fact]
    public void NearMisses_GiveAListOrAnExhibitorError()
    {
        string[] pieces = ["{", "}", "[", "]", ",", ":", "\"servers\"", "\"port\"", "\"a\"", "\"10.0.0.1\"", "2181", "-1", "0", "1e3", "null", "true", "\"\"", " ", "\"x\""];
        var texts = Gen.ListOf(Gen.Elements(pieces)).Select(parts => string.Concat(parts));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(3000), Prop.ForAll(texts.ToArbitrary(), text => ParsesOrRefuses(Encoding.UTF8.GetBytes(text))));
    }

    /// <summary>Well-formed answers of any size within the bounds come back as exactly their servers.</summary>
    [Fact]
    public void WellFormedAnswers_RoundTrip()
    {
        var host = Gen.Elements("zk", "a-b", "node_1", "10.1.2.3", "fe80::7").SelectMany(h => Gen.Choose(0, 999).Select(n => $"{h}{n}"));
        var answers = Gen.Choose(1, 20).SelectMany(n => Gen.ArrayOf(host, n)).SelectMany(hosts => Gen.Choose(1, 65535).Select(port => (hosts, port)));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(answers.ToArbitrary(), answer =>
        {
            var json = $$"""{"servers":[{{string.Join(',', answer.hosts.Select(h => $"\"{h}\""))}}],"port":{{answer.port}}}""";
            var servers = ExhibitorList.Parse(Encoding.UTF8.GetBytes(json));
            return servers.SequenceEqual(answer.hosts.Distinct(StringComparer.OrdinalIgnoreCase).Select(h => new ServerAddress(h, answer.port)));
        }));
    }

    private static IReadOnlyList<ServerAddress> Parse(string json) => ExhibitorList.Parse(Encoding.UTF8.GetBytes(json));

    private static bool ParsesOrRefuses(byte[] bytes)
    {
        try
        {
            var servers = ExhibitorList.Parse(bytes);
            return servers.Count is > 0 and <= ExhibitorList.MaxServers;
        }
        catch (ExhibitorException)
        {
            return true;
        }
    }
}
