namespace Drover.Jmx.Tests;

public sealed class JmxAttributeCheckTests
{
    private static readonly JmxAttributeCheck Cassandra = new("org.apache.cassandra.db:type=StorageService",
    [
        JmxCondition.Create("OperationMode", JmxComparison.Equals, "NORMAL"),
        JmxCondition.Create("GossipRunning", JmxComparison.Equals, "true"),
        JmxCondition.Create("ExceptionCount", JmxComparison.LessThan, "10"),
        JmxCondition.Create("LoadString", JmxComparison.NotEquals, "0 bytes"),
    ]);

    [Fact]
    public void Judge_AllHold_IsHealthy()
    {
        var (healthy, detail) = Cassandra.Judge(Values("NORMAL", true, 3, "74 KiB"));

        Assert.True(healthy);
        Assert.Equal("OperationMode = NORMAL, GossipRunning = true, ExceptionCount < 10, LoadString != 0 bytes", detail);
    }

    [Fact]
    public void Judge_NamesEveryFailedCondition()
    {
        var (healthy, detail) = Cassandra.Judge(Values("JOINING", false, 12, "0 bytes"));

        Assert.False(healthy);
        Assert.Equal("OperationMode is JOINING, want NORMAL; GossipRunning is false, want true; ExceptionCount is 12, want < 10; LoadString is 0 bytes, want not 0 bytes", detail);
    }

    [Fact]
    public void Numbers_CompareAsNumbers_AndMissingAttributesFail()
    {
        var equals = JmxCondition.Create("N", JmxComparison.Equals, "42");
        var greater = JmxCondition.Create("N", JmxComparison.GreaterThan, "1.5");

        Assert.Null(equals.Check(JmxValue.From(42.0)));
        Assert.Null(equals.Check(JmxValue.From("42")));
        Assert.Null(greater.Check(JmxValue.From(2)));
        Assert.Equal("N is [\"x\"], want > 1.5", greater.Check(JmxValue.Array("x")));
        Assert.Equal("N is null, want > 1.5", greater.Check(JmxValue.Null));
    }

    [Fact]
    public void Create_NonNumericBound_SaysSo()
    {
        var error = Assert.Throws<ArgumentException>(() => JmxCondition.Create("Load", JmxComparison.GreaterThan, "lots"));

        Assert.Contains("'lots' is not a number", error.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, JmxValue> Values(string mode, bool gossip, long exceptions, string load) => new(StringComparer.Ordinal)
    {
        ["OperationMode"] = JmxValue.From(mode),
        ["GossipRunning"] = JmxValue.From(gossip),
        ["ExceptionCount"] = JmxValue.From(exceptions),
        ["LoadString"] = JmxValue.From(load),
    };
}
