using System.Net;
using System.Net.Sockets;
using System.Text;
using Drover.Sidecar.Proxy;
using Drover.Sidecar.Tests.Support;
using Drover.Testing;

namespace Drover.Sidecar.Tests;

/// <summary>The TCP proxy against real sockets: balancing, retries, half-close, backpressure, the cap, node loss.</summary>
public sealed class ProxyTests
{
    [Fact]
    public async Task RoundRobin_SpreadsNewConnectionsOverTheServingNodes()
    {
        await using var a = new TestBackend("a");
        await using var b = new TestBackend("b");
        await using var c = new TestBackend("c");
        await using var proxy = ProxyHarness.Start();
        await proxy.PutAsync("a", a.Port);
        await proxy.PutAsync("b", b.Port);
        await proxy.PutAsync("c", c.Port);
        await proxy.PutAsync("sick", c.Port, healthy: false);

        var reached = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            var (socket, node) = await proxy.ConnectToNodeAsync();
            using (socket)
            {
                reached.Add(node);
            }
        }

        Assert.Equal([("a", 3), ("b", 3), ("c", 3)], reached.GroupBy(n => n).Select(g => (g.Key, g.Count())).Order());
    }

    [Fact]
    public async Task LeastConnections_SendsANewConnectionToTheNodeWithFewestOpen()
    {
        await using var a = new TestBackend("a");
        await using var b = new TestBackend("b");
        await using var proxy = ProxyHarness.Start(BalanceMode.LeastConnections);
        await proxy.PutAsync("a", a.Port);
        await proxy.PutAsync("b", b.Port);

        var (first, firstNode) = await proxy.ConnectToNodeAsync();
        var (second, secondNode) = await proxy.ConnectToNodeAsync();
        Assert.NotEqual(firstNode, secondNode);
        second.Dispose();
        await Eventually.TrueAsync(() => proxy.Listener.Serving.Single(n => n.Node == secondNode).Active == 0, "the closed connection to be released");

        // Three more: the first goes to the idle node; the node still holding `first` gets only one of them.
        var later = new List<(Socket Socket, string Node)>();
        for (var i = 0; i < 3; i++)
        {
            later.Add(await proxy.ConnectToNodeAsync());
        }
        Assert.Equal(secondNode, later[0].Node);
        Assert.Equal(2, later.Count(l => l.Node == secondNode));
        foreach (var (socket, _) in later)
        {
            socket.Dispose();
        }
        first.Dispose();
    }

    [Fact]
    public async Task AConnectThatIsRefused_IsRetriedOnTheNextNode()
    {
        await using var live = new TestBackend("live");
        var dead = FreePortNobodyListensOn();
        await using var proxy = ProxyHarness.Start();
        await proxy.PutAsync("dead", dead);
        await proxy.PutAsync("live", live.Port);

        for (var i = 0; i < 6; i++)
        {
            var (socket, node) = await proxy.ConnectToNodeAsync();
            using (socket)
            {
                Assert.Equal("live", node);
            }
        }
        Assert.True(proxy.Metrics.Proxy.ConnectFailures.WithLabels("ring/pb", "dead").Value >= 3);
    }

    [Fact]
    public async Task AConnectThatTimesOut_IsRetriedOnTheNextNode()
    {
        await using var live = new TestBackend("live");
        // A listener that never accepts, its accept queue full: the kernel drops further SYNs, so a
        // connect to it hangs until the proxy's timeout.
        using var blackHole = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        blackHole.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        blackHole.Listen(0);
        var holePort = ((IPEndPoint)blackHole.LocalEndPoint!).Port;
        using var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await filler.ConnectAsync(new IPEndPoint(IPAddress.Loopback, holePort)).Within("the filler connection");
        await using var proxy = ProxyHarness.Start(connectTimeout: TimeSpan.FromMilliseconds(300));
        await proxy.PutAsync("hole", holePort);
        await proxy.PutAsync("live", live.Port);

        for (var i = 0; i < 4; i++)
        {
            var (socket, node) = await proxy.ConnectToNodeAsync();
            using (socket)
            {
                Assert.Equal("live", node);
            }
        }
        Assert.True(proxy.Metrics.Proxy.ConnectFailures.WithLabels("ring/pb", "hole").Value >= 1);
    }

    [Fact]
    public async Task AHalfClose_IsPassedOn_AndTheAnswerStillComesBack()
    {
        await using var backend = new TestBackend("counter", BackendMode.CountToEnd);
        await using var proxy = ProxyHarness.Start();
        await proxy.PutAsync("counter", backend.Port);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync(new byte[100_000], SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        var answer = new MemoryStream();
        var buffer = new byte[1024];
        while (await client.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().Within("the answer after the half-close") is var read and > 0)
        {
            answer.Write(buffer, 0, read);
        }
        Assert.Equal("100000 bytes", Encoding.ASCII.GetString(answer.ToArray()));
        await Eventually.TrueAsync(() => proxy.Listener.ActiveConnections == 0, "the proxy to close the connection once both sides ended");
    }

    [Fact]
    public async Task ANodeThatDoesNotRead_SlowsTheClientDown_AndEveryByteArrivesOnceItReads()
    {
        await using var backend = new TestBackend("slow", BackendMode.Stalled);
        await using var proxy = ProxyHarness.Start();
        await proxy.PutAsync("slow", backend.Port);
        using var client = await proxy.ConnectAsync();
        // More than the kernel can buffer on two loopback hops (send and receive buffers both sides).
        var total = 4 * (MaxBuffer("/proc/sys/net/ipv4/tcp_wmem") + MaxBuffer("/proc/sys/net/ipv4/tcp_rmem"));
        var chunk = new byte[64 * 1024];
        Random.Shared.NextBytes(chunk);
        long sent = 0;
        var sum = 0UL;
        var writing = Task.Run(async () =>
        {
            while (Interlocked.Read(ref sent) < total)
            {
                await client.SendAsync(chunk, SocketFlags.None);
                sum = TestBackend.Checksum(sum, chunk);
                Interlocked.Add(ref sent, chunk.Length);
            }
            client.Shutdown(SocketShutdown.Send);
        });
        var forwarded = proxy.Metrics.Proxy.Bytes.WithLabels("ring/pb", "upstream");

        // The proxy stops reading when the node stops taking: what it forwarded comes to rest.
        var last = -1.0;
        var still = 0;
        await Eventually.TrueAsync(() =>
        {
            var now = forwarded.Value;
            still = now > 0 && now == last ? still + 1 : 0;
            last = now;
            return still >= 10;
        }, "the forwarding to stop while the node does not read");
        Assert.False(writing.IsCompleted, "the client wrote everything although the node read nothing");
        Assert.True(Interlocked.Read(ref sent) < total);

        backend.StartReading();
        await writing.Within("the client's writes once the node reads", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => backend.Received == total, $"all {total} bytes at the node");
        Assert.Equal(sum, backend.ReceivedChecksum);
    }

    [Fact]
    public async Task PastTheCap_ANewConnectionIsClosedAtOnce_AndServedAgainBelowIt()
    {
        await using var backend = new TestBackend("a");
        await using var proxy = ProxyHarness.Start(maxConnections: 2);
        await proxy.PutAsync("a", backend.Port);
        var (one, _) = await proxy.ConnectToNodeAsync();
        var (two, _) = await proxy.ConnectToNodeAsync();

        // The proxy accepts and resets at once: the client sees it at the connect or at its first read.
        try
        {
            using var third = await proxy.ConnectAsync();
            Assert.True(await ProxyHarness.ClosedAsync(third));
        }
        catch (SocketException e)
        {
            Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        }
        Assert.Equal(1, proxy.Metrics.Proxy.Rejected.WithLabels("ring/pb", "limit").Value);
        Assert.Equal(2, backend.Accepted);

        one.Dispose();
        await Eventually.TrueAsync(() => proxy.Listener.ActiveConnections == 1, "the closed connection to leave the count");
        var (four, node) = await proxy.ConnectToNodeAsync();
        Assert.Equal("a", node);
        four.Dispose();
        two.Dispose();
    }

    [Fact]
    public async Task ANodeThatLeaves_UnderTheClosePolicy_LosesItsOpenConnections_AndGetsNoNewOnes()
    {
        await using var a = new TestBackend("a");
        await using var b = new TestBackend("b");
        await using var proxy = ProxyHarness.Start(onNodeLoss: NodeLossPolicy.Close);
        await proxy.PutAsync("a", a.Port);
        await proxy.PutAsync("b", b.Port);
        var open = new List<(Socket Socket, string Node)> { await proxy.ConnectToNodeAsync(), await proxy.ConnectToNodeAsync() };
        var onA = open.Single(o => o.Node == "a").Socket;
        var onB = open.Single(o => o.Node == "b").Socket;

        await proxy.RemoveAsync("a");

        Assert.True(await ProxyHarness.ClosedAsync(onA));
        Assert.Equal("ping", await EchoAsync(onB, "ping"));
        for (var i = 0; i < 4; i++)
        {
            var (socket, node) = await proxy.ConnectToNodeAsync();
            using (socket)
            {
                Assert.Equal("b", node);
            }
        }
        Assert.Equal(1, proxy.Metrics.Proxy.ClosedByPolicy.WithLabels("ring/pb").Value);
        onB.Dispose();
    }

    [Fact]
    public async Task ANodeThatTurnsUnhealthy_UnderTheKeepPolicy_KeepsItsOpenConnections_AndGetsNoNewOnes()
    {
        await using var a = new TestBackend("a");
        await using var b = new TestBackend("b");
        await using var proxy = ProxyHarness.Start(onNodeLoss: NodeLossPolicy.Keep);
        await proxy.PutAsync("a", a.Port);
        await proxy.PutAsync("b", b.Port);
        var open = new List<(Socket Socket, string Node)> { await proxy.ConnectToNodeAsync(), await proxy.ConnectToNodeAsync() };
        var onA = open.Single(o => o.Node == "a").Socket;

        await proxy.PutAsync("a", a.Port, healthy: false);

        Assert.Equal("still here", await EchoAsync(onA, "still here"));
        for (var i = 0; i < 4; i++)
        {
            var (socket, node) = await proxy.ConnectToNodeAsync();
            using (socket)
            {
                Assert.Equal("b", node);
            }
        }
        foreach (var (socket, _) in open)
        {
            socket.Dispose();
        }
    }

    [Fact]
    public async Task WithNoServingNode_AConnectionIsClosedUnserved()
    {
        await using var proxy = ProxyHarness.Start();
        using var client = await proxy.ConnectAsync();
        Assert.True(await ProxyHarness.ClosedAsync(client));
        Assert.Equal(1, proxy.Metrics.Proxy.Rejected.WithLabels("ring/pb", "no_node").Value);
    }

    [Fact]
    public async Task ManyConnectionsAtOnce_EachGetsExactlyItsOwnBytesBack_BothWaysAtOnce()
    {
        await using var a = new TestBackend("a");
        await using var b = new TestBackend("b");
        await using var proxy = ProxyHarness.Start();
        await proxy.PutAsync("a", a.Port);
        await proxy.PutAsync("b", b.Port);

        // Writing and reading at once, more than the socket buffers hold: sends come back short and
        // connections that share a forwarding thread take turns.
        const int Bytes = 2 * 1024 * 1024;
        var clients = await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
        {
            var (socket, _) = await proxy.ConnectToNodeAsync();
            using (socket)
            {
                var payload = new byte[Bytes];
                new Random(i).NextBytes(payload);
                var writing = Task.Run(async () => await socket.SendAsync(payload, SocketFlags.None));
                var echoed = new byte[Bytes];
                for (var read = 0; read < Bytes;)
                {
                    var n = await socket.ReceiveAsync(echoed.AsMemory(read), SocketFlags.None);
                    Assert.NotEqual(0, n);
                    read += n;
                }
                await writing;
                return payload.AsSpan().SequenceEqual(echoed);
            }
        })).Within("24 connections to echo 2 MiB each", TimeSpan.FromSeconds(120));

        Assert.All(clients, Assert.True);
        await Eventually.TrueAsync(() => proxy.Listener.ActiveConnections == 0, "every connection to close");
    }

    [Fact]
    public async Task AClientThatResets_ClosesTheConnectionToTheNode()
    {
        await using var backend = new TestBackend("a", BackendMode.Stalled);
        backend.StartReading();
        await using var proxy = ProxyHarness.Start();
        await proxy.PutAsync("a", backend.Port);
        var client = await proxy.ConnectAsync();
        await client.SendAsync(new byte[1000], SocketFlags.None);
        await Eventually.TrueAsync(() => backend.Received == 1000, "the bytes at the node");

        // Linger 0: close sends a reset, not an end of stream.
        client.LingerState = new LingerOption(true, 0);
        client.Dispose();

        await Eventually.TrueAsync(() => proxy.Listener.ActiveConnections == 0, "the proxy to close the connection after the reset");
    }

    [Fact]
    public async Task ANodeThatResets_ClosesTheClientsConnection()
    {
        using var node = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        node.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        node.Listen();
        await using var proxy = ProxyHarness.Start();
        await proxy.PutAsync("a", ((IPEndPoint)node.LocalEndPoint!).Port);
        using var client = await proxy.ConnectAsync();
        using (var accepted = await node.AcceptAsync().Within("the proxy's connection at the node"))
        {
            await client.SendAsync(new byte[10], SocketFlags.None);
            var buffer = new byte[10];
            Assert.Equal(10, await accepted.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().Within("the bytes at the node"));
            accepted.LingerState = new LingerOption(true, 0);
        }

        Assert.True(await ProxyHarness.ClosedAsync(client));
        await Eventually.TrueAsync(() => proxy.Listener.ActiveConnections == 0, "the proxy to close the connection after the reset");
    }

    internal static async Task<string> EchoAsync(Socket socket, string text)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes(text + "\n"), SocketFlags.None);
        return await ProxyHarness.ReadLineAsync(socket);
    }

    private static int FreePortNobodyListensOn()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>The largest buffer of a tcp_wmem/tcp_rmem triple ("min default max").</summary>
    private static long MaxBuffer(string path) => long.Parse(File.ReadAllText(path).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture);
}
