namespace Drover.Executor.Health;

public enum HealthCheckKind
{
    Command,
    Http,
    Tcp,

    /// <summary>JMX attribute predicates through the node's JMX helper.</summary>
    Jmx,

    /// <summary>The service's own nodetool, output parsed.</summary>
    Nodetool,

    /// <summary>Any other personality probe (HTTP body, ZooKeeper registration...).</summary>
    Custom,
}

/// <summary>
/// One health check of a task: its <see cref="Probe"/> (which holds what the kind needs: a URL, a port, a
/// command, an MBean...) and Mesos' timing rules: first probe after Delay, then every Interval; a probe past
/// Timeout failed (null: no timeout); failures before the first success are ignored during Grace;
/// ConsecutiveFailures failures kill the task.
/// </summary>
public sealed record HealthCheckDefinition
{
    public required string Name { get; init; }

    public required HealthCheckKind Kind { get; init; }

    public required IHealthProbe Probe { get; init; }

    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan? Timeout { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(10);

    public int ConsecutiveFailures { get; init; } = 3;

    /// <summary>What a failure message calls the check ("Command has not returned after 5secs", as Mesos words it).</summary>
    public string Subject => Kind switch
    {
        HealthCheckKind.Command => "Command",
        HealthCheckKind.Http or HealthCheckKind.Tcp => $"{Kind} check",
        _ => $"{Name} check",
    };
}
