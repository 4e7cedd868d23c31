using System.Text;
using Drover.Registry;
using Drover.Registry.Epmd;
using Drover.ZooKeeper;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Epmd.Tests;

public class EpmdRecordJsonTests
{
    private static readonly NodeRegistration Sample =
        new("riak", 40123, EpmdNodeType.Normal, 0, 6, 5, [1, 2, 255], 4_000_000_000, "agent1.example");

    [Fact]
    public void Write_HasEveryFieldInOrder_AndReadsBackEqual()
    {
        var json = Encoding.UTF8.GetString(EpmdRecordJson.Write(Sample));
        Assert.Equal(
            """{"name":"riak","host":"agent1.example","port":40123,"nodeType":77,"protocol":0,"highestVersion":6,"lowestVersion":5,"extra":"AQL/","creation":4000000000}""",
            json);
        var back = EpmdRecordJson.Parse(EpmdRecordJson.Write(Sample));
        Assert.Equal(Sample with { Extra = [] }, back with { Extra = [] });
        Assert.True(Sample.Extra.AsSpan().SequenceEqual(back.Extra.AsSpan()));
        Assert.Null(EpmdRecordJson.Parse(EpmdRecordJson.Write(Sample with { Host = null, Extra = [] })).Host);
    }

    [Theory]
    [InlineData("""{"host":null,"port":1,"nodeType":77,"protocol":0,"highestVersion":6,"lowestVersion":5,"creation":1}""", "name")]
    [InlineData("""{"name":"a","port":70000,"nodeType":77,"protocol":0,"highestVersion":6,"lowestVersion":5,"creation":1}""", "port")]
    [InlineData("""{"name":"a","port":1,"nodeType":300,"protocol":0,"highestVersion":6,"lowestVersion":5,"creation":1}""", "nodeType")]
    [InlineData("""{"name":"a","port":1,"nodeType":77,"protocol":0,"highestVersion":6,"lowestVersion":-5,"creation":1}""", "lowestVersion")]
    [InlineData("""{"name":"a","port":1,"nodeType":77,"protocol":0,"highestVersion":6,"lowestVersion":5,"creation":-1}""", "creation")]
    [InlineData("""{"name":"a","port":1,"nodeType":77,"protocol":0,"highestVersion":6,"lowestVersion":5,"creation":1,"extra":"!!"}""", "extra")]
    [InlineData("""{"name":"a","host":"","port":1,"nodeType":77,"protocol":0,"highestVersion":6,"lowestVersion":5,"creation":1}""", "host")]
    [InlineData("""{"name":"a","port":"1","nodeType":77,"protocol":0,"highestVersion":6,"lowestVersion":5,"creation":1}""", "port")]
    public void Parse_RefusesABadField_NamingIt(string json, string field)
    {
        var error = Assert.Throws<RecordFormatException>(() => EpmdRecordJson.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Parse_EveryTruncation_AndRandomBytes_GiveARecordFormatException()
    {
        var whole = EpmdRecordJson.Write(Sample);
        for (var length = 0; length < whole.Length; length++)
        {
            Assert.Throws<RecordFormatException>(() => EpmdRecordJson.Parse(whole.AsMemory(0, length)));
        }
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll<byte[]>(bytes =>
        {
            try
            {
                EpmdRecordJson.Parse(bytes);
                return true;
            }
            catch (RecordFormatException)
            {
                return true;
            }
        }));
    }

    [Theory]
    [InlineData("riak", "riak")]
    [InlineData("", "%")]
    [InlineData(".", "%2E")]
    [InlineData("..", "%2E%2E")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("50%", "50%25")]
    [InlineData("tab\there", "tab%09here")]
    [InlineData("caf\u00e9", "caf\u00e9")]
    [InlineData("\U0001F600", "%F0%9F%98%80")]
    public void ZnodeName_KeepsSafeNames_AndEncodesTheRest(string erlangName, string znodeName) =>
        Assert.Equal(znodeName, EpmdZnodeName.Of(erlangName));

    [Fact]
    public void ZnodeName_IsAlwaysOneValidSegment_AndOneToOne()
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll<NonNull<string>>(text =>
        {
            var name = text.Get;
            if (!IsValidUtf16(name))
            {
                return true;
            }
            var znode = EpmdZnodeName.Of(name);
            ZooKeeperPath.Validate("/epmd/" + znode);
            Assert.DoesNotContain('/', znode);
            if (seen.TryGetValue(znode, out var other))
            {
                return other == name;
            }
            seen[znode] = name;
            return true;
        }));
    }

    private static bool IsValidUtf16(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }
        return true;
    }
}
