using Drover.ZooKeeper.Jute;

namespace Drover.ZooKeeper;

/// <summary>A znode's metadata, as the server reports it (jute record org.apache.zookeeper.data.Stat).</summary>
/// <param name="Czxid">The zxid of the change that created the node.</param>
/// <param name="Mzxid">The zxid of the change that last modified the node's data.</param>
/// <param name="Ctime">Creation time, milliseconds since the epoch.</param>
/// <param name="Mtime">Last modification time, milliseconds since the epoch.</param>
/// <param name="Version">Number of changes to the data.</param>
/// <param name="Cversion">Number of changes to the children.</param>
/// <param name="Aversion">Number of changes to the ACL.</param>
/// <param name="EphemeralOwner">The owning session of an ephemeral node; 0 for other nodes.</param>
/// <param name="DataLength">Length of the data in bytes.</param>
/// <param name="NumChildren">Number of children.</param>
/// <param name="Pzxid">The zxid of the change that last modified the children.</param>
public sealed record Stat(
    long Czxid,
    long Mzxid,
    long Ctime,
    long Mtime,
    int Version,
    int Cversion,
    int Aversion,
    long EphemeralOwner,
    int DataLength,
    int NumChildren,
    long Pzxid)
{
    // czxid, mzxid, ctime, mtime (4 longs) + version, cversion, aversion (3 ints)
    // + ephemeralOwner (long) + dataLength, numChildren (2 ints) + pzxid (long)
    internal const int Size = (6 * JuteSize.Long) + (5 * JuteSize.Int);

    internal static Stat Read(ref JuteReader reader) => new(
        reader.ReadLong("stat.czxid"),
        reader.ReadLong("stat.mzxid"),
        reader.ReadLong("stat.ctime"),
        reader.ReadLong("stat.mtime"),
        reader.ReadInt("stat.version"),
        reader.ReadInt("stat.cversion"),
        reader.ReadInt("stat.aversion"),
        reader.ReadLong("stat.ephemeralOwner"),
        reader.ReadInt("stat.dataLength"),
        reader.ReadInt("stat.numChildren"),
        reader.ReadLong("stat.pzxid"));

    internal void Write(ref JuteWriter writer)
    {
        writer.WriteLong(Czxid);
        writer.WriteLong(Mzxid);
        writer.WriteLong(Ctime);
        writer.WriteLong(Mtime);
        writer.WriteInt(Version);
        writer.WriteInt(Cversion);
        writer.WriteInt(Aversion);
        writer.WriteLong(EphemeralOwner);
        writer.WriteInt(DataLength);
        writer.WriteInt(NumChildren);
        writer.WriteLong(Pzxid);
    }
}
