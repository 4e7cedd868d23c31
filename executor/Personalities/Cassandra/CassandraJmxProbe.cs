using Drover.Executor.Health;
using Drover.Jmx;

namespace Drover.Executor.Personalities.Cassandra;

/// <summary>
/// Healthy when StorageService says OperationMode NORMAL, Initialized, GossipRunning and NativeTransportRunning:
/// one read of four attributes through the node's persistent JMX helper (no JVM started per probe).
/// </summary>
internal sealed class CassandraJmxProbe(JmxHelper helper) : IHealthProbe
{
    public const string StorageService = "org.apache.cassandra.db:type=StorageService";

    private static readonly string[] Attributes = ["OperationMode", "Initialized", "GossipRunning", "NativeTransportRunning"];

    public async Task<ProbeResult> ProbeAsync(CancellationToken cancellation)
    {
        IReadOnlyDictionary<string, JmxValue> values;
        try
        {
            values = await helper.ReadAsync(StorageService, Attributes, cancellation).ConfigureAwait(false);
        }
        catch (JmxException e)
        {
            return new ProbeResult(false, "JMX: " + e.Message);
        }

        return Judge(values);
    }

    /// <summary>The verdict over the four attributes; the detail names each one that is not as wanted.</summary>
    public static ProbeResult Judge(IReadOnlyDictionary<string, JmxValue> values)
    {
        var problems = new List<string>();
        var mode = values.TryGetValue("OperationMode", out var m) ? m : JmxValue.Null;
        if (mode.Kind != JmxValueKind.String || mode.AsString() != "NORMAL")
        {
            problems.Add($"OperationMode is {mode.Display()}, not NORMAL");
        }

        foreach (var name in Attributes.Skip(1))
        {
            var value = values.TryGetValue(name, out var v) ? v : JmxValue.Null;
            if (value.Kind != JmxValueKind.Boolean || !value.AsBoolean())
            {
                problems.Add($"{name} is {value.Display()}");
            }
        }

        return problems.Count == 0
            ? new ProbeResult(true, "OperationMode NORMAL, initialized, gossip and native transport running")
            : new ProbeResult(false, string.Join("; ", problems));
    }
}
