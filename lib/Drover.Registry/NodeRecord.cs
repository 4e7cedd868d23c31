namespace Drover.Registry;

/// <summary>One named port of a node, e.g. ("native", 31042): a TaskInfo.discovery port.</summary>
public readonly record struct NamedPort(string Name, int Port)
{
    public const int MinPort = 1;
    public const int MaxPort = 65535;

    public override string ToString() => $"{Name}={Port}";
}

/// <summary>
/// A node's endpoint record: what the executor writes at nodes/&lt;node&gt; and what watchers read.
/// JSON: {"cluster","node","kind","host","ports":{"name":port},"taskId","agentId","executorId","state","healthy","version"},
/// with "healthy" true, false or null (no health checks, or none has run yet).
/// </summary>
public sealed record NodeRecord
{
    public required string Cluster { get; init; }

    public required string Node { get; init; }

    /// <summary>The service kind, e.g. "cassandra", "riak", "generic".</summary>
    public required string Kind { get; init; }

    /// <summary>The host name or address clients connect to (the agent's).</summary>
    public required string Host { get; init; }

    /// <summary>The node's named ports, in the task's order (the first is the ServerSet default endpoint unless a primary is named).</summary>
    public required IReadOnlyList<NamedPort> Ports { get; init; }

    public string? TaskId { get; init; }

    public string? AgentId { get; init; }

    public string? ExecutorId { get; init; }

    public NodeState State { get; init; } = NodeState.Starting;

    /// <summary>The health checks' verdict: true, false, or null when there is none (yet).</summary>
    public bool? Healthy { get; init; }

    /// <summary>The service version, informational.</summary>
    public string? Version { get; init; }

    /// <summary>The port of that name, or null.</summary>
    public int? Port(string name)
    {
        foreach (var port in Ports)
        {
            if (port.Name == name)
            {
                return port.Port;
            }
        }
        return null;
    }

    // Records compare lists by reference; two records with the same ports in the same order are equal.
    public bool Equals(NodeRecord? other) =>
        other is not null
        && Cluster == other.Cluster
        && Node == other.Node
        && Kind == other.Kind
        && Host == other.Host
        && Ports.SequenceEqual(other.Ports)
        && TaskId == other.TaskId
        && AgentId == other.AgentId
        && ExecutorId == other.ExecutorId
        && State == other.State
        && Healthy == other.Healthy
        && Version == other.Version;

    public override int GetHashCode() => HashCode.Combine(Cluster, Node, Host, State, Healthy, Ports.Count);

    /// <summary>Throws <see cref="ArgumentException"/> if this record cannot be registered, naming the field.</summary>
    public void Validate()
    {
        RegistryPaths.ValidateName(Cluster, "cluster name");
        RegistryPaths.ValidateName(Node, "node name");
        if (string.IsNullOrWhiteSpace(Kind))
        {
            throw new ArgumentException("The record's kind is empty.", nameof(Kind));
        }
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("The record's host is empty.", nameof(Host));
        }
        ArgumentNullException.ThrowIfNull(Ports, nameof(Ports));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var port in Ports)
        {
            if (string.IsNullOrEmpty(port.Name))
            {
                throw new ArgumentException("A port has no name.", nameof(Ports));
            }
            if (port.Port is < NamedPort.MinPort or > NamedPort.MaxPort)
            {
                throw new ArgumentException($"Port '{port.Name}' is {port.Port}, outside {NamedPort.MinPort}..{NamedPort.MaxPort}.", nameof(Ports));
            }
            if (!names.Add(port.Name))
            {
                throw new ArgumentException($"Port name '{port.Name}' appears twice.", nameof(Ports));
            }
        }
        if (State == NodeState.Unknown)
        {
            throw new ArgumentException("A record is written with a known state.", nameof(State));
        }
    }
}
