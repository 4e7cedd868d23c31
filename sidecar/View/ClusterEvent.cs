using Drover.Registry;

namespace Drover.Sidecar.View;

/// <summary>What changed in a node between two records (flags: several at once).</summary>
[Flags]
public enum NodeChanges
{
    None = 0,
    Health = 1,
    Ports = 2,
    State = 4,
    Host = 8,
    Other = 16,
}

/// <summary>What a subscriber of one cluster is told, in order: a snapshot first, then changes.</summary>
public abstract record ClusterEvent(ClusterView View);

/// <summary>Every node now: the first event, and again after the subscriber fell behind.</summary>
public sealed record ClusterSnapshot(ClusterView View) : ClusterEvent(View);

public sealed record NodeAdded(ClusterView View, NodeRecord Node) : ClusterEvent(View);

public sealed record NodeRemoved(ClusterView View, NodeRecord Previous) : ClusterEvent(View);

public sealed record NodeUpdated(ClusterView View, NodeRecord Node, NodeRecord Previous, NodeChanges Changes) : ClusterEvent(View)
{
    public static NodeChanges Between(NodeRecord previous, NodeRecord node)
    {
        var changes = NodeChanges.None;
        if (previous.Healthy != node.Healthy || Serving.IsServing(previous) != Serving.IsServing(node))
        {
            changes |= NodeChanges.Health;
        }
        if (!previous.Ports.SequenceEqual(node.Ports))
        {
            changes |= NodeChanges.Ports;
        }
        if (previous.State != node.State)
        {
            changes |= NodeChanges.State;
        }
        if (previous.Host != node.Host)
        {
            changes |= NodeChanges.Host;
        }
        if (previous.Kind != node.Kind || previous.TaskId != node.TaskId || previous.AgentId != node.AgentId
            || previous.ExecutorId != node.ExecutorId || previous.Version != node.Version)
        {
            changes |= NodeChanges.Other;
        }
        return changes;
    }
}

/// <summary>The cluster's data became stale or live again (<see cref="ClusterView.Freshness"/>).</summary>
public sealed record FreshnessChanged(ClusterView View) : ClusterEvent(View);

/// <summary>The cluster is no longer in the registry; nothing follows.</summary>
public sealed record ClusterGone(ClusterView View) : ClusterEvent(View);
