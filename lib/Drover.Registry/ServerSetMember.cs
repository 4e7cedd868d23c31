namespace Drover.Registry;

/// <summary>
/// A ServerSet member's status: the names of Twitter's endpoint.thrift Status, as Aurora's JsonCodec
/// (Gson, by name) and Finagle's serverset2 reader expect them. Finagle routes only to ALIVE members.
/// </summary>
public enum ServerSetStatus
{
    Dead = 0,
    Starting = 1,
    Alive = 2,
    Stopping = 3,
    Stopped = 4,
    Warning = 5,
}

/// <summary>One endpoint of a ServerSet member: {"host":H,"port":P}.</summary>
public readonly record struct ServerSetEndpoint(string Host, int Port);

/// <summary>
/// A ServerSet member, the JSON that Aurora's announcer and Twitter commons' ServerSetImpl write and
/// Finagle's zk/zk2 resolvers read, unchanged:
/// <c>{"serviceEndpoint":{"host":H,"port":P},"additionalEndpoints":{"name":{"host":H,"port":P}},"status":"ALIVE","shard":N}</c>.
/// </summary>
/// <param name="ServiceEndpoint">The default endpoint: what a resolver without an endpoint name uses.</param>
/// <param name="AdditionalEndpoints">Every named port, the primary included (as Aurora's make_endpoints does).</param>
/// <param name="Status">See <see cref="StatusOf"/>.</param>
/// <param name="Shard">The shard id, omitted when null.</param>
public sealed record ServerSetMember(
    ServerSetEndpoint ServiceEndpoint,
    IReadOnlyDictionary<string, ServerSetEndpoint> AdditionalEndpoints,
    ServerSetStatus Status,
    int? Shard)
{
    private const string What = "ServerSet member";

    /// <summary>
    /// The member announcing <paramref name="record"/>, or null if the record has no ports (a member
    /// needs a service endpoint). The service endpoint is the port named <paramref name="primaryPort"/>
    /// (which must exist) or, without one, the record's first port; all ports are additional endpoints.
    /// </summary>
    public static ServerSetMember? For(NodeRecord record, string? primaryPort = null, int? shard = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (primaryPort is not null && record.Port(primaryPort) is null)
        {
            throw new ArgumentException(
                $"The primary port '{primaryPort}' is not among the node's ports ({string.Join(", ", record.Ports)}).", nameof(primaryPort));
        }
        if (record.Ports.Count == 0)
        {
            return null;
        }
        var primary = primaryPort is null ? record.Ports[0].Port : record.Port(primaryPort)!.Value;
        var additional = new Dictionary<string, ServerSetEndpoint>(StringComparer.Ordinal);
        foreach (var port in record.Ports)
        {
            additional[port.Name] = new ServerSetEndpoint(record.Host, port.Port);
        }
        return new ServerSetMember(new ServerSetEndpoint(record.Host, primary), additional, StatusOf(record.State, record.Healthy), shard);
    }

    /// <summary>
    /// The documented mapping from a node's state and health to a ServerSet status: running and not
    /// known unhealthy is ALIVE, running and unhealthy is WARNING (so Finagle stops routing to it),
    /// starting or restarting is STARTING, killing is STOPPING, a clean or requested end is STOPPED,
    /// any failure is DEAD.
    /// </summary>
    public static ServerSetStatus StatusOf(NodeState state, bool? healthy) => state switch
    {
        NodeState.Running => healthy == false ? ServerSetStatus.Warning : ServerSetStatus.Alive,
        NodeState.Starting or NodeState.Restarting => ServerSetStatus.Starting,
        NodeState.Killing => ServerSetStatus.Stopping,
        NodeState.Finished or NodeState.Killed => ServerSetStatus.Stopped,
        _ => ServerSetStatus.Dead,
    };

    public static string StatusName(ServerSetStatus status) => status switch
    {
        ServerSetStatus.Dead => "DEAD",
        ServerSetStatus.Starting => "STARTING",
        ServerSetStatus.Alive => "ALIVE",
        ServerSetStatus.Stopping => "STOPPING",
        ServerSetStatus.Stopped => "STOPPED",
        ServerSetStatus.Warning => "WARNING",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a ServerSet status."),
    };

    public static ServerSetStatus? StatusFromName(string name) => name switch
    {
        "DEAD" => ServerSetStatus.Dead,
        "STARTING" => ServerSetStatus.Starting,
        "ALIVE" => ServerSetStatus.Alive,
        "STOPPING" => ServerSetStatus.Stopping,
        "STOPPED" => ServerSetStatus.Stopped,
        "WARNING" => ServerSetStatus.Warning,
        _ => null,
    };

    /// <summary>Compact UTF-8 JSON; additional endpoints in ordinal name order, "shard" only when set.</summary>
    public byte[] ToJson() => JsonRecordWriter.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WritePropertyName("serviceEndpoint");
        WriteEndpoint(writer, ServiceEndpoint);
        writer.WriteStartObject("additionalEndpoints");
        foreach (var (name, endpoint) in AdditionalEndpoints.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(name);
            WriteEndpoint(writer, endpoint);
        }
        writer.WriteEndObject();
        writer.WriteString("status", StatusName(Status));
        if (Shard is { } shard)
        {
            writer.WriteNumber("shard", shard);
        }
        writer.WriteEndObject();
    });

    /// <summary>
    /// Reads a member as Aurora's JsonCodec does: serviceEndpoint (host and port) and status are
    /// required, additionalEndpoints and shard optional; throws <see cref="RecordFormatException"/>.
    /// </summary>
    public static ServerSetMember Parse(ReadOnlyMemory<byte> data) => JsonObjectReader.Parse(data, What, json =>
    {
        var additional = new Dictionary<string, ServerSetEndpoint>(StringComparer.Ordinal);
        if (json.OptionalObject("additionalEndpoints") is { } endpoints)
        {
            foreach (var (name, value) in endpoints.Members)
            {
                additional[name] = ReadEndpoint(JsonObjectReader.Of(value, $"additional endpoint \"{name}\""));
            }
        }
        var statusName = json.RequiredString("status");
        var status = StatusFromName(statusName)
            ?? throw json.Invalid("status", $"is \"{statusName}\", not one of DEAD, STARTING, ALIVE, STOPPING, STOPPED, WARNING");
        return new ServerSetMember(ReadEndpoint(json.RequiredObject("serviceEndpoint")), additional, status, json.OptionalInt32("shard"));
    });

    /// <summary>Same endpoints (ignoring status and shard): the identity of an announcement.</summary>
    public bool SameEndpoints(ServerSetMember other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ServiceEndpoint == other.ServiceEndpoint
            && AdditionalEndpoints.Count == other.AdditionalEndpoints.Count
            && AdditionalEndpoints.All(e => other.AdditionalEndpoints.TryGetValue(e.Key, out var o) && o == e.Value);
    }

    private static void WriteEndpoint(System.Text.Json.Utf8JsonWriter writer, ServerSetEndpoint endpoint)
    {
        writer.WriteStartObject();
        writer.WriteString("host", endpoint.Host);
        writer.WriteNumber("port", endpoint.Port);
        writer.WriteEndObject();
    }

    private static ServerSetEndpoint ReadEndpoint(JsonObjectReader json)
    {
        var host = json.RequiredString("host");
        var port = json.OptionalInt32("port") ?? throw json.Invalid("port", "is missing");
        return new ServerSetEndpoint(host, port);
    }
}
