namespace Drover.Epmd;

/// <summary>
/// The store of registrations behind one or more <see cref="EpmdServer"/>s. In a Drover executor it is
/// ZooKeeper (one ephemeral znode per node, under the cluster), so that every cEPMD of a cluster sees every
/// node of it; <see cref="InMemoryEpmdRegistry"/> is the same contract inside one process.
/// </summary>
/// <remarks>
/// Contract, which the servers rely on:
/// <list type="bullet">
/// <item>A name is unique within the store's <see cref="NameScope"/>: per host (<see cref="NodeRegistration.Host"/>,
/// compared case-insensitively; null is its own host), as it is unique per epmd daemon, or per cluster. A second
/// registration is a <see cref="RegistrationResult.Duplicate"/>. A lookup is given the asking server's host; a
/// per-cluster store answers for any host.</item>
/// <item>Creation is numbered as epmd numbers it (<see cref="EpmdCreation"/>): a name seen before gets its
/// previous counter plus one; a new name starts from the clock.</item>
/// <item>Unregistering needs the token given at registration, so a late unregister from a dead connection
/// cannot remove a newer registration of the same name.</item>
/// <item><see cref="ListAsync"/> returns the newest registration first, the order epmd prints NAMES in.</item>
/// <item>A store that loses a registration it accepted (<see cref="RegistrationLost"/>) makes every server
/// close the connection of that registration.</item>
/// <item>Methods may throw when the store is unreachable; the server then closes the asking connection
/// without an answer, which Erlang treats like an absent epmd.</item>
/// </list>
/// </remarks>
public interface IEpmdRegistry
{
    /// <summary>Where a name is unique, and which host a lookup answers for. Default: per host.</summary>
    EpmdNameScope NameScope => EpmdNameScope.Host;

    /// <summary>
    /// Raised (on any thread) when the store could no longer keep a registration it accepted. Stores that
    /// never lose one need not implement it.
    /// </summary>
    event EventHandler<RegistrationLostEventArgs>? RegistrationLost
    {
        add { }
        remove { }
    }

    /// <summary>Stores <paramref name="registration"/> unless its name is held on its host; assigns the creation.</summary>
    ValueTask<RegistrationResult> TryRegisterAsync(NodeRegistration registration, RegistrationToken token, CancellationToken cancellationToken = default);

    /// <summary>Removes the registration of <paramref name="name"/> on <paramref name="host"/> if it is still the one <paramref name="token"/> made. True when it was removed.</summary>
    ValueTask<bool> UnregisterAsync(string? host, string name, RegistrationToken token, CancellationToken cancellationToken = default);

    /// <summary>The registration of <paramref name="name"/> on <paramref name="host"/> (on any host for a per-cluster store), or null.</summary>
    ValueTask<NodeRegistration?> LookupAsync(string? host, string name, CancellationToken cancellationToken = default);

    /// <summary>Every registration, of every host, newest first.</summary>
    ValueTask<IReadOnlyList<NodeRegistration>> ListAsync(CancellationToken cancellationToken = default);
}
