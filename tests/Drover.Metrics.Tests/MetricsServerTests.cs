using System.Diagnostics;
using System.Net;
using Drover.Metrics.Http;
using Drover.Net;
using Drover.Testing;
using FsCheck.Fluent;

namespace Drover.Metrics.Tests;

public sealed class MetricsServerTests : IAsyncLifetime
{
    private const string Get = "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n";
    private readonly MetricRegistry _registry = new();
    private MetricsServer _server = null!;

    public Task InitializeAsync()
    {
        _registry.CreateCounter("requests_total", "Requests.", "path").WithLabels("/a\"b").Inc(42);
        _registry.CreateGauge("temperature", "Temperature.").Set(double.NaN);
        _server = MetricsServer.Start(_registry, IPAddress.Loopback, 0);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void Start_OnPortZero_ExposesTheBoundPort()
    {
        Assert.InRange(_server.Port, 1, 65535);
        Assert.Equal(IPAddress.Loopback, _server.LocalEndPoint.Address);
    }

    [Fact]
    public async Task Get_WithHttpClient_ReturnsTheExposition()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{_server.Port}/metrics?x=1"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(Scrape.Text(_registry), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task KeepAlive_SeveralRequestsShareOneConnection()
    {
        await using var client = await RawHttpClient.ConnectAsync(_server.Port);
        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync(Get);
            var response = await client.ReadResponseAsync();
            Assert.Equal(200, response.Status);
            Assert.Null(response.Header("Connection"));
            Assert.Contains("requests_total{path=\"/a\\\"b\"} 42\n", response.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Pipelined_RequestsInOneWrite_AreAnsweredInOrder()
    {
        await using var client = await RawHttpClient.ConnectAsync(_server.Port);
        await client.SendAsync(Get + "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n" + "HEAD /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        var first = await client.ReadResponseAsync();
        Assert.Equal(200, first.Status);
        Assert.Equal(404, (await client.ReadResponseAsync()).Status);
        var head = await client.ReadResponseAsync(head: true);
        Assert.Equal(200, head.Status);
        Assert.Equal(first.Header("Content-Length"), head.Header("Content-Length"));
        Assert.Equal("close", head.Header("Connection"));
        Assert.True(await client.ClosedByServerAsync());
    }

    [Fact]
    public async Task Head_SendsNoBody()
    {
        await using var client = await RawHttpClient.ConnectAsync(_server.Port);
        await client.SendAsync("HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
        var head = await client.ReadResponseAsync(head: true);
        Assert.Equal(Scrape.Text(_registry).Length.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Header("Content-Length"));
        // Had a body been sent, it would now be read in place of this response's head.
        await client.SendAsync(Get);
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
    }

    [Theory]
    [InlineData("GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")]
    [InlineData("GET /metrics HTTP/1.0\r\n\r\n")]
    public async Task ConnectionClose_IsHonoured(string request)
    {
        await using var client = await RawHttpClient.ConnectAsync(_server.Port);
        await client.SendAsync(request);
        var response = await client.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal("close", response.Header("Connection"));
        Assert.True(await client.ClosedByServerAsync());
    }

    [Fact]
    public async Task AbsoluteFormTarget_IsServed()
    {
        await using var client = await RawHttpClient.ConnectAsync(_server.Port);
        await client.SendAsync("GET http://127.0.0.1/metrics?debug=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task OtherPath_Is404AndKeepsTheConnection()
    {
        await using var client = await RawHttpClient.ConnectAsync(_server.Port);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal(404, (await client.ReadResponseAsync()).Status);
        await client.SendAsync(Get);
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
    }

    [Theory]
    [InlineData("POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc")]
    [InlineData("DELETE /metrics HTTP/1.1\r\nHost: t\r\n\r\n")]
    public async Task OtherMethod_Is405WithAllowAndCloses(string request)
    {
        await using var client = await RawHttpClient.ConnectAsync(_server.Port);
        await client.SendAsync(request);
        var response = await client.ReadResponseAsync();
        Assert.Equal(405, response.Status);
        Assert.Equal("GET, HEAD", response.Header("Allow"));
        Assert.True(await client.ClosedByServerAsync());
    }

    [Theory]
    [InlineData("\u0016\u0003\u0001\u0002\u0000", 400)]
    [InlineData("GET /metrics HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET /metrics HTTP/3.0\r\nHost: t\r\n\r\n", 505)]
    public async Task BadRequest_GetsItsStatusAndIsClosed(string request, int status)
    {
        await using var client = await RawHttpClient.ConnectAsync(_server.Port);
        await client.SendAsync(request);
        Assert.Equal(status, (await client.ReadResponseAsync()).Status);
        Assert.True(await client.ClosedByServerAsync());
    }

    [Fact]
    public async Task OversizedHead_Gets431()
    {
        await using var client = await RawHttpClient.ConnectAsync(_server.Port);
        await client.SendAsync("GET /metrics HTTP/1.1\r\nHost: t\r\nX: " + new string('a', MetricsServerOptions.DefaultMaxRequestHeadBytes));
        Assert.Equal(431, (await client.ReadResponseAsync()).Status);
        Assert.True(await client.ClosedByServerAsync());
    }

    [Fact]
    public async Task OneByteSegments_AreReassembled()
    {
        await using var client = await RawHttpClient.ConnectAsync(_server.Port);
        foreach (var b in System.Text.Encoding.ASCII.GetBytes(Get))
        {
            await client.SendAsync([b]);
        }
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task SlowHead_Gets408AfterTheHeadTimeout()
    {
        var options = new MetricsServerOptions { RequestHeadTimeout = TimeSpan.FromMilliseconds(300) };
        await using var server = MetricsServer.Start(_registry, IPAddress.Loopback, 0, options);
        await using var client = await RawHttpClient.ConnectAsync(server.Port);
        var clock = Stopwatch.StartNew();
        await client.SendAsync("GET /metrics HTTP/1.1\r\nHost: t\r\n");
        Assert.Equal(408, (await client.ReadResponseAsync()).Status);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"answered after {clock.Elapsed}");
        Assert.True(await client.ClosedByServerAsync());
    }

    [Fact]
    public async Task IdleKeepAlive_IsClosedQuietly()
    {
        var options = new MetricsServerOptions { KeepAliveTimeout = TimeSpan.FromMilliseconds(200) };
        await using var server = MetricsServer.Start(_registry, IPAddress.Loopback, 0, options);
        await using var client = await RawHttpClient.ConnectAsync(server.Port);
        await client.SendAsync(Get);
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        Assert.True(await client.ClosedByServerAsync());
    }

    [Fact]
    public async Task AtTheLimit_ANewcomerEvictsAnIdleConnectionBeforeAWaitingOne()
    {
        var options = new MetricsServerOptions { MaxConnections = 2, MaxConnectionsPerAddress = 2 };
        await using var server = MetricsServer.Start(_registry, IPAddress.Loopback, 0, options);
        await using var waiting = await RawHttpClient.ConnectAsync(server.Port);
        await waiting.SendAsync("GET /metrics HTTP/1.1\r\n");
        await using var kept = await RawHttpClient.ConnectAsync(server.Port);
        await kept.SendAsync(Get);
        Assert.Equal(200, (await kept.ReadResponseAsync()).Status);
        await Eventually.TrueAsync(
            () => server.Admission.CountIn(ConnectionPhase.Idle) == 1 && server.Admission.CountIn(ConnectionPhase.Waiting) == 1,
            "one connection idle after its answer, one waiting for the rest of its request");

        await using var newcomer = await RawHttpClient.ConnectAsync(server.Port);
        await newcomer.SendAsync(Get);
        Assert.Equal(200, (await newcomer.ReadResponseAsync()).Status);
        Assert.True(await kept.ClosedByServerAsync());
        await waiting.SendAsync("Host: test\r\n\r\n");
        Assert.Equal(200, (await waiting.ReadResponseAsync()).Status);
        Assert.Equal(1, server.Admission.Evictions);
    }

    [Fact]
    public async Task AtTheLimit_ANewcomerEvictsTheConnectionWaitingLongest()
    {
        var options = new MetricsServerOptions { MaxConnections = 2, MaxConnectionsPerAddress = 2 };
        await using var server = MetricsServer.Start(_registry, IPAddress.Loopback, 0, options);
        await using var oldest = await RawHttpClient.ConnectAsync(server.Port);
        await Eventually.TrueAsync(() => server.Admission.Count == 1, "the first connection to hold a slot");
        await using var younger = await RawHttpClient.ConnectAsync(server.Port);
        await younger.SendAsync("GET /metr");
        await Eventually.TrueAsync(() => server.Admission.Count == 2, "the second connection to hold a slot");

        await using var newcomer = await RawHttpClient.ConnectAsync(server.Port);
        await newcomer.SendAsync(Get);
        Assert.Equal(200, (await newcomer.ReadResponseAsync()).Status);
        Assert.True(await oldest.ClosedByServerAsync());
        await younger.SendAsync("ics HTTP/1.1\r\nHost: test\r\n\r\n");
        Assert.Equal(200, (await younger.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task AtThePerAddressCap_APeerDisplacesOnlyItsOwn()
    {
        var options = new MetricsServerOptions { MaxConnections = 3, MaxConnectionsPerAddress = 1 };
        await using var server = MetricsServer.Start(_registry, IPAddress.Loopback, 0, options);
        await using var other = await RawHttpClient.ConnectAsync(server.Port, from: IPAddress.Parse("127.0.0.2"));
        await Eventually.TrueAsync(() => server.Admission.Count == 1, "the other address's connection to hold a slot");
        await using var first = await RawHttpClient.ConnectAsync(server.Port);
        await Eventually.TrueAsync(() => server.Admission.Count == 2, "the first local connection to hold a slot");

        await using var second = await RawHttpClient.ConnectAsync(server.Port);
        await second.SendAsync(Get);
        Assert.Equal(200, (await second.ReadResponseAsync()).Status);
        Assert.True(await first.ClosedByServerAsync());
        await other.SendAsync(Get);
        Assert.Equal(200, (await other.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task EveryConnectionBusy_ANewcomerGets503_AndIsServedOnceOneIsFree()
    {
        using var gate = new ManualResetEventSlim();
        var registry = new MetricRegistry();
        registry.CreateCallbackGauge("slow", "Blocks the scrape until the test lets it go.", () =>
        {
            gate.Wait(TimeSpan.FromSeconds(30));
            return 1;
        });
        var options = new MetricsServerOptions { MaxConnections = 2, MaxConnectionsPerAddress = 2 };
        await using var server = MetricsServer.Start(registry, IPAddress.Loopback, 0, options);
        await using var first = await RawHttpClient.ConnectAsync(server.Port);
        await using var second = await RawHttpClient.ConnectAsync(server.Port);
        await first.SendAsync(Get);
        await second.SendAsync(Get);
        await Eventually.TrueAsync(() => server.Admission.CountIn(ConnectionPhase.Busy) == 2, "both scrapes to be in the collector");

        await using (var third = await RawHttpClient.ConnectAsync(server.Port))
        {
            Assert.Equal(503, (await third.ReadResponseAsync()).Status);
            Assert.True(await third.ClosedByServerAsync());
        }
        Assert.Equal(1, server.Admission.Refusals);
        gate.Set();
        Assert.Equal(200, (await first.ReadResponseAsync()).Status);
        Assert.Equal(200, (await second.ReadResponseAsync()).Status);
        await using var next = await RawHttpClient.ConnectAsync(server.Port);
        await next.SendAsync(Get);
        Assert.Equal(200, (await next.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task NewConnection_ThatSendsNothing_IsClosedAfterTheHeadTimeout()
    {
        var options = new MetricsServerOptions { RequestHeadTimeout = TimeSpan.FromMilliseconds(200) };
        await using var server = MetricsServer.Start(_registry, IPAddress.Loopback, 0, options);
        await using var silent = await RawHttpClient.ConnectAsync(server.Port);
        Assert.True(await silent.ClosedByServerAsync());
    }

    [Fact]
    public async Task Dispose_ClosesOpenConnections()
    {
        var server = MetricsServer.Start(_registry, IPAddress.Loopback, 0);
        await using var client = await RawHttpClient.ConnectAsync(server.Port);
        await client.SendAsync(Get);
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(await client.ClosedByServerAsync());
        await server.DisposeAsync();
    }

    [Fact]
    public async Task RandomGarbage_IsAnsweredOrClosed_AndTheServerLivesOn()
    {
        var options = new MetricsServerOptions { RequestHeadTimeout = TimeSpan.FromMilliseconds(200), KeepAliveTimeout = TimeSpan.FromMilliseconds(200) };
        await using var server = MetricsServer.Start(_registry, IPAddress.Loopback, 0, options);
        var payloads = Gen.ArrayOf(Gen.Elements<byte>([.. "GET /metrics HTTP/1.1\r\n: Host"u8, 0, 0xFF])).Sample(40, 30);
        foreach (var payload in payloads)
        {
            await using var client = await RawHttpClient.ConnectAsync(server.Port);
            await client.SendAsync(payload);
            // Whatever came in, the connection ends within the deadline (after a response or not).
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                try
                {
                    await client.ReadResponseAsync().WaitAsync(deadline.Token);
                }
                catch (Exception e) when (e is EndOfStreamException or System.Net.Sockets.SocketException or KeyNotFoundException)
                {
                    break;
                }
            }
        }
        await using var good = await RawHttpClient.ConnectAsync(server.Port);
        await good.SendAsync(Get);
        Assert.Equal(200, (await good.ReadResponseAsync()).Status);
    }

    [Fact]
    public void Options_OutOfRange_AreRefusedWithTheRange()
    {
        var options = new MetricsServerOptions();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxConnections = 0);
        Assert.Contains("between 1 and 1024", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxRequestHeadBytes = 100);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.RequestHeadTimeout = TimeSpan.Zero);
        Assert.Throws<ArgumentException>(() => options.Path = "metrics");
        Assert.Throws<ArgumentException>(() => options.Path = "/a b");
    }
}
