namespace Drover.ZooKeeper;

/// <summary>What happened to a watched znode (Watcher.Event.EventType; wire values).</summary>
public enum EventType
{
    /// <summary>No znode event: the session's state changed (see <see cref="WatchedEvent.State"/>).</summary>
    None = -1,
    NodeCreated = 1,
    NodeDeleted = 2,
    NodeDataChanged = 3,
    NodeChildrenChanged = 4,
    DataWatchRemoved = 5,
    ChildWatchRemoved = 6,
    PersistentWatchRemoved = 7,
}

/// <summary>The session state an event carries (Watcher.Event.KeeperState; wire values).</summary>
public enum KeeperState
{
    Unknown = -1,
    Disconnected = 0,
    NoSyncConnected = 1,
    SyncConnected = 3,
    AuthFailed = 4,
    ConnectedReadOnly = 5,
    SaslAuthenticated = 6,
    Expired = -112,
    Closed = 7,
}

/// <summary>
/// A watch notification. For znode events <see cref="Path"/> is the node's path as the client sees it
/// (chroot removed). Events with <see cref="EventType.None"/> tell every registered watcher about a
/// change of session state (Disconnected, SyncConnected, Expired, AuthFailed, Closed), as the official
/// client does: a watch survives a disconnection (it is re-registered on reconnect) but never fires after
/// Expired or Closed.
/// </summary>
public sealed record WatchedEvent(EventType Type, KeeperState State, string? Path);
