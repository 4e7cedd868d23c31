using System.Net;
using System.Net.Sockets;

namespace Drover.Testing.Net;

/// <summary>
/// A hostile client for a server's connection limits: opens many connections from one address, sends each
/// the bytes <c>payload(i)</c> gives (nothing, half a request, a whole request it never reads the answer of)
/// and holds them until disposed. Whatever the server does with them (closing, resetting) is ignored: the
/// flood only has to be there. Bounded in count and time; loopback targets only.
/// </summary>
public sealed class ConnectionFlood : IAsyncDisposable
{
    private const int Parallel = 32;
    private readonly List<Socket> _sockets;

    private ConnectionFlood(List<Socket> sockets) => _sockets = sockets;

    /// <summary>Client sockets held (each one descriptor of this process).</summary>
    public int Count => _sockets.Count;

    public static async Task<ConnectionFlood> OpenAsync(IPEndPoint target, int count, Func<int, byte[]> payload, IPAddress? from = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(payload);
        if (!IPAddress.IsLoopback(target.Address))
        {
            throw new ArgumentException($"A flood goes to loopback addresses only, not {target.Address}.", nameof(target));
        }
        var sockets = new Socket?[count];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await System.Threading.Tasks.Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = deadline.Token }, async (i, token) =>
            {
                var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                sockets[i] = socket;
                if (from is not null)
                {
                    socket.Bind(new IPEndPoint(from, 0));
                }
                try
                {
                    await socket.ConnectAsync(target, token);
                    var bytes = payload(i);
                    if (bytes.Length > 0)
                    {
                        await socket.SendAsync(bytes, SocketFlags.None, token);
                    }
                }
                catch (SocketException error) when (error.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
                {
                    // Evicted as soon as the server took it (even before the connect was reported): still part of the flood.
                }
            });
        }
        catch
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }
            throw;
        }
        return new ConnectionFlood([.. sockets.Select(s => s!)]);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
        _sockets.Clear();
        return ValueTask.CompletedTask;
    }
}
