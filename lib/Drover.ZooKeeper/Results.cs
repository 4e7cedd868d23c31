namespace Drover.ZooKeeper;

/// <summary>A node's data and metadata, from <see cref="ZooKeeperClient.GetDataAsync(string, Action{WatchedEvent}?, CancellationToken)"/>.</summary>
public sealed record DataResult(byte[] Data, Stat Stat);

/// <summary>A node's children (names, not paths) and metadata.</summary>
public sealed record ChildrenResult(IReadOnlyList<string> Children, Stat Stat);

/// <summary>A node's ACL and metadata.</summary>
public sealed record AclResult(IReadOnlyList<Acl> Acl, Stat Stat);

/// <summary>A created node's actual path (with any sequence suffix, chroot removed) and metadata.</summary>
public sealed record CreateResult(string Path, Stat Stat);
