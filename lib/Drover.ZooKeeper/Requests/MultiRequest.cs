using Drover.ZooKeeper.Jute;
using Drover.ZooKeeper.Protocol;

namespace Drover.ZooKeeper.Requests;

/// <summary>
/// A multi: each operation as a MultiHeader (type, done=false, err=-1) and its request record, closed
/// by MultiHeader (-1, true, -1). The reply lists a MultiHeader and a result record per operation. When
/// one operation fails the server applies none: the failing one reports its error, those before it Ok,
/// those after it RuntimeInconsistency; the caller gets the first error as a typed exception carrying
/// every result (as ZooKeeper.multi does).
/// </summary>
internal sealed class MultiRequest : Request<IReadOnlyList<OpResult>>
{
    private readonly IReadOnlyList<Op> _ops;
    private readonly Chroot _chroot;

    public MultiRequest(IReadOnlyList<Op> ops, Chroot chroot)
        : base(OpCode.Multi, null)
    {
        _ops = ops;
        _chroot = chroot;
    }

    public override int BodySize
    {
        get
        {
            var size = MultiHeader.Size; // the closing header
            foreach (var op in _ops)
            {
                size += MultiHeader.Size + OpSize(op);
            }
            return size;
        }
    }

    public override void WriteBody(ref JuteWriter writer)
    {
        foreach (var op in _ops)
        {
            new MultiHeader((int)OpCodeOf(op), false, -1).Write(ref writer);
            WriteOp(ref writer, op);
        }
        new MultiHeader(-1, true, -1).Write(ref writer);
    }

    protected override IReadOnlyList<OpResult> ReadResult(ref JuteReader body)
    {
        var results = new List<OpResult>();
        var header = MultiHeader.Read(ref body);
        while (!header.Done)
        {
            results.Add(ReadOne(ref body, header));
            if (results.Count > _ops.Count)
            {
                throw new ZooKeeperProtocolException(ProtocolErrorKind.InvalidValue, $"The multi reply has more results than the {_ops.Count} operations sent.");
            }
            header = MultiHeader.Read(ref body);
        }
        var failure = FirstError(results);
        if (failure is not null)
        {
            SetError(failure);
        }
        return results;
    }

    private KeeperException? FirstError(List<OpResult> results)
    {
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i] is OpResult.Error { Code: not KeeperErrorCode.Ok } error)
            {
                var path = i < _ops.Count ? _ops[i].Path : null;
                var exception = KeeperException.Create(error.Code, path);
                exception.MultiResults = results;
                return exception;
            }
        }
        return null;
    }

    private OpResult ReadOne(ref JuteReader body, MultiHeader header)
    {
        switch ((OpCode)header.Type)
        {
            case OpCode.Create:
                return new OpResult.Create(StripChroot(body.ReadString("createResponse.path")), null);
            case OpCode.Create2:
                var path = StripChroot(body.ReadString("create2Response.path"));
                return new OpResult.Create(path, Stat.Read(ref body));
            case OpCode.Delete:
                return new OpResult.Delete();
            case OpCode.SetData:
                return new OpResult.SetData(Stat.Read(ref body));
            case OpCode.Check:
                return new OpResult.Check();
            case OpCode.Error:
                return new OpResult.Error((KeeperErrorCode)body.ReadInt("errorResponse.err"));
            default:
                throw new ZooKeeperProtocolException(ProtocolErrorKind.InvalidValue, $"The multi reply has a result of unknown type {header.Type}.");
        }
    }

    private string StripChroot(string? serverPath) =>
        CreateNodeRequest.StripChroot(_chroot, serverPath ?? throw new ZooKeeperProtocolException(ProtocolErrorKind.InvalidValue, "A multi create result has a null path.", field: "createResponse.path"));

    private static OpCode OpCodeOf(Op op) => op switch
    {
        Op.CreateOp { Mode: CreateMode.Container } => OpCode.CreateContainer,
        Op.CreateOp => OpCode.Create,
        Op.DeleteOp => OpCode.Delete,
        Op.SetDataOp => OpCode.SetData,
        Op.CheckOp => OpCode.Check,
        _ => throw new ArgumentException($"Unknown multi operation {op.GetType().Name}.", nameof(op)),
    };

    private int OpSize(Op op) => op switch
    {
        // path + data + acl + flags
        Op.CreateOp c => JuteSize.String(_chroot.ToServer(c.Path)) + JuteSize.Buffer(c.Data.Length) + Acl.ListSize(c.Acl) + JuteSize.Int,
        // path + version
        Op.DeleteOp d => JuteSize.String(_chroot.ToServer(d.Path)) + JuteSize.Int,
        // path + data + version
        Op.SetDataOp s => JuteSize.String(_chroot.ToServer(s.Path)) + JuteSize.Buffer(s.Data.Length) + JuteSize.Int,
        // path + version
        Op.CheckOp k => JuteSize.String(_chroot.ToServer(k.Path)) + JuteSize.Int,
        _ => throw new ArgumentException($"Unknown multi operation {op.GetType().Name}.", nameof(op)),
    };

    private void WriteOp(ref JuteWriter writer, Op op)
    {
        writer.WriteString(_chroot.ToServer(op.Path));
        switch (op)
        {
            case Op.CreateOp c:
                writer.WriteBuffer(c.Data.Span);
                Acl.WriteList(ref writer, c.Acl);
                writer.WriteInt((int)c.Mode);
                break;
            case Op.DeleteOp d:
                writer.WriteInt(d.Version);
                break;
            case Op.SetDataOp s:
                writer.WriteBuffer(s.Data.Span);
                writer.WriteInt(s.Version);
                break;
            case Op.CheckOp k:
                writer.WriteInt(k.Version);
                break;
        }
    }
}
