namespace Drover.Epmd;

/// <summary>
/// Running totals of one <see cref="EpmdServer"/>, for the executor's metrics. Every property is a
/// monotonically increasing count except <see cref="ActiveConnections"/> and <see cref="ActiveRegistrations"/>.
/// Reads are atomic; the set as a whole is not a snapshot.
/// </summary>
public sealed class EpmdServerCounters
{
    private long _connectionsAccepted;
    private long _connectionsRefused;
    private long _connectionsEvicted;
    private long _activeConnections;
    private long _activeRegistrations;
    private long _registrations;
    private long _registrationsRefused;
    private long _unregistrations;
    private long _lookupHits;
    private long _lookupMisses;
    private long _namesRequests;
    private long _dumpRequests;
    private long _killRequests;
    private long _stopRequests;
    private long _rejectedRequests;
    private long _idleTimeouts;
    private long _registryFailures;
    private long _registrationsLost;

    /// <summary>Connections accepted and served.</summary>
    public long ConnectionsAccepted => Interlocked.Read(ref _connectionsAccepted);

    /// <summary>
    /// Connections closed at once: <see cref="EpmdServerOptions.MaxConnections"/> (or the peer's
    /// <see cref="EpmdServerOptions.MaxConnectionsPerAddress"/>) were open and none could be evicted, or the
    /// system was out of descriptors.
    /// </summary>
    public long ConnectionsRefused => Interlocked.Read(ref _connectionsRefused);

    /// <summary>Connections still waiting for their request, closed to make room for a newcomer at the limit.</summary>
    public long ConnectionsEvicted => Interlocked.Read(ref _connectionsEvicted);

    /// <summary>Connections open now.</summary>
    public long ActiveConnections => Interlocked.Read(ref _activeConnections);

    /// <summary>Registrations held by this server's connections now.</summary>
    public long ActiveRegistrations => Interlocked.Read(ref _activeRegistrations);

    /// <summary>ALIVE2 requests answered with success.</summary>
    public long Registrations => Interlocked.Read(ref _registrations);

    /// <summary>ALIVE2 requests answered with result 1: duplicate name, name or extra not acceptable.</summary>
    public long RegistrationsRefused => Interlocked.Read(ref _registrationsRefused);

    /// <summary>Registrations ended (connection closed, bytes after ALIVE2, STOP_REQ, server stop).</summary>
    public long Unregistrations => Interlocked.Read(ref _unregistrations);

    /// <summary>PORT_PLEASE2 requests answered with a port.</summary>
    public long LookupHits => Interlocked.Read(ref _lookupHits);

    /// <summary>PORT_PLEASE2 requests answered with <c>[119, 1]</c>.</summary>
    public long LookupMisses => Interlocked.Read(ref _lookupMisses);

    /// <summary>NAMES requests answered.</summary>
    public long NamesRequests => Interlocked.Read(ref _namesRequests);

    /// <summary>DUMP requests answered.</summary>
    public long DumpRequests => Interlocked.Read(ref _dumpRequests);

    /// <summary>KILL requests answered ("OK" or "NO").</summary>
    public long KillRequests => Interlocked.Read(ref _killRequests);

    /// <summary>STOP requests answered.</summary>
    public long StopRequests => Interlocked.Read(ref _stopRequests);

    /// <summary>
    /// Requests closed without an answer: invalid length, more bytes than declared, unknown tag, malformed
    /// body, a local-only request from a remote peer, STOP while not relaxed, a half request at close, bytes
    /// after ALIVE2.
    /// </summary>
    public long RejectedRequests => Interlocked.Read(ref _rejectedRequests);

    /// <summary>Connections closed for silence (<see cref="EpmdServerOptions.IdleTimeout"/>).</summary>
    public long IdleTimeouts => Interlocked.Read(ref _idleTimeouts);

    /// <summary>Registry calls that failed or timed out (the connection was closed unanswered).</summary>
    public long RegistryFailures => Interlocked.Read(ref _registryFailures);

    /// <summary>Registrations whose connection was closed because the store lost them (<see cref="IEpmdRegistry.RegistrationLost"/>).</summary>
    public long RegistrationsLost => Interlocked.Read(ref _registrationsLost);

    internal void ConnectionAccepted() => Interlocked.Increment(ref _connectionsAccepted);

    internal void ConnectionRefused() => Interlocked.Increment(ref _connectionsRefused);

    internal void ConnectionEvicted() => Interlocked.Increment(ref _connectionsEvicted);

    internal void ConnectionOpened() => Interlocked.Increment(ref _activeConnections);

    internal void ConnectionClosed() => Interlocked.Decrement(ref _activeConnections);

    internal void Registered()
    {
        Interlocked.Increment(ref _registrations);
        Interlocked.Increment(ref _activeRegistrations);
    }

    internal void Unregistered()
    {
        Interlocked.Increment(ref _unregistrations);
        Interlocked.Decrement(ref _activeRegistrations);
    }

    internal void RegistrationRefused() => Interlocked.Increment(ref _registrationsRefused);

    internal void LookupHit() => Interlocked.Increment(ref _lookupHits);

    internal void LookupMiss() => Interlocked.Increment(ref _lookupMisses);

    internal void NamesRequest() => Interlocked.Increment(ref _namesRequests);

    internal void DumpRequest() => Interlocked.Increment(ref _dumpRequests);

    internal void KillRequest() => Interlocked.Increment(ref _killRequests);

    internal void StopRequest() => Interlocked.Increment(ref _stopRequests);

    internal void Rejected() => Interlocked.Increment(ref _rejectedRequests);

    internal void IdleTimeout() => Interlocked.Increment(ref _idleTimeouts);

    internal void RegistryFailure() => Interlocked.Increment(ref _registryFailures);

    internal void RegistrationLost() => Interlocked.Increment(ref _registrationsLost);
}
