using System.Buffers;
using Drover.Mesos.Http;

namespace Drover.Mesos.Tests.Http;

/// <summary>The chunked decoder on the shapes senders really produce, and on each way the framing can break.</summary>
public class ChunkedDecoderTests
{
    [Fact]
    public void Read_TheRfcExample_GivesTheBodyAndEnds()
    {
        var decoded = Chunked.Whole(Chunked.Ascii("4\r\nWiki\r\n7\r\npedia i\r\nB\r\nn \r\nchunks.\r\n0\r\n\r\n"));

        Assert.Equal("Wikipedia in \r\nchunks.", System.Text.Encoding.ASCII.GetString(decoded.Body));
        Assert.True(decoded.Ended);
        Assert.Empty(decoded.Left);
    }

    [Fact]
    public void Read_ExtensionsTrailersBareNewlinesAndLeadingZeros_AreAccepted()
    {
        var decoded = Chunked.Whole(Chunked.Ascii("0005;a=b\nhello\n00 ; last\nX-Trailer: 1\nOther: 2\r\n\r\n"));

        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(decoded.Body));
        Assert.True(decoded.Ended);
    }

    [Fact]
    public void Read_BytesAfterTheLastChunk_AreLeftForTheNextResponse()
    {
        var decoded = Chunked.Whole(Chunked.Ascii("3\r\nabc\r\n0\r\n\r\nHTTP/1.1 202 Accepted\r\n"));

        Assert.True(decoded.Ended);
        Assert.Equal("HTTP/1.1 202 Accepted\r\n", System.Text.Encoding.ASCII.GetString(decoded.Left));
    }

    [Fact]
    public void Read_AfterTheEnd_KeepsSayingEndAndConsumesNothing()
    {
        var decoder = new ChunkedDecoder();
        var buffer = new ReadOnlySequence<byte>(Chunked.Ascii("0\r\n\r\nmore"));

        Assert.Equal(ChunkedReadResult.End, decoder.Read(ref buffer, out _));
        Assert.Equal(ChunkedReadResult.End, decoder.Read(ref buffer, out _));
        Assert.Equal(4, buffer.Length);
        Assert.True(decoder.IsComplete);
    }

    [Fact]
    public void Read_LimitedRoom_HandsOutTheChunkInPieces()
    {
        var decoder = new ChunkedDecoder();
        var buffer = new ReadOnlySequence<byte>(Chunked.Ascii("a\r\n0123456789\r\n0\r\n\r\n"));
        var pieces = new List<string>();
        while (decoder.Read(ref buffer, out var data, maxData: 4) == ChunkedReadResult.Data)
        {
            pieces.Add(System.Text.Encoding.ASCII.GetString(data.ToArray()));
        }

        Assert.Equal(["0123", "4567", "89"], pieces);
        Assert.True(decoder.IsComplete);
    }

    [Theory]
    [InlineData("g\r\n", Http1ErrorKind.MalformedChunkSize)]
    [InlineData("\r\n", Http1ErrorKind.MalformedChunkSize)]
    [InlineData(";ext\r\n", Http1ErrorKind.MalformedChunkSize)]
    [InlineData("-5\r\n", Http1ErrorKind.MalformedChunkSize)]
    [InlineData("5 5\r\n", Http1ErrorKind.MalformedChunkSize)]
    [InlineData("0x5\r\n", Http1ErrorKind.MalformedChunkSize)]
    [InlineData("5\r\nhelloX\r\n", Http1ErrorKind.MissingChunkTerminator)]
    [InlineData("5\r\nhello\rX", Http1ErrorKind.MissingChunkTerminator)]
    [InlineData("1000000000000000\r\n", Http1ErrorKind.ChunkTooLarge)]
    [InlineData("80000000\r\n", Http1ErrorKind.ChunkTooLarge)]
    public void Read_MalformedFraming_IsAnErrorOfItsKind(string input, Http1ErrorKind kind)
    {
        var e = Assert.Throws<Http1Exception>(() => Chunked.Whole(Chunked.Ascii(input)));

        Assert.Equal(kind, e.Kind);
    }

    [Fact]
    public void Read_AnInvalidByte_IsAnErrorBeforeTheLineEnds()
    {
        var e = Assert.Throws<Http1Exception>(() => Chunked.Whole(Chunked.Ascii("1f?")));

        Assert.Equal(Http1ErrorKind.MalformedChunkSize, e.Kind);
    }

    [Fact]
    public void Read_ASizeLineLongerThanTheLimit_IsAnErrorWithoutItsEnd()
    {
        var limits = new HttpLimits { MaxChunkLineBytes = 64 };

        var e = Assert.Throws<Http1Exception>(() => Chunked.Whole(Chunked.Ascii("5;" + new string('x', 100)), limits));

        Assert.Equal(Http1ErrorKind.ChunkTooLarge, e.Kind);
    }

    [Fact]
    public void Read_TrailersBeyondTheLimit_AreAnError()
    {
        var limits = new HttpLimits { MaxTrailerBytes = 100 };
        var trailers = string.Concat(Enumerable.Repeat("X-Pad: 0123456789\r\n", 10));

        var e = Assert.Throws<Http1Exception>(() => Chunked.Whole(Chunked.Ascii("0\r\n" + trailers + "\r\n"), limits));

        Assert.Equal(Http1ErrorKind.TrailersTooLarge, e.Kind);
    }

    [Fact]
    public void Read_AChunkAboveTheSizeLimit_IsRefusedBeforeItsData()
    {
        var limits = new HttpLimits { MaxChunkSize = 1000 };

        var e = Assert.Throws<Http1Exception>(() => Chunked.Whole(Chunked.Ascii("3e9\r\n"), limits));

        Assert.Equal(Http1ErrorKind.ChunkTooLarge, e.Kind);
    }

    [Theory]
    [InlineData("", "before the last chunk")]
    [InlineData("5\r\nhel", "2 bytes before the end of a chunk")]
    [InlineData("0\r\nX-Trailer: 1\r\n", "in the trailer section")]
    public void Truncated_SaysWhereTheBodyWasCut(string input, string expected)
    {
        var decoder = new ChunkedDecoder();
        var buffer = new ReadOnlySequence<byte>(Chunked.Ascii(input));
        while (decoder.Read(ref buffer, out _) == ChunkedReadResult.Data)
        {
        }

        var e = decoder.Truncated();

        Assert.Equal(Http1ErrorKind.TruncatedBody, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
