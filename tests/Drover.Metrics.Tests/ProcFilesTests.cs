using System.Text;
using Drover.Metrics.Procfs;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Metrics.Tests;

public class ProcFilesTests
{
    // A real line from proc(5)'s layout; the command name holds spaces and parentheses on purpose.
    private const string Stat =
        "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 1519 0 0 0 250 75 0 0 20 0 9 0 123456 2779039170 1186 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0 0 0 0\n";

    private const string Limits =
        "Limit                     Soft Limit           Hard Limit           Units     \n" +
        "Max cpu time              unlimited            unlimited            seconds   \n" +
        "Max open files            20000                1048576              files     \n" +
        "Max address space         unlimited            unlimited            bytes     \n";

    [Fact]
    public void TryParseStat_CountsFieldsAfterTheLastParenthesis()
    {
        Assert.True(ProcFiles.TryParseStat(Encoding.ASCII.GetBytes(Stat), out var stat));
        Assert.Equal(new ProcStat(250, 75, 9, 123456, 2779039170, 1186), stat);
    }

    [Fact]
    public void TryParseStat_EveryTruncation_FailsCleanly()
    {
        var bytes = Encoding.ASCII.GetBytes(Stat);
        // Field 24 (rss) ends at the space after "1186"; every shorter prefix lacks a needed field or cuts it short.
        var complete = Stat.IndexOf(" 1186 ", StringComparison.Ordinal) + " 1186 ".Length;
        for (var length = 0; length < complete; length++)
        {
            Assert.False(ProcFiles.TryParseStat(bytes.AsSpan(0, length), out _), $"prefix of {length} bytes parsed");
        }
        for (var length = complete; length <= bytes.Length; length++)
        {
            Assert.True(ProcFiles.TryParseStat(bytes.AsSpan(0, length), out _), $"prefix of {length} bytes did not parse");
        }
    }

    [Fact]
    public void Parsers_RandomBytes_NeverThrow()
    {
        var property = Prop.ForAll(Arb.From(Gen.ArrayOf(Gen.Elements<byte>((byte)' ', (byte)')', (byte)'(', (byte)'\n', (byte)'1', (byte)'-', (byte)'x', 0, 255))), bytes =>
        {
            ProcFiles.TryParseStat(bytes, out _);
            ProcFiles.TryParseBootTime(bytes, out _);
            ProcFiles.TryParseSoftLimit(bytes, "Max open files"u8, out _);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    [Fact]
    public void TryParseStat_MutatedFields_FailOrParse()
    {
        var bytes = Encoding.ASCII.GetBytes(Stat);
        for (var i = 0; i < bytes.Length; i++)
        {
            foreach (var replacement in new[] { (byte)'x', (byte)' ', (byte)')', (byte)'-' })
            {
                var copy = (byte[])bytes.Clone();
                copy[i] = replacement;
                ProcFiles.TryParseStat(copy, out _);
            }
        }
    }

    [Fact]
    public void TryParseBootTime_FindsTheBtimeLine()
    {
        var stat = Encoding.ASCII.GetBytes("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n");
        Assert.True(ProcFiles.TryParseBootTime(stat, out var boot));
        Assert.Equal(1700000000, boot);
        Assert.False(ProcFiles.TryParseBootTime("cpu 1\nbtime x\n"u8, out _));
        Assert.False(ProcFiles.TryParseBootTime("cpu 1\n"u8, out _));
    }

    [Fact]
    public void TryParseSoftLimit_ReadsNumbersAndUnlimited()
    {
        var limits = Encoding.ASCII.GetBytes(Limits);
        Assert.True(ProcFiles.TryParseSoftLimit(limits, "Max open files"u8, out var files));
        Assert.Equal(20000, files);
        Assert.True(ProcFiles.TryParseSoftLimit(limits, "Max address space"u8, out var address));
        Assert.Equal(18446744073709551615.0, address);
        Assert.False(ProcFiles.TryParseSoftLimit(limits, "Max locked memory"u8, out _));
    }
}
