using System.Buffers;
using System.Text;
using Drover.Mesos.RecordIO;

namespace Drover.Mesos.Tests.RecordIO;

public class RecordIOFrameReaderTests
{
    private const int Max = 1024;

    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.ASCII.GetBytes(text));

    private static List<string> ReadAll(ref ReadOnlySequence<byte> buffer, int max = Max)
    {
        var records = new List<string>();
        while (RecordIOFrameReader.TryRead(ref buffer, max, out var record) == RecordIOReadResult.Record)
        {
            records.Add(Encoding.ASCII.GetString(record.ToArray()));
        }

        return records;
    }

    [Fact]
    public void TryRead_TwoRecords_SlicesBothAndConsumesAll()
    {
        var buffer = Bytes("5\nhello6\nworld!");

        Assert.Equal(["hello", "world!"], ReadAll(ref buffer));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryRead_RecordIsASliceOfTheInput_NotACopy()
    {
        var bytes = Encoding.ASCII.GetBytes("3\nabc");
        var buffer = new ReadOnlySequence<byte>(bytes);

        RecordIOFrameReader.TryRead(ref buffer, Max, out var record);

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(record.First, out var segment));
        Assert.Same(bytes, segment.Array);
        Assert.Equal(2, segment.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("12")]
    [InlineData("5\n")]
    [InlineData("5\nhell")]
    public void TryRead_ShortInput_NeedsMoreDataAndLeavesBufferUntouched(string text)
    {
        var buffer = Bytes(text);

        Assert.Equal(RecordIOReadResult.NeedMoreData, RecordIOFrameReader.TryRead(ref buffer, Max, out _));
        Assert.Equal(text.Length, buffer.Length);
    }

    [Fact]
    public void TryRead_ZeroLength_IsAnEmptyRecordLikeMesosDecoder()
    {
        var buffer = Bytes("0\n2\nok");

        Assert.Equal(["", "ok"], ReadAll(ref buffer));
    }

    [Fact]
    public void TryRead_LeadingZeros_AreAcceptedLikeMesosDecoder()
    {
        var buffer = Bytes("0003\nabc");

        Assert.Equal(["abc"], ReadAll(ref buffer));
    }

    [Fact]
    public void TryRead_TwentyDigitsOfLeadingZeros_AreAccepted()
    {
        var buffer = Bytes(new string('0', 19) + "2\nok");

        Assert.Equal(["ok"], ReadAll(ref buffer));
    }

    [Fact]
    public void TryRead_MoreThanTwentyDigits_FailsBeforeTheNewline()
    {
        var buffer = Bytes(new string('0', 21));

        var e = Assert.Throws<RecordIOException>(() => RecordIOFrameReader.TryRead(ref buffer, Max, out _));
        Assert.Contains("more than 20 digits", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\n", "empty length")]
    [InlineData("a\n", "byte 0x61 at offset 0 is not a decimal digit")]
    [InlineData("1a", "byte 0x61 at offset 1 is not a decimal digit")]
    [InlineData("-1\n", "byte 0x2D at offset 0")]
    [InlineData("+1\n", "byte 0x2B at offset 0")]
    [InlineData(" 1\n", "byte 0x20 at offset 0")]
    [InlineData("1 \n", "byte 0x20 at offset 1")]
    [InlineData("1\r\n", "byte 0x0D at offset 1")]
    [InlineData("0x10\n", "byte 0x78 at offset 1")]
    public void TryRead_MalformedHeader_ThrowsNamingTheProblem(string text, string expected)
    {
        var buffer = Bytes(text);

        var e = Assert.Throws<RecordIOException>(() => RecordIOFrameReader.TryRead(ref buffer, Max, out _));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_DeclaredLengthAboveLimit_FailsBeforeTheBodyArrives()
    {
        var buffer = Bytes("1025\n");

        var e = Assert.Throws<RecordIOException>(() => RecordIOFrameReader.TryRead(ref buffer, Max, out _));
        Assert.Equal("RecordIO record length 1025 bytes exceeds the limit of 1024 bytes", e.Message);
    }

    [Fact]
    public void TryRead_DeclaredLengthAboveLimit_FailsEvenBeforeTheNewline()
    {
        var buffer = Bytes("99999");

        var e = Assert.Throws<RecordIOException>(() => RecordIOFrameReader.TryRead(ref buffer, Max, out _));
        Assert.Contains("of at least 9999 bytes exceeds the limit of 1024", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_LengthExactlyAtLimit_IsAccepted()
    {
        ReadOnlySequence<byte> buffer = new(RecordIOWriter.Frame(new byte[Max]));

        Assert.Equal(RecordIOReadResult.Record, RecordIOFrameReader.TryRead(ref buffer, Max, out var record));
        Assert.Equal(Max, record.Length);
    }

    [Fact]
    public void TryRead_HugeDeclaredLength_ThrowsInsteadOfOverflowing()
    {
        var buffer = Bytes("18446744073709551616\n");

        Assert.Throws<RecordIOException>(() => RecordIOFrameReader.TryRead(ref buffer, int.MaxValue, out _));
    }

    [Fact]
    public void TryRead_OneByteSegments_ReadsTheSameRecords()
    {
        var buffer = Segments.OneByteSegments(Encoding.ASCII.GetBytes("5\nhello0\n12\nhello world!"));

        Assert.Equal(["hello", "", "hello world!"], ReadAll(ref buffer));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Truncated_InsideRecord_SaysExpectedAndGot()
    {
        var e = RecordIOFrameReader.Truncated(Bytes("10\nabc"), Max);

        Assert.Equal("truncated RecordIO record: expected 10 bytes, got 3 before the end of the stream", e.Message);
    }

    [Fact]
    public void Truncated_InsideHeader_ShowsTheHeaderSoFar()
    {
        var e = RecordIOFrameReader.Truncated(Bytes("12"), Max);

        Assert.Equal("truncated RecordIO length header: the stream ended after '12' without a newline", e.Message);
    }

    [Fact]
    public void Writer_FramesLikeMesosEncoder()
    {
        Assert.Equal("5\nhello", Encoding.ASCII.GetString(RecordIOWriter.Frame("hello"u8)));
        Assert.Equal("0\n", Encoding.ASCII.GetString(RecordIOWriter.Frame([])));
        Assert.Equal(3 + 10, RecordIOWriter.FramedLength(10));
        Assert.Equal(9 + 12345678, RecordIOWriter.FramedLength(12345678));
    }

    [Fact]
    public void Writer_AppendsToAnyBufferWriter()
    {
        var output = new ArrayBufferWriter<byte>(1);
        RecordIOWriter.Write(output, "ab"u8);
        RecordIOWriter.Write(output, new byte[1234]);

        Assert.Equal(RecordIOWriter.FramedLength(2) + RecordIOWriter.FramedLength(1234), output.WrittenCount);
        Assert.StartsWith("2\nab1234\n", Encoding.ASCII.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }
}
