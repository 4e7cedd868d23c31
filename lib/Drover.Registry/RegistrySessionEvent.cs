using System.Globalization;
using Drover.ZooKeeper;

namespace Drover.Registry;

public enum RegistrySessionEventKind
{
    /// <summary>A new session is connected (the first one, or a replacement after expiry).</summary>
    Started,

    /// <summary>ZooKeeper ended the session (or refused its credentials): its ephemeral nodes and watches are gone.</summary>
    Ended,

    /// <summary>An attempt to open a session failed; another follows after a backoff.</summary>
    ConnectFailed,
}

/// <summary>What happened to the registry's session: for logs and metrics.</summary>
/// <param name="Generation">The number of the session (1 for the first); 0 before any.</param>
/// <param name="SessionId">The ZooKeeper session id, 0 if none.</param>
/// <param name="State">For <see cref="RegistrySessionEventKind.Ended"/>: Expired or AuthFailed.</param>
/// <param name="Error">For <see cref="RegistrySessionEventKind.ConnectFailed"/>: why.</param>
public sealed record RegistrySessionEvent(RegistrySessionEventKind Kind, long Generation, long SessionId, ZooKeeperState? State = null, Exception? Error = null)
{
    public override string ToString() => Kind switch
    {
        RegistrySessionEventKind.Started => string.Create(CultureInfo.InvariantCulture, $"ZooKeeper session 0x{SessionId:x} started (session #{Generation})"),
        RegistrySessionEventKind.Ended => string.Create(CultureInfo.InvariantCulture, $"ZooKeeper session 0x{SessionId:x} ended: {State} (session #{Generation}); opening a new one"),
        _ => $"could not open a ZooKeeper session: {Error?.GetType().Name}: {Error?.Message}",
    };
}

/// <summary>Counters of a <see cref="RegistrySession"/> since it was made.</summary>
public readonly record struct RegistrySessionStatistics(long SessionsStarted, long SessionsEnded, long ConnectFailures);
