using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Net.Sockets;
using System.Text;
using Drover.Epmd.Protocol;
using Drover.Epmd.Tests.Support;

namespace Drover.Epmd.Tests;

/// <summary>
/// The server keeps connections as plain descriptors, closed only by their owner; these tests press on what
/// that must get right: answers never cross to another connection, big answers go out whole, and stopping
/// ends every connection at once.
/// </summary>
public class ServerConnectionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ConcurrentLookups_WhileNodesComeAndGoAndIdleConnectionsAreSwept_EachGetsItsOwnAnswer()
    {
        // Long enough that a loaded machine never holds a lookup client between its connect and its send
        // that long, short enough that sweeps happen all through the run.
        await using var server = await TestServer.StartAsync(configure: o => o.IdleTimeout = TimeSpan.FromMilliseconds(400));
        var nodes = Enumerable.Range(0, 16).Select(i => AliveClient.Register(server.LocalEndPoint, AliveClient.Node($"n{i}", (ushort)(20000 + i)))).ToList();
        try
        {
            Assert.All(nodes, node => Assert.True(node.Registered));
            using var stop = new CancellationTokenSource();

            // Descriptors are freed and reused all the time meanwhile: swept idle connections, garbage, and a
            // node that registers and leaves again and again.
            var sweeping = Blocking(() =>
            {
                // At least one sweep, however fast the lookups are done.
                do
                {
                    using var idle = RawClient.Connect(server.LocalEndPoint);
                    idle.Send([0]);
                    Assert.True(RawClient.ReadToEnd(idle).IsEmptyClose);
                }
                while (!stop.IsCancellationRequested);
            });
            var garbage = Blocking(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    Assert.True(RawClient.Exchange(server.LocalEndPoint, [0, 3, 250, 1, 2]).IsEmptyClose);
                }
            });
            var churn = Blocking(() =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    // A name of its own each time: the close of the last one may not be processed yet.
                    var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node($"churn{i}", (ushort)(30000 + (i % 100))));
                    Assert.True(node.Registered);
                    node.Dispose();
                    // One at a time: the server ends a registration on its own time (a thread-pool continuation).
                    Assert.True(SpinWait.SpinUntil(() => server.Counters.Unregistrations == i + 1, Deadline));
                }
            });

            var lookups = Enumerable.Range(0, 8).Select(worker => Blocking(() =>
            {
                var random = new Random(worker);
                for (var i = 0; i < 150; i++)
                {
                    var n = random.Next(nodes.Count + 1);
                    var name = n == nodes.Count ? $"absent{worker}" : $"n{n}";
                    var reply = RawClient.Exchange(server.LocalEndPoint, PortPlease2Request.ToFrame(name));
                    Assert.True(reply.ClosedByServer);
                    Assert.True(reply.Bytes.Length > 0, $"lookup {i} of {name} closed unanswered; idle timeouts so far {server.Counters.IdleTimeouts}, hits {server.Counters.LookupHits}, misses {server.Counters.LookupMisses}, rejected {server.Counters.RejectedRequests}, refused {server.Counters.ConnectionsRefused}, accepted {server.Counters.ConnectionsAccepted}, active {server.Counters.ActiveConnections}");
                    if (n == nodes.Count)
                    {
                        Assert.Equal(new byte[] { 119, 1 }, reply.Bytes);
                        continue;
                    }
                    Assert.Equal(119, reply.Bytes[0]);
                    Assert.Equal(0, reply.Bytes[1]);
                    Assert.Equal(20000 + n, BinaryPrimitives.ReadUInt16BigEndian(reply.Bytes.AsSpan(2)));
                    Assert.Equal(name, Encoding.UTF8.GetString(reply.Bytes.AsSpan(12, name.Length)));
                }
            })).ToArray();
            await Task.WhenAll(lookups).WaitAsync(Deadline);
            await stop.CancelAsync();
            await Task.WhenAll(sweeping, garbage, churn).WaitAsync(Deadline);

            Assert.Equal(8 * 150, server.Counters.LookupHits + server.Counters.LookupMisses);
            Assert.True(server.Counters.IdleTimeouts > 0);
            // Every node's registration survived it all, and every churned one is gone.
            Assert.Equal(nodes.Count, server.Counters.ActiveRegistrations);
            Assert.All(Enumerable.Range(0, nodes.Count), n => Assert.Equal(0, RawClient.PortPlease(server.LocalEndPoint, $"n{n}")[1]));
        }
        finally
        {
            nodes.ForEach(node => node.Dispose());
        }
    }

    [Fact]
    public async Task Names_AnswerLargerThanTheSocketBuffer_ArrivesWholeBeforeTheClose()
    {
        var registry = new InMemoryEpmdRegistry();
        await using var server = await TestServer.StartAsync(registry);
        // ~700 KB of NAMES lines: more than the peer's receive buffer and our send buffer hold together, so
        // the answer is sent partly at once and the rest awaited.
        const int count = 3000;
        var expected = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var name = $"{i:D6}-" + new string('x', 220);
            var node = new NodeRegistration(name, (ushort)(1 + i), EpmdNodeType.Normal, 0, 6, 5, ImmutableArray<byte>.Empty);
            Assert.IsType<RegistrationResult.Registered>(await registry.TryRegisterAsync(node, RegistrationToken.New()));
        }
        foreach (var node in await registry.ListAsync())
        {
            expected.Append(Encoding.UTF8.GetString(EpmdResponsesLine(node)));
        }

        using var client = RawClient.Connect(server.LocalEndPoint);
        client.Send([0, 1, EpmdTags.NamesRequest]);
        var reply = RawClient.ReadToEnd(client);
        Assert.True(reply.ClosedByServer);
        Assert.Equal(server.LocalEndPoint.Port, (int)BinaryPrimitives.ReadUInt32BigEndian(reply.Bytes));
        Assert.Equal(expected.ToString(), Encoding.UTF8.GetString(reply.Bytes.AsSpan(4)));
        Assert.True(reply.Bytes.Length > 600_000);
    }

    [Fact]
    public async Task Stop_WithConnectionsMidRequestAndRegistrations_EndsThemAllAndClearsTheStore()
    {
        var registry = new InMemoryEpmdRegistry();
        var server = await TestServer.StartAsync(registry);
        using var node = AliveClient.Register(server.LocalEndPoint, AliveClient.Node("held", 1));
        var halves = Enumerable.Range(0, 5).Select(_ => RawClient.Connect(server.LocalEndPoint)).ToList();
        try
        {
            halves.ForEach(socket => socket.Send([0, 9, EpmdTags.PortPlease2Request, (byte)'h']));
            await server.StopAsync().WaitAsync(Deadline);
            Assert.All(halves, socket => Assert.True(RawClient.ReadToEnd(socket).IsEmptyClose));
            Assert.True(node.WaitClosedByServer(Deadline));
            Assert.Equal(0, registry.Count);
            Assert.Equal(0, server.Counters.ActiveConnections);
            Assert.Throws<SocketException>(() => RawClient.Connect(server.LocalEndPoint).Dispose());
        }
        finally
        {
            halves.ForEach(socket => socket.Dispose());
            await server.DisposeAsync();
        }
    }

    // The clients block on their sockets: give each its own thread rather than starve the thread pool that
    // the server's awaited paths (registrations) run on.
    private static Task Blocking(Action action) => Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static byte[] EpmdResponsesLine(NodeRegistration node)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        EpmdResponses.WriteNamesLine(output, node.Name, node.Port);
        return output.WrittenSpan.ToArray();
    }
}
