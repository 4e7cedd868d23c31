using System.Buffers;
using System.Text;
using Drover.Mesos.RecordIO;

namespace Drover.Mesos.Tests.RecordIO;

/// <summary>Every way a RecordIO stream breaks has its kind, so callers and tests need not read messages.</summary>
public class RecordIOErrorKindTests
{
    private const int Max = 1024;

    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.ASCII.GetBytes(text));

    [Theory]
    [InlineData("\n", RecordIOErrorKind.EmptyLength)]
    [InlineData("a\n", RecordIOErrorKind.NotADigit)]
    [InlineData("1\r\n", RecordIOErrorKind.NotADigit)]
    [InlineData("000000000000000000000", RecordIOErrorKind.TooManyDigits)]
    [InlineData("1025\n", RecordIOErrorKind.RecordTooLarge)]
    [InlineData("99999", RecordIOErrorKind.RecordTooLarge)]
    public void TryRead_BadHeader_HasItsKind(string text, RecordIOErrorKind kind)
    {
        var buffer = Bytes(text);

        var e = Assert.Throws<RecordIOException>(() => RecordIOFrameReader.TryRead(ref buffer, Max, out _));
        Assert.Equal(kind, e.Kind);
    }

    [Theory]
    [InlineData("12", RecordIOErrorKind.TruncatedHeader)]
    [InlineData("5\nabc", RecordIOErrorKind.TruncatedRecord)]
    [InlineData("5\n", RecordIOErrorKind.TruncatedRecord)]
    public void Truncated_SaysWhichPartWasCut(string left, RecordIOErrorKind kind)
    {
        Assert.Equal(kind, RecordIOFrameReader.Truncated(Bytes(left), Max).Kind);
    }

    [Fact]
    public async Task StreamReader_KeepsTheKind_EveryTimeItIsAsked()
    {
        await using var reader = new RecordIOStreamReader(new MemoryStream("3\nabc10\nxyz"u8.ToArray()));
        Assert.NotNull(await reader.ReadAsync());

        var first = await Assert.ThrowsAsync<RecordIOException>(async () => await reader.ReadAsync());
        var again = await Assert.ThrowsAsync<RecordIOException>(async () => await reader.ReadAsync());

        Assert.Equal(RecordIOErrorKind.TruncatedRecord, first.Kind);
        Assert.Equal(RecordIOErrorKind.TruncatedRecord, again.Kind);
    }

    [Fact]
    public async Task StreamReader_OversizedRecord_IsRefusedBeforeItsBody()
    {
        // The body never arrives: the header alone must be enough to refuse it.
        await using var reader = new RecordIOStreamReader(new MemoryStream("2000\n"u8.ToArray()), maxRecordSize: Max);

        var e = await Assert.ThrowsAsync<RecordIOException>(async () => await reader.ReadAsync());
        Assert.Equal(RecordIOErrorKind.RecordTooLarge, e.Kind);
    }
}
