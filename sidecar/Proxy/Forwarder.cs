using System.Net;
using System.Net.Sockets;

namespace Drover.Sidecar.Proxy;

/// <summary>
/// The proxy's forwarding threads, shared by every listener: one <see cref="ForwardingLoop"/> per core
/// (HAProxy's default too), connections dealt out in turn. Accepting stays with the runtime's sockets; a
/// connection's bytes move on its loop only.
/// </summary>
public sealed class Forwarder : IDisposable
{
    private readonly ForwardingLoop[] _loops;
    private int _next = -1;
    private int _nextConnect = -1;

    /// <param name="threads">Loops to run; 0 for one per processor.</param>
    public Forwarder(int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        var count = threads > 0 ? threads : Environment.ProcessorCount;
        _loops = new ForwardingLoop[count];
        for (var i = 0; i < count; i++)
        {
            _loops[i] = new ForwardingLoop($"drover-forward-{i}");
        }
    }

    public int Threads => _loops.Length;

    /// <summary>
    /// Connects <paramref name="socket"/> without blocking a thread and without the runtime's socket engine
    /// (which would then watch it too, and wake for every message the loop forwards): a non-blocking
    /// connect, then a loop waits for the socket to become writable. Throws <see cref="SocketException"/>
    /// for a refused or failed connect, <see cref="OperationCanceledException"/> when <paramref name="cancellation"/> fires first.
    /// </summary>
    public async Task ConnectAsync(Socket socket, IPEndPoint endPoint, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(socket);
        socket.Blocking = false;
        try
        {
            socket.Connect(endPoint);
            return;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // In progress: wait below.
        }
        // A counter of its own: sharing the connections' would put every connection on the same loop when
        // connects and connections alternate (with two loops: connect on 0, connection on 1, and again).
        var pending = new PendingConnect(_loops[(uint)Interlocked.Increment(ref _nextConnect) % (uint)_loops.Length], socket);
        pending.Loop.Post(ForwardingLoop.CommandKind.WatchConnect, pending);
        using (cancellation.Register(static state => ((PendingConnect)state!).Loop.Post(ForwardingLoop.CommandKind.CancelConnect, state), pending))
        {
            try
            {
                await pending.Writable.ConfigureAwait(false);
            }
            catch (TaskCanceledException) when (cancellation.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellation);
            }
        }
        var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        if (error != SocketError.Success)
        {
            throw new SocketException((int)error);
        }
    }

    /// <summary>Stops every loop; the connections they own are closed.</summary>
    public void Dispose()
    {
        foreach (var loop in _loops)
        {
            loop.Dispose();
        }
    }

    internal ForwardingLoop NextLoop() => _loops[(uint)Interlocked.Increment(ref _next) % (uint)_loops.Length];
}
