namespace Drover.ZooKeeper;

/// <summary>The state of a <see cref="ZooKeeperClient"/>'s session and connection.</summary>
public enum ZooKeeperState
{
    /// <summary>No session yet: the client is trying the servers of the connect string.</summary>
    Connecting,

    /// <summary>Connected to a server; requests are served.</summary>
    Connected,

    /// <summary>Connected to a read-only server (not requested by this client; kept for completeness).</summary>
    ConnectedReadOnly,

    /// <summary>The connection was lost; the client is reconnecting and the session may still be alive.</summary>
    Disconnected,

    /// <summary>Terminal: the server declared the session expired; its ephemeral nodes and watches are gone.</summary>
    Expired,

    /// <summary>Terminal: the server refused the client's credentials.</summary>
    AuthFailed,

    /// <summary>Terminal: the client was closed.</summary>
    Closed,
}

internal static class ZooKeeperStateExtensions
{
    public static bool IsTerminal(this ZooKeeperState state) =>
        state is ZooKeeperState.Expired or ZooKeeperState.AuthFailed or ZooKeeperState.Closed;

    public static bool IsConnected(this ZooKeeperState state) =>
        state is ZooKeeperState.Connected or ZooKeeperState.ConnectedReadOnly;
}
