namespace Drover.ZooKeeper;

/// <summary>One operation of a <see cref="ZooKeeperClient.MultiAsync"/> transaction.</summary>
public abstract record Op(string Path)
{
    /// <summary>Creates a node; the result is an <see cref="OpResult.Create"/>.</summary>
    public static Op Create(string path, ReadOnlyMemory<byte> data, IReadOnlyList<Acl> acl, CreateMode mode) =>
        new CreateOp(path, data, acl, mode);

    /// <summary>Deletes a node if its version matches (-1 matches any).</summary>
    public static Op Delete(string path, int version = -1) => new DeleteOp(path, version);

    /// <summary>Sets a node's data if its version matches (-1 matches any).</summary>
    public static Op SetData(string path, ReadOnlyMemory<byte> data, int version = -1) => new SetDataOp(path, data, version);

    /// <summary>Fails the transaction unless the node exists with this version (-1 matches any).</summary>
    public static Op Check(string path, int version) => new CheckOp(path, version);

    public sealed record CreateOp(string Path, ReadOnlyMemory<byte> Data, IReadOnlyList<Acl> Acl, CreateMode Mode) : Op(Path);

    public sealed record DeleteOp(string Path, int Version) : Op(Path);

    public sealed record SetDataOp(string Path, ReadOnlyMemory<byte> Data, int Version) : Op(Path);

    public sealed record CheckOp(string Path, int Version) : Op(Path);
}

/// <summary>The outcome of one operation of a multi.</summary>
public abstract record OpResult
{
    private OpResult()
    {
    }

    /// <summary>A node was created at <see cref="Path"/> (the actual name, with any sequence suffix).</summary>
    public sealed record Create(string Path, Stat? Stat) : OpResult;

    public sealed record Delete : OpResult;

    public sealed record SetData(Stat Stat) : OpResult;

    public sealed record Check : OpResult;

    /// <summary>
    /// The operation failed, or (with <see cref="KeeperErrorCode.Ok"/> or
    /// <see cref="KeeperErrorCode.RuntimeInconsistency"/>) was rolled back because another one failed.
    /// </summary>
    public sealed record Error(KeeperErrorCode Code) : OpResult;
}
