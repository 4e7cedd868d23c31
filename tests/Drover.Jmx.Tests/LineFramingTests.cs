using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Jmx.Tests;

public sealed class LineFramingTests
{
    [Fact]
    public void Find_AtEveryTruncationPoint_NeedsMoreUntilTheNewline()
    {
        var line = Encoding.UTF8.GetBytes("{\"id\":7,\"ok\":true,\"result\":\"pong\"}\n{\"id\":8");
        var end = Array.IndexOf(line, (byte)'\n');
        for (var length = 0; length <= line.Length; length++)
        {
            var (status, found) = LineFraming.Find(line.AsSpan(0, length), 1024);
            if (length <= end)
            {
                Assert.Equal(LineStatus.NeedMore, status);
            }
            else
            {
                Assert.Equal((LineStatus.Line, end), (status, found));
            }
        }
    }

    [Fact]
    public void Find_OneByteSegments_SeesTheSameLinesAsOneBuffer()
    {
        var text = Encoding.UTF8.GetBytes("a\nbb\n\nccc\nd");
        var lines = new List<string>();
        var buffer = new List<byte>();
        foreach (var b in text)
        {
            buffer.Add(b);
            var (status, length) = LineFraming.Find(buffer.ToArray(), 16);
            if (status == LineStatus.Line)
            {
                lines.Add(Encoding.UTF8.GetString(buffer.ToArray(), 0, length));
                buffer.RemoveRange(0, length + 1);
            }
        }

        Assert.Equal(["a", "bb", "", "ccc"], lines);
        Assert.Equal("d"u8.ToArray(), buffer.ToArray());
    }

    [Fact]
    public void Find_TooLong_BeforeTheNewlineArrives()
    {
        Assert.Equal(LineStatus.NeedMore, LineFraming.Find(new byte[8], 8).Status);
        Assert.Equal(LineStatus.TooLong, LineFraming.Find(new byte[9], 8).Status);
        Assert.Equal(LineStatus.Line, LineFraming.Find([.. new byte[8], (byte)'\n'], 8).Status);
        Assert.Equal(LineStatus.TooLong, LineFraming.Find([.. new byte[9], (byte)'\n'], 8).Status);
    }

    [Fact]
    public void Find_NeverThrows_AndNeverReportsALineOverTheLimit()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), ArbMap.Default.ArbFor<PositiveInt>(), (bytes, limit) =>
        {
            var max = limit.Get % 64;
            var (status, length) = LineFraming.Find(bytes, max);
            return status != LineStatus.Line || (length <= max && bytes[length] == (byte)'\n');
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void TryParseReply_AtEveryTruncationPoint_FailsCleanly()
    {
        var reply = Encoding.UTF8.GetBytes("{\"id\":3,\"ok\":true,\"values\":{\"A\":{\"x\":[1,true,null,\"s\"]},\"B\":-1.5e3}}");
        Assert.True(HelperProtocol.TryParseReply(reply, out var full, out _));
        Assert.Equal(-1500.0, full.Values!["B"].AsDouble());
        for (var length = 0; length < reply.Length; length++)
        {
            Assert.False(HelperProtocol.TryParseReply(reply.AsSpan(0, length), out _, out var error));
            Assert.NotEmpty(error);
        }
    }

    [Fact]
    public void TryParseReply_RandomBytes_NeverThrows()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            HelperProtocol.TryParseReply(bytes, out _, out _);
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void TryParseReply_DeepNesting_IsRejected()
    {
        var deep = "{\"id\":1,\"ok\":true,\"result\":" + new string('[', 200) + new string(']', 200) + "}";

        Assert.False(HelperProtocol.TryParseReply(Encoding.UTF8.GetBytes(deep), out _, out var error));
        Assert.Contains("depth", error, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("{\"id\":1}", "no \"ok\"")]
    [InlineData("{\"id\":1,\"ok\":false}", "without \"error\"")]
    [InlineData("[1]", "not a JSON object")]
    [InlineData("{\"id\":\"x\",\"ok\":true}", "\"id\"")]
    [InlineData("{\"id\":1,\"ok\":true} trailing", "")]
    public void TryParseReply_NotAReply_SaysWhy(string line, string reason)
    {
        Assert.False(HelperProtocol.TryParseReply(Encoding.UTF8.GetBytes(line), out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Requests_AreOneLine_EvenWithNewlinesInStrings()
    {
        var line = HelperProtocol.Invoke(5, "a:b=c", "op\nx", [JmxValue.From("multi\nline"), JmxValue.From(1.5)], ["java.lang.String", "double"]);

        Assert.Equal(1, line.Count(b => b == (byte)'\n'));
        Assert.Equal((byte)'\n', line[^1]);
    }
}
