namespace Drover.Registry;

/// <summary>The endpoint record's JSON: writer and strict reader.</summary>
public static class NodeRecordJson
{
    private const string What = "endpoint record";

    /// <summary>The record as compact UTF-8 JSON, fields in the documented order, every field present.</summary>
    public static byte[] Write(NodeRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Validate();
        return JsonRecordWriter.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("cluster", record.Cluster);
            writer.WriteString("node", record.Node);
            writer.WriteString("kind", record.Kind);
            writer.WriteString("host", record.Host);
            writer.WriteStartObject("ports");
            foreach (var port in record.Ports)
            {
                writer.WriteNumber(port.Name, port.Port);
            }
            writer.WriteEndObject();
            writer.WriteNullableString("taskId", record.TaskId);
            writer.WriteNullableString("agentId", record.AgentId);
            writer.WriteNullableString("executorId", record.ExecutorId);
            writer.WriteString("state", record.State.ToJsonName());
            if (record.Healthy is { } healthy)
            {
                writer.WriteBoolean("healthy", healthy);
            }
            else
            {
                writer.WriteNull("healthy");
            }
            writer.WriteNullableString("version", record.Version);
            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// Reads a record. Required: cluster, node, kind, host (non-empty strings), ports (an object of names
    /// to ports 1..65535), state (a string; unknown names read as <see cref="NodeState.Unknown"/>).
    /// Optional (missing or null): taskId, agentId, executorId, version, healthy. Unknown fields are
    /// ignored. Anything else throws <see cref="RecordFormatException"/>.
    /// </summary>
    public static NodeRecord Parse(ReadOnlyMemory<byte> data) => JsonObjectReader.Parse(data, What, Read);

    private static NodeRecord Read(JsonObjectReader json)
    {
        var ports = new List<NamedPort>();
        foreach (var (name, value) in json.RequiredObject("ports").Members)
        {
            var port = json.AsInt32(value, $"ports.{name}");
            if (port is < NamedPort.MinPort or > NamedPort.MaxPort || name.Length == 0)
            {
                throw json.Invalid($"ports.{name}", $"is {port}, not a port from {NamedPort.MinPort} to {NamedPort.MaxPort} with a name");
            }
            ports.Add(new NamedPort(name, port));
        }
        return new NodeRecord
        {
            Cluster = NonEmpty(json, "cluster"),
            Node = NonEmpty(json, "node"),
            Kind = NonEmpty(json, "kind"),
            Host = NonEmpty(json, "host"),
            Ports = ports,
            TaskId = json.OptionalString("taskId"),
            AgentId = json.OptionalString("agentId"),
            ExecutorId = json.OptionalString("executorId"),
            State = NodeStates.FromJsonName(json.RequiredString("state")),
            Healthy = json.OptionalBoolean("healthy"),
            Version = json.OptionalString("version"),
        };
    }

    private static string NonEmpty(JsonObjectReader json, string name)
    {
        var value = json.RequiredString(name);
        return value.Length > 0 ? value : throw json.Invalid(name, "is empty");
    }
}
