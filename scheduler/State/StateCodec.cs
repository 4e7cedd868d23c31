using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Drover.Scheduler.State;

/// <summary>Records to znode paths and bytes, and back. Shared by every store, so the in-memory one tests the same encoding.</summary>
public sealed class StateCodec(StatePaths paths)
{
    public StatePaths Paths { get; } = paths;

    /// <summary>The znode a write touches, and its bytes (null for a delete).</summary>
    public (string Path, byte[]? Data) Encode(StoreWrite write) => write switch
    {
        StoreWrite.PutFramework w => (Paths.FrameworkId, Serialize(w.Record, StateJsonContext.Default.FrameworkRecord)),
        StoreWrite.PutCluster w => (Paths.Cluster(w.Record.Name), Serialize(w.Record, StateJsonContext.Default.ClusterRecord)),
        StoreWrite.DeleteCluster w => (Paths.Cluster(w.Name), null),
        StoreWrite.PutNode w => (Paths.Node(w.Record.Cluster, w.Record.Name), Serialize(w.Record, StateJsonContext.Default.NodeRecord)),
        StoreWrite.DeleteNode w => (Paths.Node(w.Cluster, w.Name), null),
        StoreWrite.PutLedger w => (Paths.LedgerEntry(w.Entry.Id), Serialize(w.Entry, StateJsonContext.Default.LedgerEntry)),
        StoreWrite.DeleteLedger w => (Paths.LedgerEntry(w.Id), null),
        StoreWrite.PutPlan w => (Paths.Plan(w.Record.Cluster, w.Record.Name), Serialize(w.Record, StateJsonContext.Default.PlanRecord)),
        StoreWrite.DeletePlan w => (Paths.Plan(w.Cluster, w.Name), null),
        _ => throw new ArgumentOutOfRangeException(nameof(write), write, "unknown write"),
    };

    public static FrameworkRecord DecodeFramework(string path, byte[] data) => Deserialize(path, data, StateJsonContext.Default.FrameworkRecord);

    public static ClusterRecord DecodeCluster(string path, byte[] data) => Deserialize(path, data, StateJsonContext.Default.ClusterRecord);

    public static NodeRecord DecodeNode(string path, byte[] data) => Deserialize(path, data, StateJsonContext.Default.NodeRecord);

    public static LedgerEntry DecodeLedger(string path, byte[] data) => Deserialize(path, data, StateJsonContext.Default.LedgerEntry);

    public static PlanRecord DecodePlan(string path, byte[] data) => Deserialize(path, data, StateJsonContext.Default.PlanRecord);

    public static byte[] Serialize<T>(T record, JsonTypeInfo<T> info) => JsonSerializer.SerializeToUtf8Bytes(record, info);

    /// <summary>A record that does not parse, or is of a newer format, stops the scheduler: acting on a guess could destroy data.</summary>
    private static T Deserialize<T>(string path, byte[] data, JsonTypeInfo<T> info)
    {
        T? record;
        try
        {
            record = JsonSerializer.Deserialize(data, info);
        }
        catch (JsonException e)
        {
            throw new StateStoreException($"the record at {path} is not valid: {e.Message}", e);
        }

        if (record is null)
        {
            throw new StateStoreException($"the record at {path} is null");
        }

        var format = record switch
        {
            FrameworkRecord r => r.Format,
            ClusterRecord r => r.Format,
            NodeRecord r => r.Format,
            LedgerEntry r => r.Format,
            PlanRecord r => r.Format,
            _ => RecordFormat.Current,
        };
        if (format > RecordFormat.Current)
        {
            throw new StateStoreException($"the record at {path} has format {format}; this scheduler knows formats up to {RecordFormat.Current}: run a newer drover-scheduler");
        }

        return record;
    }
}
