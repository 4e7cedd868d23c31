using Drover.Registry;

namespace Drover.Sidecar.Tests.Support;

/// <summary>Endpoint records for tests.</summary>
public static class Nodes
{
    public static NodeRecord Record(string cluster, string node, string host = "127.0.0.1", NodeState state = NodeState.Running, bool? healthy = true, params NamedPort[] ports) => new()
    {
        Cluster = cluster,
        Node = node,
        Kind = "riak",
        Host = host,
        Ports = ports.Length > 0 ? ports : [new NamedPort("http", 8098), new NamedPort("pb", 8087)],
        TaskId = $"{node}-task",
        AgentId = "agent-S1",
        ExecutorId = $"{node}-executor",
        State = state,
        Healthy = healthy,
        Version = "3.2.0",
    };

    public static string UniqueCluster() => $"c{Guid.NewGuid():N}"[..12];
}
