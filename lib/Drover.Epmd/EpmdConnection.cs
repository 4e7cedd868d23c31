using System.Net.Sockets;

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

    public EpmdConnection(long id, Socket socket)
    {
        Id = id;
        Socket = socket;
        // epmd's DUMP shows the descriptor of each registration's connection; on Linux a socket handle is one.
        Fd = unchecked((int)socket.Handle);
        IsLocalPeer = LocalPeer.IsLocal(socket);
        Touch();
    }

    public long Id { get; }

    public Socket Socket { get; }

    public int Fd { get; }

    public bool IsLocalPeer { get; }

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
