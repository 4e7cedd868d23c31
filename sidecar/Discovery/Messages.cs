using Drover.Registry;
using Google.Protobuf.WellKnownTypes;
using ViewFreshness = Drover.Sidecar.View.Freshness;

namespace Drover.Sidecar.Discovery;

/// <summary>Registry records and view freshness as drover.v1 messages.</summary>
public static class Messages
{
    public static V1.NodeInfo Node(NodeRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var node = new V1.NodeInfo
        {
            Cluster = record.Cluster,
            Name = record.Node,
            Kind = record.Kind,
            Host = record.Host,
            State = State(record.State),
            Health = record.Healthy switch
            {
                true => V1.NodeHealth.Healthy,
                false => V1.NodeHealth.Unhealthy,
                null => V1.NodeHealth.Unknown,
            },
            Serving = View.Serving.IsServing(record),
            TaskId = record.TaskId ?? "",
            AgentId = record.AgentId ?? "",
            ExecutorId = record.ExecutorId ?? "",
            Version = record.Version ?? "",
        };
        foreach (var port in record.Ports)
        {
            node.Ports.Add(new V1.NodePort { Name = port.Name, Number = (uint)port.Port });
        }
        return node;
    }

    public static V1.NodeLifecycle State(NodeState state) => state switch
    {
        NodeState.Starting => V1.NodeLifecycle.Starting,
        NodeState.Running => V1.NodeLifecycle.Running,
        NodeState.Restarting => V1.NodeLifecycle.Restarting,
        NodeState.Killing => V1.NodeLifecycle.Killing,
        NodeState.Finished => V1.NodeLifecycle.Finished,
        NodeState.Failed => V1.NodeLifecycle.Failed,
        NodeState.Killed => V1.NodeLifecycle.Killed,
        NodeState.Lost => V1.NodeLifecycle.Lost,
        NodeState.Error => V1.NodeLifecycle.Error,
        _ => V1.NodeLifecycle.Unspecified,
    };

    public static V1.DataFreshness Freshness(ViewFreshness freshness, DateTimeOffset now)
    {
        var message = new V1.DataFreshness
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
