namespace Drover.Epmd;

/// <summary>Where a store keeps a node name unique, and so which registrations a lookup can answer with.</summary>
public enum EpmdNameScope
{
    /// <summary>
    /// Unique per host, as per epmd daemon (<see cref="InMemoryEpmdRegistry"/>): <c>riak@agent1</c> and
    /// <c>riak@agent2</c> coexist, and a lookup answers only with a registration of the asking server's host.
    /// </summary>
    Host,

    /// <summary>
    /// Unique per cluster (the ZooKeeper store): a name taken on any host is a duplicate everywhere, and a
    /// lookup answers with the registration of that name whichever host it is on (the host is stored too).
    /// </summary>
    Cluster,
}
