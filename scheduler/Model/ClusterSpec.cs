using System.Text.Json.Serialization;

namespace Drover.Scheduler.Model;

/// <summary>The service a cluster runs: the executor's personality of the same name (README, "Personalities").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ClusterKind>))]
public enum ClusterKind
{
    /// <summary>Not given: refused by validation.</summary>
    [JsonStringEnumMemberName("UNSPECIFIED")]
    Unspecified,

    [JsonStringEnumMemberName("GENERIC")]
    Generic,

    [JsonStringEnumMemberName("CASSANDRA")]
    Cassandra,

    [JsonStringEnumMemberName("RIAK")]
    Riak,

    [JsonStringEnumMemberName("DRILL")]
    Drill,

    [JsonStringEnumMemberName("QUOBYTE")]
    Quobyte,
}

/// <summary>
/// What an operator asks for (JSON, snake_case; unknown fields refused): a cluster of <c>count</c> nodes of one
/// kind, each with these resources, ports, placement and configuration. The scheduler keeps it as given (plus
/// nothing): defaults are applied where it is read (<see cref="ClusterSpecDefaults"/>), so a stored spec shows
/// what the operator wrote. Setters (not init) because System.Text.Json's source generator overwrites init
/// properties' defaults with nulls when a field is absent. Validate with <see cref="ClusterSpecValidator"/>; parse with <see cref="ClusterSpecJson"/>.
/// </summary>
public sealed record ClusterSpec
{
    /// <summary>Unique per framework; a ZooKeeper path segment and part of task ids: [a-z][a-z0-9-]*.</summary>
    public string Name { get; set; } = "";

    public ClusterKind Kind { get; set; }

    /// <summary>How many nodes the cluster should have (required; 0 keeps the cluster with no nodes).</summary>
    public int? Count { get; set; }

    /// <summary>The service version: informational and for personalities; a change rolls through the nodes.</summary>
    public string Version { get; set; } = "";

    /// <summary>Per node (required).</summary>
    public NodeResources? Resources { get; set; }

    /// <summary>The node's named ports, fixed numbers or any from the offer.</summary>
    public IReadOnlyList<PortSpec> Ports { get; set; } = [];

    public PlacementSpec Placement { get; set; } = new();

    /// <summary>Becomes <c>NodeSpec.config</c>: personality-specific keys.</summary>
    public IReadOnlyDictionary<string, string> Config { get; set; } = new Dictionary<string, string>();

    /// <summary>Where the service is installed on the agents, and for GENERIC what to run.</summary>
    public ServiceSpec Service { get; set; } = new();

    /// <summary>How long a lost node may stay lost before it is replaced elsewhere (Mesos duration, e.g. "1hrs"; default one hour).</summary>
    public string? ReplaceAfter { get; set; }

    public HealthSpec Health { get; set; } = new();

    public RestartPolicySpec? RestartPolicy { get; set; }

    /// <summary>The ZooKeeper the nodes register their endpoints in (absent: the scheduler's own).</summary>
    public RegistrySpec? Zookeeper { get; set; }

    /// <summary>CASSANDRA only: seeds, bootstrap gap, JVM options, repair schedule.</summary>
    public CassandraSpec? Cassandra { get; set; }

    /// <summary>RIAK only: the OTP release (whether nodes resolve peers through Drover's EPMD module).</summary>
    public RiakSpec? Riak { get; set; }

    /// <summary>DRILL only: the query scale factor and the drillbit bounds.</summary>
    public DrillSpec? Drill { get; set; }

    /// <summary>QUOBYTE only (required there): hosts, services, devices, per-service resources.</summary>
    public QuobyteSpec? Quobyte { get; set; }
}

/// <summary>Per-node resources, in Mesos' units: cpus, MB of memory and disk.</summary>
public sealed record NodeResources
{
    public double? Cpus { get; set; }

    /// <summary>MB.</summary>
    public double? Mem { get; set; }

    /// <summary>MB of scratch disk in the sandbox (not kept across restarts).</summary>
    public double Disk { get; set; }

    /// <summary>MB of persistent volume, mounted at <c>data</c> in the sandbox and kept on the node's agent; 0: none.</summary>
    public double Volume { get; set; }
}

/// <summary>A named port: a fixed number (the same on every agent) or, without <c>port</c>, any from the offer.</summary>
public sealed record PortSpec
{
    public string Name { get; set; } = "";

    public int? Port { get; set; }
}

/// <summary>Where a cluster's nodes may go.</summary>
public sealed record PlacementSpec
{
    /// <summary>At most this many nodes of the cluster on one agent (absent: no limit beyond resources).</summary>
    public int? MaxPerAgent { get; set; }

    /// <summary>At most one node of the cluster per hostname (agents sharing a hostname count as one).</summary>
    public bool UniqueHostname { get; set; }

    /// <summary>Every constraint must hold for the agent's attributes.</summary>
    public IReadOnlyList<AttributeConstraint> Attributes { get; set; } = [];
}

[JsonConverter(typeof(JsonStringEnumConverter<ConstraintOperator>))]
public enum ConstraintOperator
{
    [JsonStringEnumMemberName("UNSPECIFIED")]
    Unspecified,

    /// <summary>The attribute is present and its text equals the value.</summary>
    [JsonStringEnumMemberName("EQUALS")]
    EqualTo,

    /// <summary>The attribute is absent or its text differs from the value.</summary>
    [JsonStringEnumMemberName("NOT_EQUALS")]
    NotEqualTo,

    /// <summary>The attribute is present and its text matches the value as a whole regular expression (Marathon's LIKE).</summary>
    [JsonStringEnumMemberName("LIKE")]
    Like,

    /// <summary>The attribute is absent or does not match the regular expression (Marathon's UNLIKE).</summary>
    [JsonStringEnumMemberName("UNLIKE")]
    Unlike,
}

/// <summary>A constraint on an agent attribute (Marathon's operators, by name).</summary>
public sealed record AttributeConstraint
{
    public string Attribute { get; set; } = "";

    public ConstraintOperator Operator { get; set; }

    public string Value { get; set; } = "";
}

/// <summary>The service on the agents: installed there (personalities) or a command (GENERIC).</summary>
public sealed record ServiceSpec
{
    /// <summary>Absolute path of the installed service on every agent (required for every kind but GENERIC).</summary>
    public string InstallDir { get; set; } = "";

    /// <summary>GENERIC: the command, run with /bin/sh -c (required for GENERIC).</summary>
    public string Command { get; set; } = "";

    /// <summary>Agents give executors no JAVA_HOME: where Java is, for the JVM services.</summary>
    public string JavaHome { get; set; } = "";

    /// <summary>Extra environment for the service process.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();

    /// <summary>How long a killed node has between SIGTERM (after its graceful steps) and SIGKILL (Mesos duration; default 30secs).</summary>
    public string? KillGracePeriod { get; set; }
}

/// <summary>Overrides of the personality's health timing (NodeSpec.config <c>health.*</c>), and GENERIC's checks.</summary>
public sealed record HealthSpec
{
    public string? Delay { get; set; }

    public string? Interval { get; set; }

    public string? Timeout { get; set; }

    public string? Grace { get; set; }

    public int? ConsecutiveFailures { get; set; }

    /// <summary>Checks on top of the personality's own (GENERIC: its only ones; without any, running counts as healthy).</summary>
    public IReadOnlyList<CheckSpecJson> Checks { get; set; } = [];
}

/// <summary>One health check: exactly one of http, tcp, command. Ports are named.</summary>
public sealed record CheckSpecJson
{
    public string Name { get; set; } = "";

    public HttpCheckJson? Http { get; set; }

    public TcpCheckJson? Tcp { get; set; }

    /// <summary>A shell command; exit 0 is healthy.</summary>
    public string? Command { get; set; }
}

public sealed record HttpCheckJson
{
    public string Port { get; set; } = "";

    public string Path { get; set; } = "/";

    public string? BodyContains { get; set; }
}

public sealed record TcpCheckJson
{
    public string Port { get; set; } = "";
}

/// <summary>The executor's restarts of a failed service before the task fails (NodeSpec.restart_policy).</summary>
public sealed record RestartPolicySpec
{
    public int? MaxRestarts { get; set; }

    public string? Window { get; set; }

    public string? InitialBackoff { get; set; }

    public string? MaxBackoff { get; set; }
}

/// <summary>The ZooKeeper of the node registry (NodeSpec.zookeeper); the framework name is the scheduler's.</summary>
public sealed record RegistrySpec
{
    public string Connect { get; set; } = "";

    public string? Root { get; set; }

    public string? SessionTimeout { get; set; }
}
