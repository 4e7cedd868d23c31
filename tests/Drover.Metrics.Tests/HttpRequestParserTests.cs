using System.Text;
using Drover.Metrics.Http;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Metrics.Tests;

public class HttpRequestParserTests
{
    private const int Limit = 8192;

    private const string PrometheusScrape =
        "GET /metrics HTTP/1.1\r\n" +
        "Host: 10.0.0.7:31005\r\n" +
        "User-Agent: Prometheus/2.42.0\r\n" +
        "Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n" +
        "Accept-Encoding: gzip\r\n" +
        "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n" +
        "\r\n";

    private static HttpParseResult Parse(string request) => HttpRequestParser.Parse(Encoding.Latin1.GetBytes(request), Limit);

    [Fact]
    public void Parse_PrometheusScrape_IsCompleteKeepAliveGet()
    {
        var bytes = Encoding.ASCII.GetBytes(PrometheusScrape);
        var result = HttpRequestParser.Parse(bytes, Limit);
        Assert.Equal(HttpParseStatus.Complete, result.Status);
        Assert.Equal(HttpMethodKind.Get, result.Method);
        Assert.Equal("/metrics", Encoding.ASCII.GetString(bytes.AsSpan(result.Target)));
        Assert.True(result.KeepAlive);
        Assert.False(result.HasBody);
        Assert.Equal(bytes.Length, result.HeadLength);
    }

    [Fact]
    public void Parse_EveryProperPrefix_IsIncomplete()
    {
        var bytes = Encoding.ASCII.GetBytes(PrometheusScrape);
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Equal(HttpParseStatus.Incomplete, HttpRequestParser.Parse(bytes.AsSpan(0, length), Limit).Status);
        }
    }

    [Fact]
    public void Parse_OneByteSegments_CompleteExactlyAtTheLastByte()
    {
        // Feeding the bytes one at a time into a growing buffer, as the connection does.
        var bytes = Encoding.ASCII.GetBytes(PrometheusScrape + "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
        var received = new List<byte>();
        var completedAt = -1;
        foreach (var b in bytes)
        {
            received.Add(b);
            var result = HttpRequestParser.Parse(received.ToArray(), Limit);
            if (result.Status == HttpParseStatus.Complete)
            {
                completedAt = received.Count;
                Assert.Equal(PrometheusScrape.Length, result.HeadLength);
                break;
            }
            Assert.Equal(HttpParseStatus.Incomplete, result.Status);
        }
        Assert.Equal(PrometheusScrape.Length, completedAt);
    }

    [Fact]
    public void Parse_Pipelined_ReportsTheFirstHeadLength()
    {
        var second = "HEAD /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(PrometheusScrape + second);
        var first = HttpRequestParser.Parse(bytes, Limit);
        Assert.Equal(PrometheusScrape.Length, first.HeadLength);
        var next = HttpRequestParser.Parse(bytes.AsSpan(first.HeadLength), Limit);
        Assert.Equal(HttpMethodKind.Head, next.Method);
        Assert.False(next.KeepAlive);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nconnection: Keep-Alive, CLOSE\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.0\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.0\r\nConnection: upgrade,  keep-alive \r\n\r\n", true)]
    public void Parse_Connection_FollowsRfc9112(string request, bool keepAlive)
    {
        var result = Parse(request);
        Assert.Equal(HttpParseStatus.Complete, result.Status);
        Assert.Equal(keepAlive, result.KeepAlive);
    }

    [Theory]
    [InlineData("POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", true)]
    [InlineData("GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("GET /metrics HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", true)]
    public void Parse_Body_IsDetected(string request, bool hasBody)
    {
        var result = Parse(request);
        Assert.Equal(HttpParseStatus.Complete, result.Status);
        Assert.Equal(hasBody, result.HasBody);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", RequestHeadError.HostMissingOrRepeated, 400)] // no Host
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", RequestHeadError.HostMissingOrRepeated, 400)]
    [InlineData("GET / HTTP/2.0\r\nHost: a\r\n\r\n", RequestHeadError.UnsupportedVersion, 505)]
    [InlineData("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", RequestHeadError.MalformedVersion, 400)]
    [InlineData("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", RequestHeadError.MalformedVersion, 400)]
    [InlineData("GET\r\nHost: a\r\n\r\n", RequestHeadError.MalformedMethod, 400)]
    [InlineData(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", RequestHeadError.MalformedMethod, 400)]
    [InlineData("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", RequestHeadError.MalformedMethod, 400)]
    [InlineData("GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n", RequestHeadError.MalformedTarget, 400)]
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n", RequestHeadError.MalformedHeaderName, 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", RequestHeadError.MalformedHeaderName, 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", RequestHeadError.MalformedHeaderName, 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000b\r\n\r\n", RequestHeadError.ControlCharacterInHeader, 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", RequestHeadError.MalformedContentLength, 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", RequestHeadError.MalformedContentLength, 400)]
    [InlineData("GET / HTTP/1.1\nHost: a\n\n", RequestHeadError.BareLineFeed, 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", RequestHeadError.BareLineFeed, 400)]
    public void Parse_Malformed_IsInvalidWithItsKindAndStatus(string request, RequestHeadError kind, int status)
    {
        var result = Parse(request);
        Assert.Equal(HttpParseStatus.Invalid, result.Status);
        Assert.Equal(kind, result.Error);
        Assert.Equal(status, result.ErrorStatus);
    }

    [Theory]
    [InlineData("\u0016\u0003\u0001\u0002")] // a TLS ClientHello's first bytes
    [InlineData("GET /\n")]
    [InlineData(" ")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\nX")]
    [InlineData("BREW /pot HTTP/9.9\r\n")]
    public void Parse_EarlyGarbage_IsRefusedBeforeTheHeadEnds(string partial)
    {
        Assert.Equal(HttpParseStatus.Invalid, Parse(partial).Status);
    }

    [Fact]
    public void Parse_HeadAtTheLimit_IsAcceptedAndOneByteMoreIs431()
    {
        var start = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
        var end = "\r\n\r\n";
        var exact = start + new string('v', Limit - start.Length - end.Length) + end;
        Assert.Equal(HttpParseStatus.Complete, Parse(exact).Status);
        var over = start + new string('v', Limit - start.Length - end.Length + 1) + end;
        var result = Parse(over);
        Assert.Equal(HttpParseStatus.Invalid, result.Status);
        Assert.Equal(RequestHeadError.HeadTooLarge, result.Error);
        Assert.Equal(431, result.ErrorStatus);
    }

    [Theory]
    [InlineData("/metrics", "/metrics")]
    [InlineData("/metrics?name[]=up", "/metrics")]
    [InlineData("http://10.0.0.7:9100/metrics?x=1", "/metrics")]
    [InlineData("HTTP://host/a/b", "/a/b")]
    [InlineData("http://host", "/")]
    [InlineData("http://host?x=/metrics", "/")]
    [InlineData("/a://b", "/a://b")]
    public void PathOf_OriginAndAbsoluteForm(string target, string path)
    {
        Assert.Equal(path, Encoding.ASCII.GetString(HttpRequestParser.PathOf(Encoding.ASCII.GetBytes(target))));
    }

    [Fact]
    public void Parse_TooManyHeaders_IsInvalid()
    {
        var request = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (var i = 0; i < HttpRequestParser.MaxHeaderCount; i++)
        {
            request.Append("X: 1\r\n");
        }
        var result = Parse(request.Append("\r\n").ToString());
        Assert.Equal(HttpParseStatus.Invalid, result.Status);
        Assert.Equal(RequestHeadError.TooManyHeaders, result.Error);
    }

    [Fact]
    public void Parse_RandomBytes_NeverThrowAndStayInBounds()
    {
        var alphabet = Gen.Elements<byte>([.. "GET /metrics HTTP/1.10\r\n: Host,close"u8, 0, 9, 0x7F, 0xC3, 0xFF]);
        var property = Prop.ForAll(Arb.From(Gen.ArrayOf(alphabet)), bytes =>
        {
            var result = HttpRequestParser.Parse(bytes, 64);
            switch (result.Status)
            {
                case HttpParseStatus.Complete:
                    Assert.InRange(result.HeadLength, 1, Math.Min(bytes.Length, 64));
                    Assert.InRange(result.Target.End.Value, 1, result.HeadLength);
                    break;
                case HttpParseStatus.Invalid:
                    Assert.NotEqual(RequestHeadError.None, result.Error);
                    Assert.Contains(result.ErrorStatus, new[] { 400, 431, 505 });
                    break;
                default:
                    Assert.True(bytes.Length < 64, "a full buffer must not stay incomplete");
                    break;
            }
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(5000), property);
    }

    [Fact]
    public void Parse_MutatedValidRequest_NeverThrows()
    {
        var valid = Encoding.ASCII.GetBytes(PrometheusScrape);
        var property = Prop.ForAll(
            Arb.From(Gen.Choose(0, valid.Length - 1).Two().Zip(Gen.Choose(0, 255))),
            mutation =>
            {
                var bytes = (byte[])valid.Clone();
                bytes[mutation.Item1.Item1] = (byte)mutation.Item2;
                var cut = Math.Max(mutation.Item1.Item1, mutation.Item1.Item2);
                HttpRequestParser.Parse(bytes, Limit);
                HttpRequestParser.Parse(bytes.AsSpan(0, cut), Limit);
            });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(5000), property);
    }
}
