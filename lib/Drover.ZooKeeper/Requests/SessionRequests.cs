using Drover.ZooKeeper.Jute;
using Drover.ZooKeeper.Protocol;

namespace Drover.ZooKeeper.Requests;

/// <summary>closeSession: the server ends the session at once (ephemerals vanish), replies, and closes the socket.</summary>
internal sealed class CloseSessionRequest() : Request<Done>(OpCode.CloseSession, null)
{
    public override int BodySize => 0;

    public override void WriteBody(ref JuteWriter writer)
    {
    }

    protected override Done ReadResult(ref JuteReader body) => default;
}

/// <summary>
/// AuthPacket (type, scheme, auth), always with xid -4. The server answers it as soon as it reads it,
/// ahead of replies to earlier requests, so auth replies are matched among themselves, not with the
/// pending queue.
/// </summary>
internal sealed class AuthRequest(string scheme, byte[] auth) : Request<Done>(OpCode.Auth, null)
{
    public string Scheme => scheme;

    public byte[] Auth => auth;

    // type (int) + scheme + auth
    public override int BodySize => JuteSize.Int + JuteSize.String(scheme) + JuteSize.Buffer(auth.Length);

    public override void WriteBody(ref JuteWriter writer)
    {
        writer.WriteInt(0);
        writer.WriteString(scheme);
        writer.WriteBuffer(auth);
    }

    protected override Done ReadResult(ref JuteReader body) => default;
}

/// <summary>
/// SetWatches (relativeZxid, dataWatches, existWatches, childWatches), xid -8, sent first on a new
/// connection of an existing session. The server re-registers each watch, or fires it at once when the
/// node changed after relativeZxid (the last zxid this client saw) — so nothing that happened while
/// the client was away is missed.
/// </summary>
internal sealed class SetWatchesRequest(long relativeZxid, IReadOnlyList<string> dataWatches, IReadOnlyList<string> existWatches, IReadOnlyList<string> childWatches)
    : Request<Done>(OpCode.SetWatches, null)
{
    /// <summary>
    /// The official client splits watches into requests of about this many path characters, well under
    /// the server's 1 MB jute.maxbuffer (ZOOKEEPER-706); we count encoded bytes, a slightly tighter bound.
    /// </summary>
    public const int MaxBatchLength = 128 * 1024;

    public IReadOnlyList<string> DataWatches => dataWatches;

    public IReadOnlyList<string> ExistWatches => existWatches;

    public IReadOnlyList<string> ChildWatches => childWatches;

    // relativeZxid (long) + three vectors of strings
    public override int BodySize => JuteSize.Long + ListSize(dataWatches) + ListSize(existWatches) + ListSize(childWatches);

    public override void WriteBody(ref JuteWriter writer)
    {
        writer.WriteLong(relativeZxid);
        WriteList(ref writer, dataWatches);
        WriteList(ref writer, existWatches);
        WriteList(ref writer, childWatches);
    }

    protected override Done ReadResult(ref JuteReader body) => default;

    /// <summary>Splits the watches of a session into SetWatches requests of bounded size.</summary>
    public static List<SetWatchesRequest> Batches(long relativeZxid, IReadOnlyList<string> data, IReadOnlyList<string> exist, IReadOnlyList<string> child)
    {
        var batches = new List<SetWatchesRequest>();
        int d = 0, e = 0, c = 0;
        while (d < data.Count || e < exist.Count || c < child.Count)
        {
            var length = 0;
            var dataBatch = Take(data, ref d, ref length);
            var existBatch = Take(exist, ref e, ref length);
            var childBatch = Take(child, ref c, ref length);
            batches.Add(new SetWatchesRequest(relativeZxid, dataBatch, existBatch, childBatch));
        }
        return batches;
    }

    private static List<string> Take(IReadOnlyList<string> source, ref int index, ref int length)
    {
        var batch = new List<string>();
        while (index < source.Count && length < MaxBatchLength)
        {
            batch.Add(source[index]);
            length += JuteSize.String(source[index]);
            index++;
        }
        return batch;
    }

    private static int ListSize(IReadOnlyList<string> list)
    {
        var size = JuteSize.Int;
        foreach (var path in list)
        {
            size += JuteSize.String(path);
        }
        return size;
    }

    private static void WriteList(ref JuteWriter writer, IReadOnlyList<string> list)
    {
        writer.WriteInt(list.Count);
        foreach (var path in list)
        {
            writer.WriteString(path);
        }
    }
}
