using System.Text.Json.Serialization;

namespace Drover.Scheduler.Model;

/// <summary>A Quobyte service: one task each (NodeSpec.config <c>service</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<QuobyteRole>))]
public enum QuobyteRole
{
    /// <summary>System configuration; registry of services, devices and volumes. First to start and to upgrade.</summary>
    [JsonStringEnumMemberName("registry")]
    Registry,

    /// <summary>File metadata and locations.</summary>
    [JsonStringEnumMemberName("metadata")]
    Metadata,

    /// <summary>File data.</summary>
    [JsonStringEnumMemberName("data")]
    Data,

    /// <summary>The RPC API for third-party software (optional).</summary>
    [JsonStringEnumMemberName("api")]
    Api,

    /// <summary>The web console (optional).</summary>
    [JsonStringEnumMemberName("webconsole")]
    Webconsole,
}

/// <summary>
/// A QUOBYTE deployment (<c>quobyte</c> in the spec, required for the kind): the hosts whose devices Quobyte uses,
/// with the services each runs, and how many api and webconsole services run anywhere. The version is the spec's
/// <c>version</c> (also set by <c>POST /v1/version</c>); an empty version runs nothing.
/// </summary>
public sealed record QuobyteSpec
{
    /// <summary>Device hosts, in a stable order (a node's name carries its position).</summary>
    public IReadOnlyList<QuobyteHostSpec> Nodes { get; set; } = [];

    /// <summary>API services, placed anywhere the cluster's placement allows (default 0).</summary>
    public int Api { get; set; }

    /// <summary>Webconsole services, placed anywhere the cluster's placement allows (default 0).</summary>
    public int Webconsole { get; set; }

    /// <summary>Per-service resources (by service name); a service not listed takes the spec's <c>resources</c>.</summary>
    public IReadOnlyDictionary<string, NodeResources> Resources { get; set; } = new Dictionary<string, NodeResources>();
}

/// <summary>
/// One host with Quobyte devices. The devices are prepared outside Mesos (formatted, mounted, tagged with
/// <c>qmkdev</c>; the first registry device with <c>qbootstrap</c>): the services on this host find them there.
/// </summary>
public sealed record QuobyteHostSpec
{
    /// <summary>The agent's hostname, as Mesos reports it: the services of this entry run only there.</summary>
    public string Host { get; set; } = "";

    /// <summary>registry, metadata and/or data (api and webconsole need no device: see <see cref="QuobyteSpec.Api"/>).</summary>
    public IReadOnlyList<QuobyteRole> Services { get; set; } = [];

    /// <summary>The mount points of the host's Quobyte devices (absolute), shown to operators and checked for sense.</summary>
    public IReadOnlyList<string> Devices { get; set; } = [];
}
