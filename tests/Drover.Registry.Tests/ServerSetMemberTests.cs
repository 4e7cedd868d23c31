using System.Text;
using System.Text.Json;
using Drover.Registry.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Registry.Tests;

public sealed class ServerSetMemberTests
{
    private static readonly NodeRecord Running = Records.Node("ring", "node-1") with { State = NodeState.Running, Healthy = true };

    [Fact]
    public void ToJson_IsTheServerSetFormat_ThatAuroraAndFinagleRead()
    {
        var member = ServerSetMember.For(Running, primaryPort: "native", shard: 3)!;

        Assert.Equal(
            """{"serviceEndpoint":{"host":"10.1.2.3","port":9042},"additionalEndpoints":{"jmx":{"host":"10.1.2.3","port":7199},"native":{"host":"10.1.2.3","port":9042},"storage":{"host":"10.1.2.3","port":7000}},"status":"ALIVE","shard":3}""",
            Encoding.UTF8.GetString(member.ToJson()));
    }

    [Fact]
    public void ServiceEndpoint_IsTheNamedPrimaryPort_ElseTheFirstPort()
    {
        Assert.Equal(7000, ServerSetMember.For(Running, primaryPort: "storage")!.ServiceEndpoint.Port);
        Assert.Equal(9042, ServerSetMember.For(Running)!.ServiceEndpoint.Port);
        Assert.Equal(7199, ServerSetMember.For(Running with { Ports = [new NamedPort("jmx", 7199), new NamedPort("native", 9042)] })!.ServiceEndpoint.Port);
        Assert.Throws<ArgumentException>(() => ServerSetMember.For(Running, primaryPort: "thrift"));
        Assert.Null(ServerSetMember.For(Running with { Ports = [] }));
    }

    [Fact]
    public void Shard_IsOmitted_WhenNotGiven()
    {
        using var document = JsonDocument.Parse(ServerSetMember.For(Running)!.ToJson());

        Assert.False(document.RootElement.TryGetProperty("shard", out _));
    }

    [Theory]
    [InlineData(NodeState.Starting, null, "STARTING")]
    [InlineData(NodeState.Restarting, true, "STARTING")]
    [InlineData(NodeState.Running, null, "ALIVE")]
    [InlineData(NodeState.Running, true, "ALIVE")]
    [InlineData(NodeState.Running, false, "WARNING")]
    [InlineData(NodeState.Killing, true, "STOPPING")]
    [InlineData(NodeState.Finished, null, "STOPPED")]
    [InlineData(NodeState.Killed, null, "STOPPED")]
    [InlineData(NodeState.Failed, null, "DEAD")]
    [InlineData(NodeState.Lost, null, "DEAD")]
    [InlineData(NodeState.Error, null, "DEAD")]
    public void Status_FollowsStateAndHealth(NodeState state, bool? healthy, string expected)
    {
        Assert.Equal(expected, ServerSetMember.StatusName(ServerSetMember.StatusOf(state, healthy)));
    }

    [Fact]
    public void Parse_ReadsBackWhatWasWritten_AndWhatAuroraWrites()
    {
        var member = ServerSetMember.For(Running, "native", 7)!;
        var back = ServerSetMember.Parse(member.ToJson());
        Assert.True(back.SameEndpoints(member));
        Assert.Equal((ServerSetStatus.Alive, 7), (back.Status, back.Shard));

        // Aurora's announcer output: Gson, no shard, extra spaces.
        var aurora = ServerSetMember.Parse(Encoding.UTF8.GetBytes(
            """{ "serviceEndpoint": {"host": "a.example", "port": 31337}, "additionalEndpoints": {"http": {"host": "a.example", "port": 31337}}, "status": "ALIVE" }"""));
        Assert.Equal(new ServerSetEndpoint("a.example", 31337), aurora.ServiceEndpoint);
        Assert.Null(aurora.Shard);
    }

    [Theory]
    [InlineData("""{"status":"ALIVE"}""", "\"serviceEndpoint\"")]
    [InlineData("""{"serviceEndpoint":{"host":"h"},"status":"ALIVE"}""", "\"port\"")]
    [InlineData("""{"serviceEndpoint":{"host":"h","port":1},"status":"HAPPY"}""", "\"status\"")]
    [InlineData("""{"serviceEndpoint":{"host":"h","port":1}}""", "\"status\"")]
    [InlineData("""{"serviceEndpoint":{"host":"h","port":1},"status":"ALIVE","additionalEndpoints":{"x":3}}""", "additional endpoint")]
    public void Parse_RejectsBadMembers_NamingTheProblem(string json, string expected)
    {
        var error = Assert.Throws<RecordFormatException>(() => ServerSetMember.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RejectsEveryTruncation_AndSurvivesRandomBytes()
    {
        var json = ServerSetMember.For(Running, "native", 1)!.ToJson();
        for (var length = 0; length < json.Length; length++)
        {
            Assert.Throws<RecordFormatException>(() => ServerSetMember.Parse(json.AsMemory(0, length)));
        }
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            try
            {
                ServerSetMember.Parse(bytes ?? []);
            }
            catch (RecordFormatException)
            {
            }
            return true;
        }));
    }
}
