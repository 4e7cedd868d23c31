using System.Net;
using System.Net.Sockets;

namespace Drover.ZooKeeper;

/// <summary>
/// A socket that any thread can make readable, so that a connection's I/O thread, waiting in poll() on
/// its server socket and this one, wakes up for work that does not come from the server: bytes a caller
/// could not send whole, requests queued, the connection broken. The Java client's SendThread is woken
/// the same way (Selector.wakeup, a pipe or eventfd underneath); the BCL offers neither, so this is a
/// datagram socket connected to itself: a Unix socket in Linux's abstract namespace (no file, works in
/// any network namespace), else UDP on the loopback interface.
/// </summary>
internal sealed class Waker : IDisposable
{
    private readonly byte[] _signal = [1];
    private readonly byte[] _drain = new byte[64];
    // 1 while a wake-up is sent and not yet drained: a burst of wake-ups costs one datagram.
    private int _rung;

    private Waker(Socket socket)
    {
        Socket = socket;
    }

    /// <summary>The socket to poll for reading.</summary>
    public Socket Socket { get; }

    public static Waker Create()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                return SelfConnected(new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified),
                    new UnixDomainSocketEndPoint($"\0drover-zookeeper-waker-{Guid.NewGuid():N}"));
            }
            catch (SocketException)
            {
                // No Unix sockets here (a seccomp profile, say): the loopback will do.
            }
        }
        return SelfConnected(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp), new IPEndPoint(IPAddress.Loopback, 0));
    }

    /// <summary>Makes <see cref="Socket"/> readable until <see cref="Drain"/>; safe from any thread, also after disposal.</summary>
    public void Wake()
    {
        if (Interlocked.Exchange(ref _rung, 1) == 1)
        {
            return;
        }
        try
        {
            // Non-blocking: if the socket's buffer were full it would be readable already.
            Socket.Send(_signal, SocketFlags.None, out _);
        }
        catch (ObjectDisposedException)
        {
            // The connection is finished: nobody is waiting any more.
        }
    }

    /// <summary>Consumes the wake-ups; called by the waiting thread before it looks at what it was woken for.</summary>
    public void Drain()
    {
        Interlocked.Exchange(ref _rung, 0);
        while (Socket.Receive(_drain, SocketFlags.None, out var error) > 0 && error == SocketError.Success)
        {
        }
    }

    public void Dispose() => Socket.Dispose();

    private static Waker SelfConnected(Socket socket, EndPoint endPoint)
    {
        try
        {
            socket.Bind(endPoint);
            socket.Connect(socket.LocalEndPoint!);
            socket.Blocking = false;
            return new Waker(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
