using System.Net.Sockets;
using Drover.Sidecar.Tests.Support;
using Drover.Testing;

namespace Drover.Sidecar.Tests;

/// <summary>
/// The forwarding loops under many connections coming and going (the benchmark's 64-connection hang): waves
/// of connections opened at once, each asking questions small and large through the proxy to echoing
/// nodes, some reading their answers slowly (backpressure). Every question must be answered within a
/// bound; a stalled connection fails the test with what was outstanding instead of hanging it.
/// </summary>
public sealed class ProxyStressTests
{
    private const int Waves = 12;
    private const int ConnectionsPerWave = 64;
    private static readonly TimeSpan WaveBound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task WavesOfConnections_SmallAndLargeRequests_AndSlowReaders_EveryRequestIsAnswered()
    {
        await using var a = new TestBackend("a");
        await using var b = new TestBackend("b");
        // Stopped below, within a bound: a forwarding loop that no longer takes commands would not stop.
        var proxy = ProxyHarness.Start(maxConnections: 1000);
        await proxy.PutAsync("a", a.Port);
        await proxy.PutAsync("b", b.Port);

        for (var wave = 0; wave < Waves; wave++)
        {
            var progress = new Progress[ConnectionsPerWave];
            var clients = Enumerable.Range(0, ConnectionsPerWave).Select(i =>
            {
                progress[i] = new Progress();
                return Task.Run(() => ClientAsync(proxy, (wave * ConnectionsPerWave) + i, progress[i]));
            }).ToList();
            var all = Task.WhenAll(clients);
            if (await Task.WhenAny(all, Task.Delay(WaveBound)) != all)
            {
                var stuck = progress.Select((p, i) => (p, i)).Where(x => !x.p.Done).ToList();
                Assert.Fail($"wave {wave + 1} of {Waves}: {stuck.Count} of {ConnectionsPerWave} connections had no answer after {WaveBound.TotalSeconds:0} s: " +
                    string.Join("; ", stuck.Take(8).Select(x => $"#{x.i} at {x.p.Step}")));
            }
            await all;
        }
        await Eventually.TrueAsync(() => proxy.Listener.ActiveConnections == 0, "every connection to close");
        await Task.Run(() => proxy.DisposeAsync().AsTask()).Within("the proxy to stop");
    }

    /// <summary>One client: the node's name line, small questions one at a time, one large one; every fourth sends 1 MiB and reads its answer slowly.</summary>
    private static async Task ClientAsync(ProxyHarness proxy, int id, Progress progress)
    {
        progress.Step = "connecting";
        using var socket = await proxy.ConnectAsync();
        progress.Step = "waiting for the node's name";
        await ProxyHarness.ReadLineAsync(socket);
        var random = new Random(id);
        var buffer = new byte[4096];
        for (var i = 0; i < 8; i++)
        {
            progress.Step = $"small request {i + 1}";
            var request = new byte[68];
            random.NextBytes(request);
            await ExchangeAsync(socket, request, buffer, slow: false);
        }
        progress.Step = "large request";
        var large = new byte[id % 4 == 0 ? 1024 * 1024 : 128 * 1024];
        random.NextBytes(large);
        await ExchangeAsync(socket, large, buffer, slow: id % 4 == 0);
        socket.Shutdown(SocketShutdown.Send);
        progress.Step = "waiting for the end of stream";
        Assert.Equal(0, await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None));
        progress.Done = true;
    }

    /// <summary>Sends a request while reading its echo back (in small reads, yielding between them, when slow) and checks it byte for byte.</summary>
    private static async Task ExchangeAsync(Socket socket, byte[] request, byte[] buffer, bool slow)
    {
        var writing = socket.SendAsync(request, SocketFlags.None);
        for (var read = 0; read < request.Length;)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(0, slow ? 512 : buffer.Length), SocketFlags.None);
            if (n == 0)
            {
                throw new EndOfStreamException($"end of stream after {read} of {request.Length} bytes of the answer");
            }
            Assert.True(buffer.AsSpan(0, n).SequenceEqual(request.AsSpan(read, n)), $"the answer differs from the request at byte {read}");
            read += n;
            if (slow)
            {
                await Task.Yield();
            }
        }
        await writing;
    }

    private sealed class Progress
    {
        public volatile string Step = "not started";
        public volatile bool Done;
    }
}
