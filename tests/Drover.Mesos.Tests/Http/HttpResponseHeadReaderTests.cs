using System.Buffers;
using System.Text;
using Drover.Mesos.Http;
using Drover.Mesos.Tests.RecordIO;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Mesos.Tests.Http;

/// <summary>Response heads as Mesos and Kestrel send them, the framing they announce, and heads that break the rules.</summary>
public class HttpResponseHeadReaderTests
{
    private const string MesosSubscribed =
        "HTTP/1.1 200 OK\r\nDate: Fri, 05 Dec 2026 06:00:00 GMT\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n";

    private static HttpResponseHead Read(string text, HttpLimits? limits = null)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text));
        Assert.True(HttpResponseHeadReader.TryRead(ref buffer, limits ?? HttpLimits.Default, out var head));
        return head;
    }

    private static Http1ErrorKind Refused(string text, HttpLimits? limits = null)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text));
        return Assert.Throws<Http1Exception>(() => HttpResponseHeadReader.TryRead(ref buffer, limits ?? HttpLimits.Default, out _)).Kind;
    }

    [Fact]
    public void TryRead_ASubscribeAnswer_IsChunkedAndStaysOpen()
    {
        var head = Read(MesosSubscribed);

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("OK", head.ReasonPhrase);
        Assert.Equal(HttpBodyFraming.Chunked, head.Framing);
        Assert.True(head.KeepAlive);
        Assert.Equal("application/x-protobuf", head.Header("content-type"));
    }

    [Fact]
    public void TryRead_LeavesTheBodyInTheBuffer()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(MesosSubscribed + "5\r\n"));

        Assert.True(HttpResponseHeadReader.TryRead(ref buffer, HttpLimits.Default, out _));

        Assert.Equal("5\r\n", Encoding.ASCII.GetString(buffer.ToArray()));
    }

    [Theory]
    [InlineData("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", 202, HttpBodyFraming.ContentLength, 0, true)]
    [InlineData("HTTP/1.1 400 Bad Request\r\nContent-Length: 12\r\nContent-Length: 12\r\n\r\n", 400, HttpBodyFraming.ContentLength, 12, true)]
    [InlineData("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 5\r\n\r\n", 503, HttpBodyFraming.ContentLength, 5, false)]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", 200, HttpBodyFraming.UntilClose, -1, false)]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", 204, HttpBodyFraming.None, -1, true)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", 304, HttpBodyFraming.None, -1, true)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", 200, HttpBodyFraming.ContentLength, 2, false)]
    [InlineData("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\n", 200, HttpBodyFraming.ContentLength, 2, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 200, HttpBodyFraming.Chunked, -1, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 200, HttpBodyFraming.UntilClose, -1, false)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 10\r\n\r\n", 200, HttpBodyFraming.Chunked, -1, false)]
    [InlineData("HTTP/1.1 200 OK\nContent-Length: 1\n\n", 200, HttpBodyFraming.ContentLength, 1, true)]
    [InlineData("HTTP/1.1 200\r\nContent-Length: 1\r\n\r\n", 200, HttpBodyFraming.ContentLength, 1, true)]
    [InlineData("HTTP/1.9 200 OK\r\nContent-Length: 1\r\n\r\n", 200, HttpBodyFraming.ContentLength, 1, true)]
    public void TryRead_TheFramingAndConnectionFollowRfc9112(string text, int status, HttpBodyFraming framing, long length, bool keepAlive)
    {
        var head = Read(text);

        Assert.Equal(status, head.StatusCode);
        Assert.Equal(framing, head.Framing);
        Assert.Equal(length, head.ContentLength);
        Assert.Equal(keepAlive, head.KeepAlive);
    }

    [Fact]
    public void TryRead_HeaderValues_AreTrimmedAndKeptInOrder()
    {
        var head = Read("HTTP/1.1 200 OK\r\nA:   one \t\r\nB:\r\nA: two\r\nContent-Length: 0\r\n\r\n");

        Assert.Equal([new("A", "one"), new("B", ""), new("A", "two"), new("Content-Length", "0")], head.Headers);
        Assert.Equal("one", head.Header("a"));
        Assert.Null(head.Header("missing"));
    }

    [Theory]
    [InlineData("HTTP/2 200 OK\r\n\r\n", Http1ErrorKind.MalformedStatusLine)]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n", Http1ErrorKind.MalformedStatusLine)]
    [InlineData("HTTP/1.1 099 Low\r\n\r\n", Http1ErrorKind.MalformedStatusLine)]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n", Http1ErrorKind.MalformedStatusLine)]
    [InlineData("HTTP/1.1  200 OK\r\n\r\n", Http1ErrorKind.MalformedStatusLine)]
    [InlineData("http/1.1 200 OK\r\n\r\n", Http1ErrorKind.MalformedStatusLine)]
    [InlineData("HTTP/1.1 200 O\x01K\r\n\r\n", Http1ErrorKind.MalformedStatusLine)]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n\r\n", Http1ErrorKind.MalformedStatusLine)]
    [InlineData("\r\n\r\n", Http1ErrorKind.MalformedStatusLine)]
    [InlineData("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", Http1ErrorKind.MalformedHeader)]
    [InlineData("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", Http1ErrorKind.MalformedHeader)]
    [InlineData("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", Http1ErrorKind.MalformedHeader)]
    [InlineData("HTTP/1.1 200 OK\r\nA: one\r\n  folded\r\n\r\n", Http1ErrorKind.MalformedHeader)]
    [InlineData("HTTP/1.1 200 OK\r\nA: a\x00b\r\n\r\n", Http1ErrorKind.MalformedHeader)]
    [InlineData("HTTP/1.1 200 OK\r\nA: a\rb\r\n\r\n", Http1ErrorKind.MalformedHeader)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", Http1ErrorKind.BadContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n", Http1ErrorKind.BadContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", Http1ErrorKind.BadContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", Http1ErrorKind.BadContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", Http1ErrorKind.BadContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", Http1ErrorKind.BadContentLength)]
    public void TryRead_AMalformedHead_IsAnErrorOfItsKind(string text, Http1ErrorKind kind) => Assert.Equal(kind, Refused(text));

    [Fact]
    public void TryRead_AHeadThatNeverEnds_IsAnErrorAtTheLimit()
    {
        var limits = new HttpLimits { MaxHeadBytes = 1024 };
        var endless = "HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Repeat("X-Pad: 0123456789\r\n", 100));

        Assert.Equal(Http1ErrorKind.HeadTooLarge, Refused(endless, limits));
        Assert.Equal(Http1ErrorKind.HeadTooLarge, Refused("HTTP/1.1 200 " + new string('x', 2000), limits));
    }

    [Fact]
    public void TryRead_TooManyHeaderLines_IsAnError()
    {
        var limits = new HttpLimits { MaxHeaders = 10 };
        var head = "HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Range(0, 11).Select(i => $"X-{i}: v\r\n")) + "\r\n";

        Assert.Equal(Http1ErrorKind.TooManyHeaders, Refused(head, limits));
    }

    [Fact]
    public void TryRead_EveryTruncation_NeedsMoreDataAndLeavesTheBufferAlone()
    {
        var bytes = Encoding.ASCII.GetBytes(MesosSubscribed);
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes[..cut]);

            Assert.False(HttpResponseHeadReader.TryRead(ref buffer, HttpLimits.Default, out _));
            Assert.Equal(cut, buffer.Length);
        }
    }

    [Fact]
    public void TryRead_AnySegmentation_ReadsTheSameHead()
    {
        var bytes = Encoding.ASCII.GetBytes(MesosSubscribed + "rest");
        var cuts = Gen.ArrayOf(Gen.Choose(1, 8));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(cuts.ToArbitrary(), c =>
        {
            var buffer = Segments.Split(bytes, c);
            return HttpResponseHeadReader.TryRead(ref buffer, HttpLimits.Default, out var head)
                && head.Framing == HttpBodyFraming.Chunked
                && head.Headers.Count == 3
                && Encoding.ASCII.GetString(buffer.ToArray()) == "rest";
        }));
    }

    [Fact]
    public void TryRead_RandomBytes_AreReadOrRefused_NeverACrash()
    {
        var line = Gen.Elements("HTTP/1.1 200 OK", "HTTP/1.0 404", "Content-Length: 5", "Content-Length: x", "Transfer-Encoding: chunked",
            "Connection: close", "A:b", "", " folded", "\x00\x01", "HTTP/1.1 1", ": x", "X-Y: \x7F");
        var text = from lines in Gen.ListOf(line) from newline in Gen.Elements("\r\n", "\n") select string.Join(newline, lines) + newline + newline;
        var noise = Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>());
        var input = Gen.Frequency((3, text.Select(t => Encoding.Latin1.GetBytes(t))), (1, noise));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(input.ToArbitrary(), bytes =>
        {
            try
            {
                var buffer = Segments.OneByteSegments(bytes);
                HttpResponseHeadReader.TryRead(ref buffer, new HttpLimits { MaxHeadBytes = 512, MaxHeaders = 8 }, out _);
                return true;
            }
            catch (Http1Exception)
            {
                return true;
            }
        }));
    }

    [Fact]
    public void Truncated_SaysHowMuchArrived()
    {
        Assert.Contains("before a response arrived", HttpResponseHeadReader.Truncated(ReadOnlySequence<byte>.Empty).Message, StringComparison.Ordinal);
        Assert.Equal(Http1ErrorKind.TruncatedHead, HttpResponseHeadReader.Truncated(new ReadOnlySequence<byte>("HTTP/1.1"u8.ToArray())).Kind);
    }
}
