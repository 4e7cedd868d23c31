using System.Text.Json.Serialization;
using Drover.Scheduler.Model;

namespace Drover.Scheduler.Plans.Quobyte;

/// <summary>The version every service of the deployment ran last (the target is the spec's version).</summary>
public sealed record QuobyteState
{
    /// <summary>Empty: nothing deployed (yet, or since a stop).</summary>
    public string Current { get; init; } = "";

    public DateTimeOffset? Since { get; init; }
}

/// <summary>Where a Quobyte deployment is, in the seed's terms.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<QuobyteDeployment>))]
public enum QuobyteDeployment
{
    /// <summary>No version: nothing runs.</summary>
    [JsonStringEnumMemberName("STOPPED")]
    Stopped,

    /// <summary>A first version is being deployed, registry first.</summary>
    [JsonStringEnumMemberName("DEPLOYING")]
    Deploying,

    /// <summary>Every service runs the target version, healthy.</summary>
    [JsonStringEnumMemberName("RUNNING")]
    Running,

    /// <summary>A new version rolls through the services, one at a time, registry first.</summary>
    [JsonStringEnumMemberName("UPGRADING")]
    Upgrading,

    /// <summary>The version was cleared: every service stops.</summary>
    [JsonStringEnumMemberName("STOPPING")]
    Stopping,
}

/// <summary><c>GET /v1/version</c> and the operator's view of a Quobyte cluster (<c>service.quobyte</c>).</summary>
public sealed record QuobyteView
{
    public required string Cluster { get; init; }

    /// <summary>The version the whole deployment ran last ("" when none).</summary>
    public required string Current { get; init; }

    /// <summary>The version asked for ("" to stop).</summary>
    public required string Target { get; init; }

    public required QuobyteDeployment State { get; init; }

    /// <summary>Services running the target version, healthy (of <see cref="Total"/>).</summary>
    public int Done { get; init; }

    public int Total { get; init; }

    /// <summary>Tasks still running while stopping.</summary>
    public int Remaining { get; init; }

    public required IReadOnlyList<QuobyteServiceView> Services { get; init; }
}

public sealed record QuobyteServiceView
{
    public required string Node { get; init; }

    public required QuobyteRole Service { get; init; }

    /// <summary>The host it is pinned to (device services), or where it runs.</summary>
    public string? Host { get; init; }

    public string? Version { get; init; }

    public NodePhase? Phase { get; init; }

    public bool? Healthy { get; init; }

    public IReadOnlyList<string> Devices { get; init; } = [];
}
