using System.Net.Sockets;
using Drover.Sidecar.Tests.Support;
using Drover.Testing;

namespace Drover.Sidecar.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone (measures the whole process)";
}

/// <summary>Steady-state forwarding allocates nothing per byte: measured over the whole process, with nothing else running.</summary>
[Collection(AloneCollection.Name)]
public sealed class AllocationTests
{
    [Fact]
    public async Task ForwardingMoreBytes_AllocatesNoMore()
    {
        await using var backend = new TestBackend("echo");
        await using var proxy = ProxyHarness.Start();
        await proxy.PutAsync("echo", backend.Port);
        var (client, _) = await proxy.ConnectToNodeAsync();
        using (client)
        {
            var send = new byte[16 * 1024];
            var receive = new byte[64 * 1024];
            await EchoAsync(client, send, receive, 4L << 20); // warm up: every path taken once

            // 56 MiB more each way costs no more than noise (timers, the thread pool): nothing per byte or per read.
            // The count is the whole process's, so what other tests left behind (sockets of earlier tests closing,
            // their tasks ending) can only add to it, and only for a while; a cost per byte would show in every
            // attempt. So: up to three attempts, one of them must be clean.
            var attempts = new List<string>();
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var small = await AllocatedWhileAsync(() => EchoAsync(client, send, receive, 8L << 20));
                var large = await AllocatedWhileAsync(() => EchoAsync(client, send, receive, 64L << 20));
                attempts.Add($"8 MiB each way allocated {small} bytes, 64 MiB each way {large} bytes");
                if (large - small < 64 * 1024)
                {
                    return;
                }
            }

            Assert.Fail(string.Join("; ", attempts));
        }
    }

    private static async Task<long> AllocatedWhileAsync(Func<Task> work)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await work();
        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }

    /// <summary>Sends <paramref name="total"/> bytes through the echo and reads them all back, reusing the buffers.</summary>
    private static async Task EchoAsync(Socket client, byte[] send, byte[] receive, long total)
    {
        var reading = ReadAsync(client, receive, total);
        for (long sent = 0; sent < total; sent += send.Length)
        {
            await client.SendAsync(send.AsMemory(), SocketFlags.None);
        }
        await reading.Within("the echo of everything sent", TimeSpan.FromSeconds(60));
    }

    private static async Task ReadAsync(Socket client, byte[] receive, long total)
    {
        for (long read = 0; read < total;)
        {
            read += await client.ReceiveAsync(receive.AsMemory(), SocketFlags.None);
        }
    }
}
