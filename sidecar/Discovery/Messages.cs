using Drover.Registry;
using Google.Protobuf.WellKnownTypes;
using ViewFreshness = Drover.Sidecar.View.Freshness;

namespace Drover.Sidecar.Discovery;

/// <summary>Registry records and view freshness as drover.v1 messages.</summary>
public static class Messages
{
    public static V1.Node Node(NodeRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var node = new V1.Node
        {
            Cluster = record.Cluster,
            Name = record.Node,
            Kind = record.Kind,
            Host = record.Host,
            State = State(record.State),
            Health = record.Healthy switch
            {
                true => V1.Health.Healthy,
                false => V1.Health.Unhealthy,
                null => V1.Health.Unknown,
            },
            Serving = View.Serving.IsServing(record),
            TaskId = record.TaskId ?? "",
            AgentId = record.AgentId ?? "",
            ExecutorId = record.ExecutorId ?? "",
            Version = record.Version ?? "",
        };
        foreach (var port in record.Ports)
        {
            node.Ports.Add(new V1.Port { Name = port.Name, Number = (uint)port.Port });
        }
        return node;
    }

    public static V1.NodeState State(NodeState state) => state switch
    {
        NodeState.Starting => V1.NodeState.Starting,
        NodeState.Running => V1.NodeState.Running,
        NodeState.Restarting => V1.NodeState.Restarting,
        NodeState.Killing => V1.NodeState.Killing,
        NodeState.Finished => V1.NodeState.Finished,
        NodeState.Failed => V1.NodeState.Failed,
        NodeState.Killed => V1.NodeState.Killed,
        NodeState.Lost => V1.NodeState.Lost,
        NodeState.Error => V1.NodeState.Error,
        _ => V1.NodeState.Unspecified,
    };

    public static V1.Freshness Freshness(ViewFreshness freshness, DateTimeOffset now)
    {
        var message = new V1.Freshness
        {
            Live = freshness.IsLive,
            Age = Duration.FromTimeSpan(freshness.Age(now)),
        };
        if (freshness.ConfirmedAsOf(now) is { } confirmed)
        {
            message.ConfirmedAt = Timestamp.FromDateTimeOffset(confirmed);
        }
        return message;
    }

    public static IEnumerable<V1.WatchNodesResponse.Types.Change> Changes(View.NodeChanges changes)
    {
        if (changes.HasFlag(View.NodeChanges.Health))
        {
            yield return V1.WatchNodesResponse.Types.Change.Health;
        }
        if (changes.HasFlag(View.NodeChanges.Ports))
        {
            yield return V1.WatchNodesResponse.Types.Change.Ports;
        }
        if (changes.HasFlag(View.NodeChanges.State))
        {
            yield return V1.WatchNodesResponse.Types.Change.State;
        }
        if (changes.HasFlag(View.NodeChanges.Host))
        {
            yield return V1.WatchNodesResponse.Types.Change.Host;
        }
        if (changes.HasFlag(View.NodeChanges.Other))
        {
            yield return V1.WatchNodesResponse.Types.Change.Other;
        }
    }
}
