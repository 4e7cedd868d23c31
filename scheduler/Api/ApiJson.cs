using System.Text.Json;
using System.Text.Json.Serialization;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;

namespace Drover.Scheduler.Api;

/// <summary><c>GET /v1/health</c>: open to load balancers and Marathon's health check, so it says little.</summary>
public sealed record HealthView
{
    /// <summary>OK, or REFUSED when the master refused the framework (the answer is then 503).</summary>
    public required string Status { get; init; }

    public required string Framework { get; init; }

    public required SubscriptionState Subscription { get; init; }

    public bool Leader { get; init; }
}

public sealed record ClusterList(IReadOnlyList<ClusterView> Clusters);

public sealed record NodeList(string Cluster, IReadOnlyList<NodeView> Nodes);

public sealed record PlanList(string Cluster, IReadOnlyList<PlanView> Plans);

public sealed record AdminOperationList(IReadOnlyList<AdminOperationView> Operations);

/// <summary><c>GET /v1/clusters/{name}/endpoints</c>: the addresses of each named port, and each node's.</summary>
public sealed record EndpointsView
{
    public required string Cluster { get; init; }

    /// <summary>Port name → host:port of every node that has that endpoint, in node order.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Ports { get; init; }

    public required IReadOnlyList<NodeAddresses> Nodes { get; init; }
}

public sealed record NodeAddresses
{
    public required string Node { get; init; }

    public required NodePhase Phase { get; init; }

    public bool? Healthy { get; init; }

    public string? Hostname { get; init; }

    public required IReadOnlyDictionary<string, string> Endpoints { get; init; }
}

/// <summary>The answer to an accepted admin operation (202): where its reply will show.</summary>
public sealed record AdminAccepted(string RequestId, string Location, string Message);

/// <summary>Source-generated JSON of the API's answers: snake_case, as <see cref="SnapshotJsonContext"/> writes the snapshot.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(HealthView))]
[JsonSerializable(typeof(SchedulerSnapshot))]
[JsonSerializable(typeof(ClusterList))]
[JsonSerializable(typeof(ClusterView))]
[JsonSerializable(typeof(NodeList))]
[JsonSerializable(typeof(NodeView))]
[JsonSerializable(typeof(PlanList))]
[JsonSerializable(typeof(PlanView))]
[JsonSerializable(typeof(AdminOperationList))]
[JsonSerializable(typeof(AdminOperationView))]
[JsonSerializable(typeof(EndpointsView))]
[JsonSerializable(typeof(OperationResult))]
[JsonSerializable(typeof(AdminAccepted))]
[JsonSerializable(typeof(Plans.ServiceView))]
[JsonSerializable(typeof(Plans.Quobyte.QuobyteView))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;

/// <summary><c>POST /v1/clusters/{name}/scale</c>.</summary>
public sealed record ScaleRequest
{
    public int? Count { get; set; }
}

/// <summary><c>POST /v1/clusters/{name}/nodes/{node}/admin</c>: an operation of the node's personality and its arguments.</summary>
public sealed record AdminOperationRequest
{
    public string? Operation { get; set; }

    public Dictionary<string, string>? Arguments { get; set; }
}

/// <summary><c>POST /v1/clusters/{name}/cleanup</c> (CASSANDRA): the nodes (default: those a scale-up left needing it) and the keyspace (default: all).</summary>
public sealed record CleanupRequest
{
    public List<string>? Nodes { get; set; }

    public string? Keyspace { get; set; }
}

/// <summary><c>POST /v1/clusters/{name}/dataset</c> (DRILL): the size of the dataset about to be queried.</summary>
public sealed record DatasetRequest
{
    public double? SizeMb { get; set; }
}

/// <summary>Request bodies, read strictly: unknown fields, wrong types, comments and trailing commas refused.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    RespectNullableAnnotations = true,
    MaxDepth = 8)]
[JsonSerializable(typeof(ScaleRequest))]
[JsonSerializable(typeof(AdminOperationRequest))]
[JsonSerializable(typeof(CleanupRequest))]
[JsonSerializable(typeof(DatasetRequest))]
internal sealed partial class ApiInputJsonContext : JsonSerializerContext;
