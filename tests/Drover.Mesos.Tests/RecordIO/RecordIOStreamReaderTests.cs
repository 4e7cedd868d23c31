using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Drover.Mesos.RecordIO;

namespace Drover.Mesos.Tests.RecordIO;

public class RecordIOStreamReaderTests
{
    private static async Task<List<string>> ReadAllAsync(RecordIOStreamReader reader)
    {
        var records = new List<string>();
        await foreach (var record in reader.ReadAllAsync())
        {
            records.Add(Encoding.ASCII.GetString(record.Span));
        }

        return records;
    }

    [Fact]
    public async Task ReadAsync_RecordsThenCleanEnd_ReturnsRecordsThenNull()
    {
        await using var reader = new RecordIOStreamReader(new MemoryStream("5\nhello6\nworld!"u8.ToArray()));

        Assert.Equal("hello", Encoding.ASCII.GetString((await reader.ReadAsync())!.Value.Span));
        Assert.Equal("world!", Encoding.ASCII.GetString((await reader.ReadAsync())!.Value.Span));
        Assert.Null(await reader.ReadAsync());
        Assert.Null(await reader.ReadAsync());
    }

    [Fact]
    public async Task ReadAsync_OneByteReads_ReadsTheSameRecords()
    {
        var stream = new ChunkedStream("5\nhello0\n6\nworld!"u8.ToArray(), [1]);
        await using var reader = new RecordIOStreamReader(stream);

        Assert.Equal(["hello", "", "world!"], await ReadAllAsync(reader));
    }

    [Fact]
    public async Task ReadAsync_EndInsideRecord_ThrowsTruncated()
    {
        await using var reader = new RecordIOStreamReader(new MemoryStream("5\nhello10\nabc"u8.ToArray()));

        Assert.NotNull(await reader.ReadAsync());
        var e = await Assert.ThrowsAsync<RecordIOException>(async () => await reader.ReadAsync());
        Assert.Equal("truncated RecordIO record: expected 10 bytes, got 3 before the end of the stream", e.Message);
    }

    [Fact]
    public async Task ReadAsync_AfterFramingError_KeepsFailing()
    {
        await using var reader = new RecordIOStreamReader(new MemoryStream("x\n"u8.ToArray()));

        await Assert.ThrowsAsync<RecordIOException>(async () => await reader.ReadAsync());
        var again = await Assert.ThrowsAsync<RecordIOException>(async () => await reader.ReadAsync());
        Assert.Contains("not a decimal digit", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_OversizedDeclaredLength_FailsWithoutReadingTheBody()
    {
        // The peer declares 2 GB and then sends bytes forever: the reader must stop at the header.
        var stream = new EndlessStream("2000000000\n"u8.ToArray());
        await using var reader = new RecordIOStreamReader(stream, maxRecordSize: 1024 * 1024);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var e = await Assert.ThrowsAsync<RecordIOException>(async () => await reader.ReadAsync());

        Assert.Contains("exceeds the limit of 1048576 bytes", e.Message, StringComparison.Ordinal);
        Assert.True(stream.BytesRead <= 64 * 1024, $"read {stream.BytesRead} bytes of an oversized record");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < 1024 * 1024, "allocated for an oversized record");
    }

    [Fact]
    public async Task ReadAsync_ParseOverload_ParsesInPlaceAndConsumesEvenWhenParseThrows()
    {
        await using var reader = new RecordIOStreamReader(new MemoryStream("3\nbad2\nok"u8.ToArray()));

        await Assert.ThrowsAsync<FormatException>(async () =>
            await reader.ReadAsync<string>(_ => throw new FormatException("undecodable")));
        var next = await reader.ReadAsync(bytes => Encoding.ASCII.GetString(bytes.ToArray()));

        Assert.Equal("ok", next);
    }

    [Fact]
    public async Task ReadAsync_Cancelled_ThrowsOperationCanceledWithTheCallersToken()
    {
        var pipe = new Pipe();
        await using var reader = new RecordIOStreamReader(pipe.Reader);
        using var cts = new CancellationTokenSource();

        var pending = reader.ReadAsync(cts.Token);
        await cts.CancelAsync();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
        Assert.Equal(cts.Token, e.CancellationToken);
    }

    [Fact]
    public async Task ReadAsync_RecordArrivesInPieces_WaitsForTheWholeRecord()
    {
        var pipe = new Pipe();
        await using var reader = new RecordIOStreamReader(pipe.Reader);

        var pending = reader.ReadAsync();
        await pipe.Writer.WriteAsync("5\nhe"u8.ToArray());
        Assert.False(pending.IsCompleted);
        await pipe.Writer.WriteAsync("llo"u8.ToArray());

        Assert.Equal("hello", Encoding.ASCII.GetString((await pending)!.Value.Span));
    }
}
