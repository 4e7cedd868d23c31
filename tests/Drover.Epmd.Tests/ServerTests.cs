using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Drover.Epmd.Protocol;
using Drover.Epmd.Tests.Support;
using Drover.Testing;

namespace Drover.Epmd.Tests;

public class ServerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Alive2_Version6_Answers118WithTheRegistrysCreation_AndPortPlease2FindsIt()
    {
        var registry = new InMemoryEpmdRegistry();
        await using var server = await TestServer.StartAsync(registry);
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("riak", 40073, extra: [1, 2]));
        Assert.Equal(6, node.Reply.Length);
        Assert.Equal(new byte[] { 118, 0 }, node.Reply[..2]);
        Assert.True(node.Creation >= 4);
        Assert.Equal(node.Creation, (await registry.LookupAsync(null, "riak"))!.Creation);

        var reply = RawClient.Exchange(server.LocalEndPoint, PortPlease2Request.ToFrame("riak"));
        Assert.True(reply.ClosedByServer);
        Assert.Equal([119, 0, 0x9c, 0x89, 77, 0, 0, 6, 0, 5, 0, 4, .. "riak"u8.ToArray(), 0, 2, 1, 2], reply.Bytes);
        Assert.Equal(1, server.Counters.Registrations);
        Assert.Equal(1, server.Counters.LookupHits);
    }

    [Fact]
    public async Task Alive2_Version5_Answers121WithA16BitCreationOfOneToThree()
    {
        await using var server = await TestServer.StartAsync();
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("r16", 9000, highest: 5, lowest: 5));
        Assert.Equal(4, node.Reply.Length);
        Assert.Equal(new byte[] { 121, 0 }, node.Reply[..2]);
        Assert.InRange(node.Creation, 1u, 3u);
        var found = RawClient.PortPlease(server.LocalEndPoint, "r16");
        Assert.Equal(new byte[] { 0, 5, 0, 5 }, found[6..10]);
    }

    [Fact]
    public async Task PortPlease2_UnknownName_Answers119And1_ThenCloses()
    {
        await using var server = await TestServer.StartAsync();
        var reply = RawClient.Exchange(server.LocalEndPoint, PortPlease2Request.ToFrame("nobody"));
        Assert.Equal(new byte[] { 119, 1 }, reply.Bytes);
        Assert.True(reply.ClosedByServer);
        Assert.Equal(1, server.Counters.LookupMisses);
    }

    [Fact]
    public async Task Registration_LivesExactlyAsLongAsItsConnection()
    {
        var registry = new InMemoryEpmdRegistry();
        await using var server = await TestServer.StartAsync(registry);
        var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("short", 1234));
        Assert.True(node.Registered);
        Assert.False(node.WaitClosedByServer(TimeSpan.FromMilliseconds(200)), "a registration is not timed out");
        node.Dispose();
        await Eventually.TrueAsync(() => RawClient.PortPlease(server.LocalEndPoint, "short").SequenceEqual(new byte[] { 119, 1 }), "'short' to be unknown", Deadline);
        Assert.Equal(0, registry.Count);
        Assert.Equal(1, server.Counters.Unregistrations);
    }

    [Fact]
    public async Task Registration_AnyByteAfterAlive2_UnregistersAndCloses()
    {
        var registry = new InMemoryEpmdRegistry();
        await using var server = await TestServer.StartAsync(registry);
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("chatty", 1234));
        node.Socket.Send([0x00]);
        Assert.True(node.WaitClosedByServer(Deadline));
        await Eventually.TrueAsync(() => registry.Count == 0, "the registry to be empty", Deadline);
    }

    [Fact]
    public async Task Alive2_DuplicateName_IsRefusedWithCreation99_AndThatConnectionIsKeptLikeEpmd()
    {
        await using var server = await TestServer.StartAsync();
        using var first = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("dup", 1));
        using var second = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("dup", 2));
        Assert.Equal(new byte[] { 118, 1, 0, 0, 0, 99 }, second.Reply);
        using var old = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("dup", 3, highest: 5));
        Assert.Equal(new byte[] { 121, 1, 0, 99 }, old.Reply);
        Assert.False(second.WaitClosedByServer(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(2, server.Counters.RegistrationsRefused);
        // The refused connections going away does not disturb the holder.
        second.Dispose();
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(RawClient.PortPlease(server.LocalEndPoint, "dup").AsSpan(2)));
    }

    [Fact]
    public async Task Names_ListsNewestFirstAfterThePort()
    {
        await using var server = await TestServer.StartAsync();
        using var a = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("a", 1001));
        using var b = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("b", 1002));
        var names = RawClient.Names(server.LocalEndPoint);
        Assert.Equal(server.LocalEndPoint.Port, BinaryPrimitives.ReadInt32BigEndian(names));
        Assert.Equal("name b at port 1002\nname a at port 1001\n", Encoding.UTF8.GetString(names.AsSpan(4)));
    }

    [Fact]
    public async Task Dump_ShowsActiveAndOldNames()
    {
        await using var server = await TestServer.StartAsync();
        using var a = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("a", 1001));
        var b = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("b", 1002));
        b.Dispose();
        await Eventually.TrueAsync(() => server.Counters.Unregistrations == 1, "one unregistration", Deadline);
        var dump = Encoding.UTF8.GetString(RawClient.Dump(server.LocalEndPoint).AsSpan(4));
        Assert.Matches("^active name     <a> at port 1001, fd = \\d+\n\0old/unused name <b>, port = 1002, fd = \\d+ \n\0$", dump);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0 })]
    [InlineData(new byte[] { 0x0b, 0xf2, 1, 2, 3 })] // 3058: one past epmd's limit
    [InlineData(new byte[] { 0xff, 0xff })]
    [InlineData(new byte[] { 0, 1, 0x42 })] // unknown tag
    [InlineData(new byte[] { 0, 1, EpmdTags.NamesRequest, 0x00 })] // more than declared, in one go
    [InlineData(new byte[] { 0, 3, EpmdTags.PortPlease2Request, 0, 0 })] // empty name
    [InlineData(new byte[] { 0, 5, EpmdTags.Alive2Request, 0, 1, 77, 0 })] // ALIVE2 too short
    public async Task BadRequest_ClosesThatConnectionWithoutAnswer_AndTheServerServesOthers(byte[] request)
    {
        await using var server = await TestServer.StartAsync();
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("steady", 7000));
        var reply = RawClient.Exchange(server.LocalEndPoint, request);
        Assert.True(reply.IsEmptyClose, $"got {Convert.ToHexString(reply.Bytes)}, closed {reply.ClosedByServer}");
        Assert.Equal(7000, BinaryPrimitives.ReadUInt16BigEndian(RawClient.PortPlease(server.LocalEndPoint, "steady").AsSpan(2)));
        Assert.Equal(1, server.Counters.RejectedRequests);
    }

    [Fact]
    public async Task TruncatedRequest_AtEveryCut_ClosesWithoutAnswerWhenThePeerCloses()
    {
        await using var server = await TestServer.StartAsync();
        var frame = AliveClient.Node("cut", 1).ToFrame();
        for (var cut = 1; cut < frame.Length; cut++)
        {
            var reply = RawClient.Exchange(server.LocalEndPoint, frame.AsSpan(0, cut), halfClose: true);
            Assert.True(reply.IsEmptyClose, $"cut {cut}");
        }
        Assert.Equal(frame.Length - 1, server.Counters.RejectedRequests);
        Assert.Equal(0, server.Counters.Registrations);
    }

    [Fact]
    public async Task Requests_InOneByteSegments_AreAnsweredAsWhole()
    {
        await using var server = await TestServer.StartAsync();
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("slow", 4242));
        var whole = RawClient.Exchange(server.LocalEndPoint, PortPlease2Request.ToFrame("slow"));
        var bytewise = RawClient.Exchange(server.LocalEndPoint, PortPlease2Request.ToFrame("slow"), segment: 1);
        Assert.Equal(whole.Bytes, bytewise.Bytes);
        var names = RawClient.Exchange(server.LocalEndPoint, [0, 1, EpmdTags.NamesRequest], segment: 1);
        Assert.EndsWith("name slow at port 4242\n", Encoding.UTF8.GetString(names.Bytes));
    }

    [Fact]
    public async Task IdleConnection_IsClosedAfterTheIdleTimeout_ButNotARegistration()
    {
        await using var server = await TestServer.StartAsync(configure: o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("patient", 1));
        using var idle = RawClient.Connect(server.LocalEndPoint);
        idle.Send([0]); // half a header, then silence
        Assert.True(RawClient.ReadToEnd(idle).IsEmptyClose);
        Assert.Equal(1, server.Counters.IdleTimeouts);
        Assert.False(node.WaitClosedByServer(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(new byte[] { 0, 1 }, RawClient.PortPlease(server.LocalEndPoint, "patient")[2..4]);
    }

    [Fact]
    public async Task Kill_WithARegistration_AnswersNo()
    {
        await using var server = await TestServer.StartAsync();
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("alive", 1));
        Assert.Equal("NO"u8.ToArray(), RawClient.Exchange(server.LocalEndPoint, [0, 1, EpmdTags.KillRequest]).Bytes);
        Assert.NotEmpty(RawClient.Names(server.LocalEndPoint));
    }

    [Fact]
    public async Task Kill_WithoutRegistrations_AnswersOkAndStopsTheServer()
    {
        await using var server = await TestServer.StartAsync();
        var killed = new TaskCompletionSource();
        server.Killed += (_, _) => killed.TrySetResult();
        Assert.Equal("OK"u8.ToArray(), RawClient.Exchange(server.LocalEndPoint, [0, 1, EpmdTags.KillRequest]).Bytes);
        await killed.Task.WaitAsync(Deadline);
        Assert.Throws<SocketException>(() => RawClient.Connect(server.LocalEndPoint).Dispose());
    }

    [Fact]
    public async Task Kill_Relaxed_StopsEvenWithRegistrations_AndUnregistersThem()
    {
        var registry = new InMemoryEpmdRegistry();
        await using var server = await TestServer.StartAsync(registry, o => o.RelaxedCommandCheck = true);
        var killed = new TaskCompletionSource();
        server.Killed += (_, _) => killed.TrySetResult();
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("victim", 1));
        Assert.Equal("OK"u8.ToArray(), RawClient.Exchange(server.LocalEndPoint, [0, 1, EpmdTags.KillRequest]).Bytes);
        await killed.Task.WaitAsync(Deadline);
        Assert.True(node.WaitClosedByServer(Deadline));
        Assert.Equal(0, registry.Count);
    }

    [Fact]
    public async Task Stop_NotRelaxed_IsClosedUnanswered()
    {
        await using var server = await TestServer.StartAsync();
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("keep", 1));
        Assert.True(RawClient.Exchange(server.LocalEndPoint, [0, 5, EpmdTags.StopRequest, .. "keep"u8]).IsEmptyClose);
        Assert.Equal(119, RawClient.PortPlease(server.LocalEndPoint, "keep")[0]);
        Assert.Equal(0, RawClient.PortPlease(server.LocalEndPoint, "keep")[1]);
    }

    [Fact]
    public async Task Stop_Relaxed_UnregistersAndClosesTheNodesConnection()
    {
        var registry = new InMemoryEpmdRegistry();
        await using var server = await TestServer.StartAsync(registry, o => o.RelaxedCommandCheck = true);
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("gone", 1));
        Assert.Equal("STOPPED"u8.ToArray(), RawClient.Exchange(server.LocalEndPoint, [0, 5, EpmdTags.StopRequest, .. "gone"u8]).Bytes);
        Assert.Null(await registry.LookupAsync(null, "gone"));
        Assert.True(node.WaitClosedByServer(Deadline));
        Assert.Equal("NOEXISTSTOPPED"u8.ToArray(), RawClient.Exchange(server.LocalEndPoint, [0, 5, EpmdTags.StopRequest, .. "gone"u8]).Bytes);
        Assert.Equal(1, server.Counters.Unregistrations);
    }

    [Fact]
    public async Task ConnectionsOverTheLimit_AreClosedAtOnce()
    {
        await using var server = await TestServer.StartAsync(configure: o => o.MaxConnections = 2);
        using var a = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("a", 1));
        using var b = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("b", 2));
        Assert.True(RawClient.Exchange(server.LocalEndPoint, [0, 1, EpmdTags.NamesRequest]).IsEmptyClose);
        Assert.Equal(1, server.Counters.ConnectionsRefused);
        a.Dispose();
        await Eventually.TrueAsync(() => RawClient.Exchange(server.LocalEndPoint, [0, 1, EpmdTags.NamesRequest]).Bytes.Length > 0, "NAMES to be answered once a slot is free", Deadline);
    }

    [Fact]
    public async Task Restart_OnTheSameRegistry_LeavesNoStaleEntry()
    {
        var registry = new InMemoryEpmdRegistry();
        var first = await TestServer.StartAsync(registry);
        using var node = AliveClient.Register(first.LocalEndPoint, AliveClient.Node("phoenix", 1));
        await first.DisposeAsync();
        Assert.Equal(0, registry.Count);
        Assert.True(node.WaitClosedByServer(Deadline));
        await using var second = await TestServer.StartAsync(registry);
        Assert.Equal(new byte[] { 119, 1 }, RawClient.PortPlease(second.LocalEndPoint, "phoenix"));
        Assert.Equal(4, RawClient.Names(second.LocalEndPoint).Length);
    }

    [Fact]
    public async Task SharedRegistry_ServersOfOneHostSeeEachOther_ServersOfAnotherHostDoNot()
    {
        var registry = new InMemoryEpmdRegistry();
        await using var agent1a = await TestServer.StartAsync(registry, o => o.Host = "agent1");
        await using var agent1b = await TestServer.StartAsync(registry, o => o.Host = "AGENT1");
        await using var agent2 = await TestServer.StartAsync(registry, o => o.Host = "agent2");
        using var riak1 = AliveClient.Register(agent1a.LocalEndPoint, AliveClient.Node("riak", 1111));
        using var riak2 = AliveClient.Register(agent2.LocalEndPoint, AliveClient.Node("riak", 2222));
        Assert.True(riak1.Registered && riak2.Registered, "one name per host, not per cluster");
        Assert.Equal(1111, BinaryPrimitives.ReadUInt16BigEndian(RawClient.PortPlease(agent1b.LocalEndPoint, "riak").AsSpan(2)));
        Assert.Equal(2222, BinaryPrimitives.ReadUInt16BigEndian(RawClient.PortPlease(agent2.LocalEndPoint, "riak").AsSpan(2)));
        Assert.Equal("name riak at port 1111\n", Encoding.UTF8.GetString(RawClient.Names(agent1b.LocalEndPoint).AsSpan(4)));
        using var again = AliveClient.Register(agent1b.LocalEndPoint, AliveClient.Node("riak", 3333));
        Assert.False(again.Registered);
        var dump = Encoding.UTF8.GetString(RawClient.Dump(agent1b.LocalEndPoint).AsSpan(4));
        Assert.Equal("active name     <riak> at port 1111, fd = -1\n\0", dump);
    }

    [Fact]
    public async Task FailingRegistry_ClosesTheAskingConnection_AndCountsIt()
    {
        await using var server = await TestServer.StartAsync(new FailingRegistry(), o => o.RegistryTimeout = TimeSpan.FromMilliseconds(200));
        Assert.True(RawClient.Exchange(server.LocalEndPoint, PortPlease2Request.ToFrame("x")).IsEmptyClose);
        Assert.True(RawClient.Exchange(server.LocalEndPoint, AliveClient.Node("x", 1).ToFrame()).IsEmptyClose);
        Assert.True(RawClient.Exchange(server.LocalEndPoint, [0, 1, EpmdTags.NamesRequest]).IsEmptyClose);
        Assert.Equal(3, server.Counters.RegistryFailures);
    }

    [Fact]
    public async Task Start_Twice_Throws_AndOptionsCheckTheirValues()
    {
        await using var server = await TestServer.StartAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync(new IPEndPoint(IPAddress.Loopback, 0)));
        var options = new EpmdServerOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.IdleTimeout = TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxConnections = 0);
        Assert.Throws<ArgumentException>(() => options.Host = "");
        Assert.Equal(TimeSpan.FromSeconds(60), options.IdleTimeout);
        Assert.False(options.RelaxedCommandCheck);
    }

    /// <summary>A store that throws on reads and hangs on registration.</summary>
    private sealed class FailingRegistry : IEpmdRegistry
    {
        public async ValueTask<RegistrationResult> TryRegisterAsync(NodeRegistration registration, RegistrationToken token, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }

        public ValueTask<bool> UnregisterAsync(string? host, string name, RegistrationToken token, CancellationToken cancellationToken = default) =>
            throw new IOException("store down");

        public ValueTask<NodeRegistration?> LookupAsync(string? host, string name, CancellationToken cancellationToken = default) =>
            throw new IOException("store down");

        public ValueTask<IReadOnlyList<NodeRegistration>> ListAsync(CancellationToken cancellationToken = default) =>
            ValueTask.FromException<IReadOnlyList<NodeRegistration>>(new IOException("store down"));
    }
}
