using System.Text.Json.Serialization;

namespace Drover.Cli.Api;

// What the CLI reads of the scheduler's JSON (snake_case). Only what it shows, and tolerant: unknown fields are
// ignored and states stay strings, so a newer scheduler does not break an older CLI. The API's tests run
// this CLI against the real API, so a renamed field is caught there.

public sealed record StateInfo
{
    public FrameworkInfo Framework { get; init; } = new();

    public SubscriptionInfo Subscription { get; init; } = new();

    public List<ClusterInfo> Clusters { get; init; } = [];

    public List<AdminInfo> AdminOperations { get; init; } = [];

    public OfferInfo Offers { get; init; } = new();
}

public sealed record FrameworkInfo
{
    public string Name { get; init; } = "";

    public string? Id { get; init; }

    public string Role { get; init; } = "";

    public bool Leader { get; init; }
}

public sealed record SubscriptionInfo
{
    public string State { get; init; } = "";

    public string? Master { get; init; }

    public DateTimeOffset? LastHeartbeat { get; init; }

    public bool Suppressed { get; init; }

    public int Reconciling { get; init; }

    public string? Message { get; init; }
}

public sealed record OfferInfo
{
    public long Received { get; init; }

    public long Used { get; init; }

    public long Declined { get; init; }

    public long Rescinded { get; init; }
}

public sealed record ClusterInfo
{
    public string Name { get; init; } = "";

    public string Kind { get; init; } = "";

    public SpecInfo Spec { get; init; } = new();

    public long Generation { get; init; }

    public bool Deleting { get; init; }

    public List<NodeInfo> Nodes { get; init; } = [];

    public List<PlanInfo> Plans { get; init; } = [];
}

public sealed record SpecInfo
{
    public int? Count { get; init; }

    public string Version { get; init; } = "";
}

public sealed record NodeInfo
{
    public string Name { get; init; } = "";

    public int Index { get; init; }

    public string Phase { get; init; } = "";

    public string Goal { get; init; } = "";

    public bool? Healthy { get; init; }

    public string? TaskId { get; init; }

    public string? TaskState { get; init; }

    public string? Message { get; init; }

    public string? AgentId { get; init; }

    public string? Hostname { get; init; }

    public Dictionary<string, string> Endpoints { get; init; } = [];

    public long Generation { get; init; }

    public int Failures { get; init; }
}

public sealed record PlanInfo
{
    public string Name { get; init; } = "";

    public string Status { get; init; } = "";

    public string Strategy { get; init; } = "";

    public bool Interrupted { get; init; }

    public List<PhaseInfo> Phases { get; init; } = [];

    public int StepsComplete { get; init; }

    public int StepsTotal { get; init; }
}

public sealed record PhaseInfo
{
    public string Name { get; init; } = "";

    public string Status { get; init; } = "";

    public string Strategy { get; init; } = "";

    public List<StepInfo> Steps { get; init; } = [];
}

public sealed record StepInfo
{
    public string Name { get; init; } = "";

    public string Status { get; init; } = "";

    public string Action { get; init; } = "";

    public string? Node { get; init; }

    public string? Message { get; init; }
}

public sealed record AdminInfo
{
    public string RequestId { get; init; } = "";

    public string Cluster { get; init; } = "";

    public string Node { get; init; } = "";

    public string Operation { get; init; } = "";

    public Dictionary<string, string> Arguments { get; init; } = [];

    public string State { get; init; } = "";

    public string? Output { get; init; }

    public DateTimeOffset Requested { get; init; }

    public DateTimeOffset? Replied { get; init; }
}

public sealed record EndpointsInfo
{
    public string Cluster { get; init; } = "";

    public Dictionary<string, List<string>> Ports { get; init; } = [];

    public List<NodeAddressesInfo> Nodes { get; init; } = [];
}

public sealed record NodeAddressesInfo
{
    public string Node { get; init; } = "";

    public string Phase { get; init; } = "";

    public bool? Healthy { get; init; }

    public string? Hostname { get; init; }

    public Dictionary<string, string> Endpoints { get; init; } = [];
}

public sealed record ClusterListInfo
{
    public List<ClusterInfo> Clusters { get; init; } = [];
}

public sealed record NodeListInfo
{
    public List<NodeInfo> Nodes { get; init; } = [];
}

public sealed record PlanListInfo
{
    public List<PlanInfo> Plans { get; init; } = [];
}

public sealed record AdminListInfo
{
    public List<AdminInfo> Operations { get; init; } = [];
}

/// <summary>The scheduler's answer to a change.</summary>
public sealed record ResultInfo
{
    public string Outcome { get; init; } = "";

    public string Message { get; init; } = "";

    public string? RequestId { get; init; }
}

/// <summary>Every error answer: <c>{"error": "...", "errors": [{"field", "message"}]}</c>.</summary>
public sealed record ErrorInfo
{
    public string Error { get; init; } = "";

    public List<FieldError> Errors { get; init; } = [];
}

public sealed record FieldError
{
    public string Field { get; init; } = "";

    public string Message { get; init; } = "";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, MaxDepth = 64)]
[JsonSerializable(typeof(StateInfo))]
[JsonSerializable(typeof(ClusterInfo))]
[JsonSerializable(typeof(ClusterListInfo))]
[JsonSerializable(typeof(NodeInfo))]
[JsonSerializable(typeof(NodeListInfo))]
[JsonSerializable(typeof(PlanInfo))]
[JsonSerializable(typeof(PlanListInfo))]
[JsonSerializable(typeof(AdminInfo))]
[JsonSerializable(typeof(AdminListInfo))]
[JsonSerializable(typeof(EndpointsInfo))]
[JsonSerializable(typeof(ResultInfo))]
[JsonSerializable(typeof(ErrorInfo))]
internal sealed partial class WireJsonContext : JsonSerializerContext;
