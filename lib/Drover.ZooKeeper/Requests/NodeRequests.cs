using Drover.ZooKeeper.Jute;
using Drover.ZooKeeper.Protocol;

namespace Drover.ZooKeeper.Requests;

/// <summary>CreateRequest (path, data, acl, flags) answered by Create2Response (path, stat).</summary>
internal sealed class CreateNodeRequest(string clientPath, string serverPath, ReadOnlyMemory<byte> data, IReadOnlyList<Acl> acl, CreateMode mode, Chroot chroot)
    : Request<CreateResult>(mode == CreateMode.Container ? OpCode.CreateContainer : OpCode.Create2, clientPath)
{
    // path + data + acl + flags (int)
    public override int BodySize => JuteSize.String(serverPath) + JuteSize.Buffer(data.Length) + Acl.ListSize(acl) + JuteSize.Int;

    public override void WriteBody(ref JuteWriter writer)
    {
        writer.WriteString(serverPath);
        writer.WriteBuffer(data.Span);
        Acl.WriteList(ref writer, acl);
        writer.WriteInt((int)mode);
    }

    protected override CreateResult ReadResult(ref JuteReader body)
    {
        var path = body.ReadString("create2Response.path")
            ?? throw new ZooKeeperProtocolException(ProtocolErrorKind.InvalidValue, "The create reply has a null path.", field: "create2Response.path");
        var stat = Stat.Read(ref body);
        return new CreateResult(StripChroot(chroot, path), stat);
    }

    internal static string StripChroot(Chroot chroot, string serverPath) =>
        chroot.ToClient(serverPath)
        ?? throw new ZooKeeperProtocolException(ProtocolErrorKind.PathOutsideChroot, $"The server returned path \"{serverPath}\" outside the chroot \"{chroot.Root}\".");
}

/// <summary>DeleteRequest (path, version); the reply has no body.</summary>
internal sealed class DeleteNodeRequest(string clientPath, string serverPath, int version)
    : Request<Done>(OpCode.Delete, clientPath)
{
    // path + version (int)
    public override int BodySize => JuteSize.String(serverPath) + JuteSize.Int;

    public override void WriteBody(ref JuteWriter writer)
    {
        writer.WriteString(serverPath);
        writer.WriteInt(version);
    }

    protected override Done ReadResult(ref JuteReader body) => default;
}

/// <summary>SetDataRequest (path, data, version) answered by SetDataResponse (stat).</summary>
internal sealed class SetDataRequest(string clientPath, string serverPath, ReadOnlyMemory<byte> data, int version)
    : Request<Stat>(OpCode.SetData, clientPath)
{
    // path + data + version (int)
    public override int BodySize => JuteSize.String(serverPath) + JuteSize.Buffer(data.Length) + JuteSize.Int;

    public override void WriteBody(ref JuteWriter writer)
    {
        writer.WriteString(serverPath);
        writer.WriteBuffer(data.Span);
        writer.WriteInt(version);
    }

    protected override Stat ReadResult(ref JuteReader body) => Stat.Read(ref body);
}

/// <summary>GetDataRequest (path, watch) answered by GetDataResponse (data, stat).</summary>
internal sealed class GetDataRequest(string clientPath, string serverPath)
    : Request<DataResult>(OpCode.GetData, clientPath)
{
    // path + watch (bool)
    public override int BodySize => JuteSize.String(serverPath) + JuteSize.Bool;

    public override void WriteBody(ref JuteWriter writer)
    {
        writer.WriteString(serverPath);
        writer.WriteBool(Watch is not null);
    }

    public override WatchKind? WatchKindFor(int err) => err == 0 ? WatchKind.Data : null;

    protected override DataResult ReadResult(ref JuteReader body)
    {
        var data = body.ReadBuffer("getDataResponse.data") ?? [];
        return new DataResult(data, Stat.Read(ref body));
    }
}

/// <summary>ExistsRequest (path, watch) answered by ExistsResponse (stat); NoNode means "does not exist".</summary>
internal sealed class ExistsRequest(string clientPath, string serverPath)
    : Request<Stat?>(OpCode.Exists, clientPath)
{
    // path + watch (bool)
    public override int BodySize => JuteSize.String(serverPath) + JuteSize.Bool;

    public override void WriteBody(ref JuteWriter writer)
    {
        writer.WriteString(serverPath);
        writer.WriteBool(Watch is not null);
    }

    // An existing node gets a data watch (fires on change or delete); a missing one an exist watch (fires on create).
    public override WatchKind? WatchKindFor(int err) => err switch
    {
        0 => WatchKind.Data,
        (int)KeeperErrorCode.NoNode => WatchKind.Exist,
        _ => null,
    };

    protected override Stat? ReadResult(ref JuteReader body) => Stat.Read(ref body);

    protected override bool TryResultFor(KeeperErrorCode code, out Stat? result)
    {
        result = null;
        return code == KeeperErrorCode.NoNode;
    }
}

/// <summary>GetChildren2Request (path, watch) answered by GetChildren2Response (children, stat).</summary>
internal sealed class GetChildrenRequest(string clientPath, string serverPath)
    : Request<ChildrenResult>(OpCode.GetChildren2, clientPath)
{
    // path + watch (bool)
    public override int BodySize => JuteSize.String(serverPath) + JuteSize.Bool;

    public override void WriteBody(ref JuteWriter writer)
    {
        writer.WriteString(serverPath);
        writer.WriteBool(Watch is not null);
    }

    public override WatchKind? WatchKindFor(int err) => err == 0 ? WatchKind.Child : null;

    protected override ChildrenResult ReadResult(ref JuteReader body)
    {
        var children = ReadStrings(ref body, "getChildren2Response.children");
        return new ChildrenResult(children, Stat.Read(ref body));
    }

    internal static List<string> ReadStrings(ref JuteReader body, string field)
    {
        var count = body.ReadCount(field, JuteSize.Int);
        var list = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(body.ReadString(field) ?? "");
        }
        return list;
    }
}

/// <summary>SyncRequest (path) answered by SyncResponse (path).</summary>
internal sealed class SyncRequest(string clientPath, string serverPath)
    : Request<Done>(OpCode.Sync, clientPath)
{
    public override int BodySize => JuteSize.String(serverPath);

    public override void WriteBody(ref JuteWriter writer) => writer.WriteString(serverPath);

    protected override Done ReadResult(ref JuteReader body)
    {
        body.ReadString("syncResponse.path");
        return default;
    }
}

/// <summary>GetACLRequest (path) answered by GetACLResponse (acl, stat).</summary>
internal sealed class GetAclRequest(string clientPath, string serverPath)
    : Request<AclResult>(OpCode.GetAcl, clientPath)
{
    public override int BodySize => JuteSize.String(serverPath);

    public override void WriteBody(ref JuteWriter writer) => writer.WriteString(serverPath);

    protected override AclResult ReadResult(ref JuteReader body)
    {
        var acl = Acl.ReadList(ref body, "getACLResponse.acl");
        return new AclResult(acl, Stat.Read(ref body));
    }
}

/// <summary>SetACLRequest (path, acl, version) answered by SetACLResponse (stat).</summary>
internal sealed class SetAclRequest(string clientPath, string serverPath, IReadOnlyList<Acl> acl, int version)
    : Request<Stat>(OpCode.SetAcl, clientPath)
{
    // path + acl + version (int)
    public override int BodySize => JuteSize.String(serverPath) + Acl.ListSize(acl) + JuteSize.Int;

    public override void WriteBody(ref JuteWriter writer)
    {
        writer.WriteString(serverPath);
        Acl.WriteList(ref writer, acl);
        writer.WriteInt(version);
    }

    protected override Stat ReadResult(ref JuteReader body) => Stat.Read(ref body);
}
