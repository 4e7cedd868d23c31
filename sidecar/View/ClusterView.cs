using System.Collections.Immutable;
using Drover.Registry;

namespace Drover.Sidecar.View;

/// <summary>One cluster as the sidecar knows it: its nodes by name, how fresh they are, a version bumped by every change.</summary>
public sealed record ClusterView(string Name, ImmutableSortedDictionary<string, NodeRecord> Nodes, Freshness Freshness, long Version)
{
    public static ClusterView Empty(string name) => new(name, ImmutableSortedDictionary.Create<string, NodeRecord>(StringComparer.Ordinal), Freshness.Unread, 0);

    public int ServingCount => Nodes.Values.Count(Serving.IsServing);
}

/// <summary>The whole view: every cluster, and how fresh the list of clusters is.</summary>
public sealed record ViewState(ImmutableSortedDictionary<string, ClusterView> Clusters, Freshness ClustersFreshness)
{
    public static readonly ViewState Empty = new(ImmutableSortedDictionary.Create<string, ClusterView>(StringComparer.Ordinal), Freshness.Unread);
}

/// <summary>Which nodes get traffic.</summary>
public static class Serving
{
    /// <summary>
    /// Running and not known unhealthy: the rule of a ServerSet member's ALIVE status, so the proxy, the
    /// discovery service and Finagle readers of members/ agree on which nodes serve. A node without
    /// health checks (healthy unknown) serves once running.
    /// </summary>
    public static bool IsServing(NodeRecord node) =>
        ServerSetMember.StatusOf(node.State, node.Healthy) == ServerSetStatus.Alive;
}
