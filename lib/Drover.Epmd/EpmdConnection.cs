using System.Buffers;
using System.Net.Sockets;
using Drover.Epmd.Protocol;

namespace Drover.Epmd;

/// <summary>
/// One accepted connection. Only its own serve loop writes to it (one request, at most one answer), so
/// writes need no lock; other parties (STOP_REQ, the idle sweeper, server stop) may only close it.
/// </summary>
internal sealed class EpmdConnection
{
    private readonly object _gate = new();
    private NodeRegistration? _registration;
    private RegistrationToken _token;
    private long _lastActivity;
    private int _closed;

    private int _fd = -1;

    public EpmdConnection(long id, Socket socket)
    {
        Id = id;
        Socket = socket;
        Touch();
    }

    public long Id { get; }

    public Socket Socket { get; }

    /// <summary>Input buffer, epmd's size; returned to the pool by <see cref="ReturnBuffer"/> at the end.</summary>
    public byte[] Buffer { get; } = ArrayPool<byte>.Shared.Rent(EpmdLimits.InputBufferSize);

    /// <summary>Bytes of the request received so far (owned by whoever is reading it).</summary>
    public int Received { get; set; }

    /// <summary>True while the event loop owns the connection (reading its request); the sweeper leaves it alone then.</summary>
    public bool InEventLoop { get; set; }

    public void ReturnBuffer() => ArrayPool<byte>.Shared.Return(Buffer);

    /// <summary>
    /// The socket's descriptor, which epmd's DUMP shows for each registration; taken when the connection
    /// registers (see <see cref="NoteDescriptor"/>), -1 before.
    /// </summary>
    public int Fd => Volatile.Read(ref _fd);

    /// <summary>
    /// Whether the peer is local (epmd's rule, <see cref="LocalPeer"/>). Computed on demand: only ALIVE2,
    /// DUMP, KILL and STOP ask, and the lookup path should not pay for a getsockname.
    /// </summary>
    public bool IsLocalPeer => LocalPeer.IsLocal(Socket);

    /// <summary>Records the descriptor (on Linux the socket handle is the fd) once the connection is a registration.</summary>
    public void NoteDescriptor()
    {
        try
        {
            Volatile.Write(ref _fd, unchecked((int)Socket.SafeHandle.DangerousGetHandle()));
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Set once an ALIVE2 was answered: the connection then never times out (epmd's <c>keep</c>).</summary>
    public bool IsKept { get; private set; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public long LastActivity => Volatile.Read(ref _lastActivity);

    public void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

    public void Keep() => IsKept = true;

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

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            Socket.Dispose();
        }
    }
}
