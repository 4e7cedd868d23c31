using System.Net;
using System.Text;
using Drover.Metrics.Http;
using Drover.Testing;
using Drover.Testing.Net;

namespace Drover.Metrics.Tests;

/// <summary>Descriptors are counted for the whole process: nothing else may open sockets meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FloodCollection
{
    public const string Name = "metrics flood";
}

/// <summary>
/// A client that holds many silent, half-sent or kept-alive connections must not shut the scrape out: the
/// server evicts them for newcomers instead of refusing (issue: 16 idle connections answered every scrape 503).
/// </summary>
[Collection(FloodCollection.Name)]
public sealed class FloodTests : IAsyncLifetime
{
    private const string Get = "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n";
    private const int FloodSize = 1500;

    // Far below the 10 s head timeout and the 5 min keep-alive timeout of the defaults: only a server that
    // let the newcomer in at once answers within it; one that refused it answers 503, one that queued it, never.
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(5);

    // Beyond the server's own slots: a descriptor of an eviction still being closed, the runtime's own.
    private const int Slack = 8;

    private readonly MetricRegistry _registry = new();
    private MetricsServer _server = null!;

    public Task InitializeAsync()
    {
        _registry.CreateCounter("requests_total", "Requests.").Inc(7);
        _server = MetricsServer.Start(_registry, IPAddress.Loopback, 0); // the defaults, as the executor runs it
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>A third of the flood sends nothing, a third half a request head, a third a whole request and then stays idle.</summary>
    public static byte[] Payload(int i) => (i % 3) switch
    {
        0 => [],
        1 => "GET /metr"u8.ToArray(),
        _ => Encoding.ASCII.GetBytes(Get),
    };

    [Fact]
    public async Task Flood_FromOneAddress_TheScrapeOnANewConnectionIsAnswered_AndDescriptorsStayBounded()
    {
        var before = OpenDescriptors.Count();
        await using var flood = await ConnectionFlood.OpenAsync(_server.LocalEndPoint, FloodSize, Payload);

        // The flood holds what one address may hold, and the server no more descriptors than its slots.
        await Eventually.TrueAsync(() => _server.Admission.Count == MetricsServerOptions.DefaultMaxConnectionsPerAddress, "the flood to fill its address's slots");
        await Eventually.TrueAsync(
            () => OpenDescriptors.Count() - before - flood.Count <= MetricsServerOptions.DefaultMaxConnections + Slack,
            $"the server's descriptors to settle within its {MetricsServerOptions.DefaultMaxConnections} slots");

        // The scrape comes from the flood's own address: it gets in by evicting, not through a free slot.
        var evictions = _server.Admission.Evictions;
        await using var scrape = await RawHttpClient.ConnectAsync(_server.Port);
        await scrape.SendAsync(Get);
        var response = await scrape.ReadResponseAsync().Within("the scrape's answer during the flood", AnswerBound);
        Assert.Equal(200, response.Status);
        Assert.Equal(Scrape.Text(_registry), response.Body);
        Assert.True(_server.Admission.Evictions > evictions, "the scrape displaced a flood connection");
        Assert.Equal(0, _server.Admission.Refusals);

        // Kept alive, the scrape connection goes on being served while the flood holds on.
        await scrape.SendAsync(Get);
        Assert.Equal(200, (await scrape.ReadResponseAsync().Within("the second scrape", AnswerBound)).Status);
        Assert.True(OpenDescriptors.Count() - before - flood.Count <= MetricsServerOptions.DefaultMaxConnections + Slack);
    }

    [Fact]
    public async Task Flood_FromOneAddress_LeavesSlotsForAnotherAddress_WithoutEvicting()
    {
        await using var flood = await ConnectionFlood.OpenAsync(_server.LocalEndPoint, FloodSize, Payload);
        await Eventually.TrueAsync(() => _server.Admission.Count == MetricsServerOptions.DefaultMaxConnectionsPerAddress, "the flood to fill its address's slots");

        var evictions = _server.Admission.Evictions;
        await using var prometheus = await RawHttpClient.ConnectAsync(_server.Port, from: IPAddress.Parse("127.0.0.2"));
        await prometheus.SendAsync(Get);
        Assert.Equal(200, (await prometheus.ReadResponseAsync().Within("the other address's scrape", AnswerBound)).Status);
        Assert.Equal(evictions, _server.Admission.Evictions);
    }

    [Fact]
    public async Task Flood_AfterItEnds_TheServerHoldsNothing()
    {
        var flood = await ConnectionFlood.OpenAsync(_server.LocalEndPoint, FloodSize, Payload);
        await flood.DisposeAsync();
        await Eventually.TrueAsync(() => _server.Admission.Count == 0, "every flood connection to be closed once its client left");
    }
}
