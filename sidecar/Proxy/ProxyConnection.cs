using System.Buffers;
using System.Net.Sockets;
using Drover.Metrics;

namespace Drover.Sidecar.Proxy;

/// <summary>
/// One client connection spliced to one node: two pumps, client to node and node to client. Each reads
/// into a buffer of its own (pooled, reused for the connection's life) and writes all of it before it
/// reads again, so a slow reader slows the writer down (backpressure) and a connection holds at most two
/// buffers. End of stream on one side is passed on as a half-close (shutdown of the other side's
/// sending); the connection closes when both directions have ended, or at once on an error or
/// <see cref="Abort"/>. After the first reads, forwarding allocates nothing: the sockets' awaitable
/// receive and send operations are cached, and each pump's state machine is boxed once.
/// </summary>
public sealed class ProxyConnection
{
    private readonly Socket _client;
    private readonly Socket _upstream;
    private readonly int _bufferSize;
    private readonly CounterChild _upstreamBytes;
    private readonly CounterChild _downstreamBytes;
    private int _closed;

    public ProxyConnection(Socket client, Socket upstream, Backend backend, int bufferSize, CounterChild upstreamBytes, CounterChild downstreamBytes)
    {
        _client = client;
        _upstream = upstream;
        Backend = backend;
        _bufferSize = bufferSize;
        _upstreamBytes = upstreamBytes;
        _downstreamBytes = downstreamBytes;
    }

    public Backend Backend { get; }

    /// <summary>Forwards both ways until both have ended; closes both sockets.</summary>
    public async Task RunAsync()
    {
        try
        {
            var up = PumpAsync(_client, _upstream, _upstreamBytes);
            var down = PumpAsync(_upstream, _client, _downstreamBytes);
            await up.ConfigureAwait(false);
            await down.ConfigureAwait(false);
        }
        finally
        {
            Close();
        }
    }

    /// <summary>Closes both sides now (the node left under the close policy, or the sidecar stops).</summary>
    public void Abort() => Close();

    private async Task PumpAsync(Socket from, Socket to, CounterChild bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(_bufferSize);
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer.AsMemory(0, _bufferSize), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    // End of stream: pass the half-close on; the other direction goes on.
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                // SendAsync on a stream socket completes when every byte is handed to the kernel.
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None).ConfigureAwait(false);
                bytes.Inc(read);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // A reset or a closed socket ends the whole connection, not just this direction.
            Close();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        _client.Dispose();
        _upstream.Dispose();
    }
}
