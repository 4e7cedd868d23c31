using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Drover.Epmd.Protocol;
using Drover.Net;
using Drover.Posix;

namespace Drover.Epmd;

/// <summary>
/// One accepted connection, as a plain non-blocking descriptor: a lookup is accepted, read, answered and
/// closed without a .NET <see cref="System.Net.Sockets.Socket"/> (epmd's own cost per lookup is a handful of
/// system calls; a Socket per connection cost more than that in user space, bench/RESULTS.md). A
/// <see cref="System.Net.Sockets.Socket"/> is made from the descriptor only where something must be awaited:
/// a registration's connection, or an answer the socket buffer did not take at once.
/// </summary>
/// <remarks>
/// Ownership: the event loop while it reads the request, then the serve path, which alone calls
/// <see cref="Dispose"/> (the close). Anyone else (STOP_REQ, the idle sweeper, a lost registration, an
/// eviction by a newcomer, server stop) calls <see cref="Close"/>, a shutdown: it wakes the owner's read or send and leaves the descriptor
/// number in place, so no later accept can reuse it under a reader. Only the serve path writes, once.
/// </remarks>
internal sealed class EpmdConnection
{
    private const int Open = 0;
    private const int ShutDown = 1;
    private const int Disposed = 2;

    private readonly object _gate = new();
    private NodeRegistration? _registration;
    private RegistrationToken _token;
    private Socket? _socket;
    private long _lastActivity;
    private int _state;

    public EpmdConnection(long id, int fd, ConnectionSlot slot)
    {
        Id = id;
        Fd = fd;
        Slot = slot;
        Touch();
    }

    /// <summary>Its place among the server's connections: waiting while its request comes in, busy from then on.</summary>
    public ConnectionSlot Slot { get; }

    public long Id { get; }

    /// <summary>The descriptor, which epmd's DUMP shows for each registration.</summary>
    public int Fd { get; }

    /// <summary>Input buffer, epmd's size; returned to the pool by <see cref="Dispose"/>.</summary>
    public byte[] Buffer { get; } = ArrayPool<byte>.Shared.Rent(EpmdLimits.InputBufferSize);

    /// <summary>Bytes of the request received so far (owned by whoever is reading it).</summary>
    public int Received { get; set; }

    /// <summary>True while the event loop owns the connection (reading its request); the sweeper leaves it alone then.</summary>
    public bool InEventLoop { get; set; }

    /// <summary>
    /// Whether the peer is local (epmd's rule, <see cref="LocalPeer"/>). Computed on demand: only ALIVE2,
    /// DUMP, KILL and STOP ask, and the lookup path should not pay for getpeername and getsockname.
    /// </summary>
    public bool IsLocalPeer =>
        SocketFd.PeerAddress(Fd) is IPAddress peer && SocketFd.LocalAddress(Fd) is IPAddress local && LocalPeer.IsLocal(peer, local);

    /// <summary>Set once an ALIVE2 was answered: the connection then never times out (epmd's <c>keep</c>).</summary>
    public bool IsKept { get; private set; }

    public bool IsClosed => Volatile.Read(ref _state) != Open;

    public long LastActivity => Volatile.Read(ref _lastActivity);

    public void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

    public void Keep() => IsKept = true;

    /// <summary>Reads what is in (non-blocking): bytes read, 0 at end of stream, -1 with the errno.</summary>
    public int Receive(Span<byte> buffer, out int errno) => SocketFd.Receive(Fd, buffer, out errno);

    /// <summary>
    /// Sends what the socket buffer takes now (non-blocking): bytes sent, -1 when the connection failed or
    /// was closed. An answer of epmd's size nearly always goes out whole here. <paramref name="closing"/>:
    /// the close follows, and goes out with these bytes (<see cref="SocketFd.Send"/>).
    /// </summary>
    public int TrySend(ReadOnlySpan<byte> data, bool closing)
    {
        var sent = SocketFd.Send(Fd, data, out var errno, closing);
        return sent >= 0 ? sent : errno == Errno.EAGAIN ? 0 : -1;
    }

    /// <summary>
    /// A <see cref="System.Net.Sockets.Socket"/> over the same descriptor, for what must be awaited; made
    /// once, by the owner. It owns the descriptor from then on (<see cref="Dispose"/> disposes it).
    /// </summary>
    public Socket AsSocket()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_state == Disposed, this);
            return _socket ??= new Socket(new SafeSocketHandle(Fd, ownsHandle: true));
        }
    }

    public void Hold(NodeRegistration registration, RegistrationToken token)
    {
        lock (_gate)
        {
            _registration = registration;
            _token = token;
        }
    }

    /// <summary>True while this connection holds the registration made with <paramref name="token"/>.</summary>
    public bool Holds(RegistrationToken token)
    {
        lock (_gate)
        {
            return _registration is not null && _token == token;
        }
    }

    /// <summary>Takes the registration away exactly once, for whoever ends it first (close or STOP_REQ).</summary>
    public (NodeRegistration Registration, RegistrationToken Token)? Release()
    {
        lock (_gate)
        {
            if (_registration is null)
            {
                return null;
            }
            var held = (_registration, _token);
            _registration = null;
            return held;
        }
    }

    /// <summary>Ends the connection for its owner (anyone may call it, any number of times): a shutdown, not a close.</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_state == Open)
            {
                _state = ShutDown;
                SocketFd.Shutdown(Fd);
            }
        }
    }

    /// <summary>The owner's last act: closes the descriptor and returns the buffer. Once.</summary>
    public void Dispose()
    {
        Socket? socket;
        lock (_gate)
        {
            if (_state == Disposed)
            {
                return;
            }
            _state = Disposed;
            socket = _socket;
        }
        if (socket is not null)
        {
            socket.Dispose();
        }
        else
        {
            SocketFd.Close(Fd);
        }
        ArrayPool<byte>.Shared.Return(Buffer);
    }
}
