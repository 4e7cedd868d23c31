using System.Text;
using System.Text.Json;
using Drover.Registry.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Registry.Tests;

public sealed class NodeRecordJsonTests
{
    private static readonly NodeRecord Sample = Records.Node("ring", "node-1") with { State = NodeState.Running, Healthy = true };

    [Fact]
    public void Write_UsesTheDocumentedFields_InOrder_AndReadsBackEqual()
    {
        var json = NodeRecordJson.Write(Sample);

        using var document = JsonDocument.Parse(json);
        Assert.Equal(
            ["cluster", "node", "kind", "host", "ports", "taskId", "agentId", "executorId", "state", "healthy", "version"],
            document.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("""{"native":9042,"storage":7000,"jmx":7199}""", document.RootElement.GetProperty("ports").GetRawText());
        Assert.Equal("running", document.RootElement.GetProperty("state").GetString());
        Assert.True(document.RootElement.GetProperty("healthy").GetBoolean());
        Assert.Equal(Sample, NodeRecordJson.Parse(json));
    }

    [Fact]
    public void Write_WritesNullForAbsentOptionalFields_AndHealthUnknown()
    {
        var record = Sample with { TaskId = null, AgentId = null, ExecutorId = null, Version = null, Healthy = null, Ports = [] };

        var json = Encoding.UTF8.GetString(NodeRecordJson.Write(record));

        Assert.Contains("\"healthy\":null", json, StringComparison.Ordinal);
        Assert.Contains("\"taskId\":null", json, StringComparison.Ordinal);
        Assert.Contains("\"ports\":{}", json, StringComparison.Ordinal);
        Assert.Equal(record, NodeRecordJson.Parse(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Parse_AcceptsMissingOptionalFields_IgnoresUnknownOnes_AndReadsUnknownStatesAsUnknown()
    {
        var json = """{"cluster":"c","node":"n","kind":"riak","host":"h","ports":{"pb":8087},"state":"draining","extra":{"a":[1,2]}}""";

        var record = NodeRecordJson.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal(NodeState.Unknown, record.State);
        Assert.Null(record.Healthy);
        Assert.Null(record.TaskId);
        Assert.Equal([new NamedPort("pb", 8087)], record.Ports);
    }

    [Theory]
    [InlineData("""{"node":"n","kind":"k","host":"h","ports":{},"state":"running"}""", "\"cluster\"")]
    [InlineData("""{"cluster":1,"node":"n","kind":"k","host":"h","ports":{},"state":"running"}""", "\"cluster\"")]
    [InlineData("""{"cluster":"","node":"n","kind":"k","host":"h","ports":{},"state":"running"}""", "\"cluster\"")]
    [InlineData("""{"cluster":"c","node":"n","kind":"k","host":"h","ports":[],"state":"running"}""", "\"ports\"")]
    [InlineData("""{"cluster":"c","node":"n","kind":"k","host":"h","ports":{"a":"1"},"state":"running"}""", "ports.a")]
    [InlineData("""{"cluster":"c","node":"n","kind":"k","host":"h","ports":{"a":70000},"state":"running"}""", "ports.a")]
    [InlineData("""{"cluster":"c","node":"n","kind":"k","host":"h","ports":{"a":1.5},"state":"running"}""", "ports.a")]
    [InlineData("""{"cluster":"c","node":"n","kind":"k","host":"h","ports":{"a":1,"a":2},"state":"running"}""", "\"a\" twice")]
    [InlineData("""{"cluster":"c","node":"n","kind":"k","host":"h","ports":{},"state":"running","healthy":"yes"}""", "\"healthy\"")]
    [InlineData("""{"cluster":"c","node":"n","kind":"k","host":"h","ports":{},"state":7}""", "\"state\"")]
    [InlineData("""{"cluster":"c","cluster":"c","node":"n","kind":"k","host":"h","ports":{},"state":"running"}""", "\"cluster\" twice")]
    [InlineData("""[1,2,3]""", "not an object")]
    [InlineData("""null""", "not an object")]
    [InlineData("""{"cluster":"c",}""", "not valid JSON")]
    [InlineData("""{"a":[[[[[[[[[[1]]]]]]]]]]}""", "not valid JSON")]
    public void Parse_RejectsBadRecords_NamingTheProblem(string json, string expected)
    {
        var error = Assert.Throws<RecordFormatException>(() => NodeRecordJson.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RefusesOversizedData_BeforeParsing()
    {
        var huge = new byte[JsonObjectLimit + 1];
        Array.Fill(huge, (byte)' ');

        var error = Assert.Throws<RecordFormatException>(() => NodeRecordJson.Parse(huge));

        Assert.Contains("limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RejectsEveryTruncation_OfAValidRecord()
    {
        var json = NodeRecordJson.Write(Sample);
        for (var length = 0; length < json.Length; length++)
        {
            Assert.Throws<RecordFormatException>(() => NodeRecordJson.Parse(json.AsMemory(0, length)));
        }
    }

    [Fact]
    public void Parse_OfRandomBytes_ReturnsARecordOrThrowsRecordFormatException() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes => ParsesOrRejects(bytes ?? [])));

    /// <summary>Garbage that is nearly right: a valid record with one byte replaced, or a slice cut out.</summary>
    [Fact]
    public void Parse_OfMutatedRecords_ReturnsARecordOrThrowsRecordFormatException()
    {
        var json = NodeRecordJson.Write(Sample);
        var mutations =
            from position in Gen.Choose(0, json.Length - 1)
            from value in Gen.Elements<byte>((byte)'"', (byte)'{', (byte)'}', (byte)':', (byte)',', (byte)'[', (byte)'1', (byte)'\\', 0x00, 0xC3, 0xFF, (byte)'n')
            from cut in Gen.Choose(0, 12)
            select (position, value, cut);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(mutations.ToArbitrary(), m =>
        {
            var replaced = (byte[])json.Clone();
            replaced[m.position] = m.value;
            var cut = json.AsSpan(0, m.position).ToArray().Concat(json.AsSpan(Math.Min(json.Length, m.position + m.cut)).ToArray()).ToArray();
            return ParsesOrRejects(replaced) && ParsesOrRejects(cut);
        }));
    }

    [Fact]
    public void Validate_RefusesRecordsThatCannotBeRegistered()
    {
        Assert.Throws<ArgumentException>(() => NodeRecordJson.Write(Sample with { Node = "a/b" }));
        Assert.Throws<ArgumentException>(() => NodeRecordJson.Write(Sample with { Cluster = ".." }));
        Assert.Throws<ArgumentException>(() => NodeRecordJson.Write(Sample with { Host = "" }));
        Assert.Throws<ArgumentException>(() => NodeRecordJson.Write(Sample with { Ports = [new NamedPort("a", 0)] }));
        Assert.Throws<ArgumentException>(() => NodeRecordJson.Write(Sample with { Ports = [new NamedPort("a", 1), new NamedPort("a", 2)] }));
        Assert.Throws<ArgumentException>(() => NodeRecordJson.Write(Sample with { State = NodeState.Unknown }));
    }

    private const int JsonObjectLimit = 64 * 1024;

    private static bool ParsesOrRejects(byte[] bytes)
    {
        try
        {
            NodeRecordJson.Parse(bytes);
        }
        catch (RecordFormatException)
        {
        }
        return true;
    }
}
