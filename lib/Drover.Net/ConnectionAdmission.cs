using System.Net;

namespace Drover.Net;

/// <summary>
/// Who gets a connection slot on a small server (the <c>/metrics</c> server, cEPMD) when a peer floods it.
/// Refusing the newcomer at capacity lets a client that opens connections and sends nothing (or half a
/// request) shut everyone else out until its connections time out. Instead, at capacity the newcomer takes
/// the slot of a connection that is not being served: an idle one (kept alive between requests, or closing)
/// first, else the one that has waited longest without a complete request. A newcomer is refused only when
/// every slot is busy answering a request (or holds a registration). A per-address cap keeps one peer from
/// taking every slot: a peer at its cap can only displace its own connections.
/// </summary>
/// <remarks>
/// The server tells each <see cref="ConnectionSlot"/> when its connection changes phase; the policy keeps the
/// evictable connections in two queues in the order they entered their phase, so choosing a victim is O(1)
/// (O(slots) for a peer at its cap, which must find one of its own). Thread-safe: the accept path and the
/// connections' own paths may run on any thread. The eviction callback runs outside the lock, exactly once;
/// it must only start the close (a shutdown or a dispose), since the slot is already counted as free.
/// </remarks>
public sealed class ConnectionAdmission
{
    private readonly object _gate = new();
    private readonly LinkedList<ConnectionSlot> _idle = new();
    private readonly LinkedList<ConnectionSlot> _waiting = new();
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private long _evictions;
    private long _refusals;

    /// <param name="maxConnections">Slots in all (at least 1).</param>
    /// <param name="maxPerAddress">Slots one peer address may hold (at least 1; more than <paramref name="maxConnections"/> means no cap of its own).</param>
    public ConnectionAdmission(int maxConnections, int maxPerAddress)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerAddress, 1);
        MaxConnections = maxConnections;
        MaxPerAddress = Math.Min(maxPerAddress, maxConnections);
    }

    public int MaxConnections { get; }

    public int MaxPerAddress { get; }

    /// <summary>Connections holding a slot now (evicted ones no longer do, even before their owner has closed them).</summary>
    public int Count { get; private set; }

    /// <summary>Connections holding a slot in <paramref name="phase"/> now.</summary>
    public int CountIn(ConnectionPhase phase)
    {
        lock (_gate)
        {
            return phase switch
            {
                ConnectionPhase.Idle => _idle.Count,
                ConnectionPhase.Waiting => _waiting.Count,
                ConnectionPhase.Busy => Count - _idle.Count - _waiting.Count,
                _ => 0,
            };
        }
    }

    /// <summary>Connections evicted to make room for a newcomer, since the start.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Newcomers refused because every slot they could take was busy, since the start.</summary>
    public long Refusals => Interlocked.Read(ref _refusals);

    /// <summary>
    /// Gives a newly accepted connection from <paramref name="peer"/> a slot in the <see cref="ConnectionPhase.Waiting"/>
    /// phase, evicting another connection if needed; null when it must be refused (close it at once).
    /// <paramref name="evict"/> is what closes this connection should a later newcomer take its slot.
    /// </summary>
    public ConnectionSlot? TryAdmit(IPAddress peer, Action evict)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(evict);
        var address = Normalize(peer);
        ConnectionSlot? victim;
        ConnectionSlot admitted;
        lock (_gate)
        {
            var fromPeer = _perAddress.GetValueOrDefault(address);
            victim = fromPeer >= MaxPerAddress ? OldestEvictable(address)
                : Count >= MaxConnections ? OldestEvictable(address: null)
                : null;
            if (victim is null && (fromPeer >= MaxPerAddress || Count >= MaxConnections))
            {
                _refusals++;
                return null;
            }
            if (victim is not null)
            {
                RemoveUnlocked(victim, ConnectionPhase.Evicted);
                _evictions++;
            }
            admitted = new ConnectionSlot(this, address, evict);
            admitted.Node = _waiting.AddLast(admitted);
            _perAddress[address] = _perAddress.GetValueOrDefault(address) + 1;
            Count++;
        }
        victim?.RunEviction();
        return admitted;
    }

    /// <summary>Moves <paramref name="slot"/> to <paramref name="phase"/>; false when it was evicted (or has left) already.</summary>
    internal bool Move(ConnectionSlot slot, ConnectionPhase phase)
    {
        lock (_gate)
        {
            if (slot.PhaseUnlocked is ConnectionPhase.Evicted or ConnectionPhase.Left)
            {
                return false;
            }
            if (slot.Node is { } node)
            {
                node.List!.Remove(node);
                slot.Node = null;
            }
            slot.PhaseUnlocked = phase;
            slot.Node = phase switch
            {
                ConnectionPhase.Waiting => _waiting.AddLast(slot),
                ConnectionPhase.Idle => _idle.AddLast(slot),
                _ => null,
            };
            return true;
        }
    }

    internal ConnectionPhase PhaseOf(ConnectionSlot slot)
    {
        lock (_gate)
        {
            return slot.PhaseUnlocked;
        }
    }

    internal void Leave(ConnectionSlot slot)
    {
        lock (_gate)
        {
            if (slot.PhaseUnlocked is not (ConnectionPhase.Evicted or ConnectionPhase.Left))
            {
                RemoveUnlocked(slot, ConnectionPhase.Left);
            }
            else
            {
                slot.PhaseUnlocked = ConnectionPhase.Left;
            }
        }
    }

    /// <summary>An idle connection first, then the one waiting longest for its request; of one address, or of any.</summary>
    private ConnectionSlot? OldestEvictable(IPAddress? address) =>
        First(_idle, address) ?? First(_waiting, address);

    private static ConnectionSlot? First(LinkedList<ConnectionSlot> queue, IPAddress? address)
    {
        for (var node = queue.First; node is not null; node = node.Next)
        {
            if (address is null || node.Value.Peer.Equals(address))
            {
                return node.Value;
            }
        }
        return null;
    }

    private void RemoveUnlocked(ConnectionSlot slot, ConnectionPhase phase)
    {
        if (slot.Node is { } node)
        {
            node.List!.Remove(node);
            slot.Node = null;
        }
        slot.PhaseUnlocked = phase;
        Count--;
        var left = _perAddress[slot.Peer] - 1;
        if (left == 0)
        {
            _perAddress.Remove(slot.Peer);
        }
        else
        {
            _perAddress[slot.Peer] = left;
        }
    }

    // A dual-mode listener sees IPv4 peers as ::ffff:a.b.c.d; one peer must count once whichever way it came.
    private static IPAddress Normalize(IPAddress peer) => peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
}
