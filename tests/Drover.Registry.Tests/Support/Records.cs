namespace Drover.Registry.Tests.Support;

/// <summary>Endpoint records for tests.</summary>
public static class Records
{
    public static NodeRecord Node(string cluster, string node, params NamedPort[] ports) => new()
    {
        Cluster = cluster,
        Node = node,
        Kind = "cassandra",
        Host = "10.1.2.3",
        Ports = ports.Length > 0 ? ports : [new NamedPort("native", 9042), new NamedPort("storage", 7000), new NamedPort("jmx", 7199)],
        TaskId = $"{cluster}-{node}-task",
        AgentId = "agent-S1",
        ExecutorId = $"{cluster}-{node}-executor",
        State = NodeState.Starting,
        Healthy = null,
        Version = "4.1.3",
    };

    public static string UniqueCluster() => $"c{Guid.NewGuid():N}"[..12];
}
