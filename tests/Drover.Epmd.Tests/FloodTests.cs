using Drover.Epmd.Protocol;
using Drover.Epmd.Tests.Support;
using Drover.Testing;
using Drover.Testing.Net;

namespace Drover.Epmd.Tests;

/// <summary>Descriptors are counted for the whole process: nothing else may open sockets meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FloodCollection
{
    public const string Name = "cEPMD flood";
}

/// <summary>
/// A client holding many silent or half-sent connections must not shut lookups out (epmd refuses the newcomer
/// at its limit, so 1,024 such connections stop every Erlang node from resolving for the 60 s idle timeout):
/// cEPMD evicts the connection that has waited longest instead, and never a registration.
/// </summary>
[Collection(FloodCollection.Name)]
public sealed class FloodTests
{
    private const int FloodSize = 1500;

    // Far below the 60 s idle timeout: only a server that let the lookup in at once answers within it.
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(5);

    // Beyond the flood's share of slots: one accept batch of evictions still being closed, the registration, the runtime's own.
    private const int Slack = 32;

    /// <summary>Half the flood sends nothing, half the start of a PORT_PLEASE2 that declares more than it sends.</summary>
    private static byte[] Payload(int i) => i % 2 == 0 ? [] : [0, 5, EpmdTags.PortPlease2Request, (byte)'r'];

    [Fact]
    public async Task Flood_FromOneAddress_ALookupOnANewConnectionIsAnswered_TheRegistrationSurvives_AndDescriptorsStayBounded()
    {
        await using var server = await TestServer.StartAsync(); // the defaults, as the executor runs it
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("riak", 4242));
        Assert.True(node.Registered);
        var before = OpenDescriptors.Count();

        await using var flood = await ConnectionFlood.OpenAsync(server.LocalEndPoint, FloodSize, Payload);
        var share = EpmdServerOptions.DefaultMaxConnectionsPerAddress;
        await Eventually.TrueAsync(() => server.Counters.ActiveConnections == share, $"the flood to hold its address's {share} slots");
        await Eventually.TrueAsync(
            () => OpenDescriptors.Count() - before - flood.Count <= share + Slack,
            $"the server's descriptors to settle within the {share} slots of one address");

        var evicted = server.Counters.ConnectionsEvicted;
        var reply = await Task.Run(() => RawClient.PortPlease(server.LocalEndPoint, "riak")).Within("the lookup's answer during the flood", AnswerBound);
        Assert.Equal([EpmdTags.Port2Response, 0, 4242 >> 8, 4242 & 0xFF], reply[..4]);
        Assert.True(server.Counters.ConnectionsEvicted > evicted, "the lookup displaced a flood connection");
        Assert.Equal(0, server.Counters.ConnectionsRefused);
        Assert.False(node.WaitClosedByServer(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(1, server.Counters.ActiveRegistrations);
        Assert.True(OpenDescriptors.Count() - before - flood.Count <= share + Slack);
    }

    [Fact]
    public async Task Flood_AtTheWholeLimit_EvictsTheOldestWaiting_ButNeverARegistration()
    {
        await using var server = await TestServer.StartAsync(configure: o =>
        {
            o.MaxConnections = 8;
            o.MaxConnectionsPerAddress = 8;
        });
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("kept", 4369));
        await using var flood = await ConnectionFlood.OpenAsync(server.LocalEndPoint, FloodSize, Payload);
        await Eventually.TrueAsync(() => server.Counters.ActiveConnections == 8, "the flood to fill every slot but the registration's");

        var reply = await Task.Run(() => RawClient.PortPlease(server.LocalEndPoint, "kept")).Within("the lookup's answer during the flood", AnswerBound);
        Assert.Equal(0, reply[1]);
        Assert.False(node.WaitClosedByServer(TimeSpan.FromMilliseconds(100)));
        Assert.True(server.Counters.ConnectionsEvicted >= FloodSize - 7);
    }

    [Fact]
    public async Task Flood_AfterItEnds_TheServerHoldsOnlyTheRegistration()
    {
        await using var server = await TestServer.StartAsync();
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("stays", 1));
        var flood = await ConnectionFlood.OpenAsync(server.LocalEndPoint, FloodSize, Payload);
        await flood.DisposeAsync();
        await Eventually.TrueAsync(() => server.Counters.ActiveConnections == 1, "every flood connection to be closed once its client left");
        Assert.Equal(1, server.Counters.ActiveRegistrations);
    }
}
