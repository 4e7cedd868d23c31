using System.Net;

namespace Drover.Net;

/// <summary>
/// One admitted connection's place in a <see cref="ConnectionAdmission"/>. Its owner reports each change of
/// phase and disposes it when the connection closes. Created by <see cref="ConnectionAdmission.TryAdmit"/>.
/// </summary>
public sealed class ConnectionSlot : IDisposable
{
    private readonly ConnectionAdmission _admission;
    private Action? _evict;

    internal ConnectionSlot(ConnectionAdmission admission, IPAddress peer, Action evict)
    {
        _admission = admission;
        Peer = peer;
        _evict = evict;
    }

    /// <summary>The peer's address (an IPv4-mapped IPv6 address as plain IPv4).</summary>
    public IPAddress Peer { get; }

    public ConnectionPhase Phase => _admission.PhaseOf(this);

    /// <summary>True once a newcomer took this connection's slot: its owner should close it.</summary>
    public bool IsEvicted => Phase == ConnectionPhase.Evicted;

    // Guarded by the admission's lock.
    internal ConnectionPhase PhaseUnlocked { get; set; } = ConnectionPhase.Waiting;

    internal LinkedListNode<ConnectionSlot>? Node { get; set; }

    /// <summary>Part of a request has arrived (or the connection is new): evictable, in the order connections started waiting.</summary>
    public bool Waiting() => _admission.Move(this, ConnectionPhase.Waiting);

    /// <summary>Between requests, or closing after the last answer: evicted before any waiting connection.</summary>
    public bool Idle() => _admission.Move(this, ConnectionPhase.Idle);

    /// <summary>
    /// A complete request is in, and is being answered (or the connection now holds a registration): no
    /// longer evictable. False when the connection was evicted first; the owner then drops it unanswered.
    /// </summary>
    public bool Busy() => _admission.Move(this, ConnectionPhase.Busy);

    /// <summary>The connection is closed: frees the slot (if it was not evicted already). Idempotent.</summary>
    public void Dispose() => _admission.Leave(this);

    internal void RunEviction() => Interlocked.Exchange(ref _evict, null)?.Invoke();
}
