using Drover.Registry;
using Drover.Sidecar.View;
using Grpc.Core;

namespace Drover.Sidecar.Discovery;

/// <summary>
/// Request checks and view lookups as gRPC statuses: INVALID_ARGUMENT naming the field, NOT_FOUND for what
/// does not exist, UNAVAILABLE only while the data asked for was never read.
/// </summary>
public static class Lookup
{
    /// <summary>How many names a NOT_FOUND message lists.</summary>
    private const int NamesShown = 10;

    public const int MaxPortNameLength = 255;

    /// <summary>A required registry name (cluster, node): one znode name.</summary>
    public static void RequireName(string value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw Invalid(field, "is required");
        }
        CheckName(value, field);
    }

    /// <summary>An optional registry name: empty, or one znode name.</summary>
    public static void CheckName(string value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }
        try
        {
            RegistryPaths.ValidateName(value, field);
        }
        catch (ArgumentException e)
        {
            throw Invalid(field, $"'{Shorten(value)}' is not a valid name: one path segment, not '.' or '..', without '/' or control characters ({e.GetType().Name})");
        }
    }

    public static void RequirePortName(string value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw Invalid(field, "is required");
        }
        if (value.Length > MaxPortNameLength)
        {
            throw Invalid(field, $"is {value.Length} characters long; at most {MaxPortNameLength}");
        }
    }

    /// <summary>The cluster, with data; NOT_FOUND or UNAVAILABLE otherwise.</summary>
    public static ClusterView Cluster(ViewState state, string cluster)
    {
        if (state.Clusters.TryGetValue(cluster, out var view))
        {
            return view.Freshness.HasData
                ? view
                : throw new RpcException(new Status(StatusCode.Unavailable, $"cluster '{cluster}': its nodes have not been read from ZooKeeper yet (not reached since the sidecar started)"));
        }
        if (!state.ClustersFreshness.HasData)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the list of clusters has not been read from ZooKeeper yet (not reached since the sidecar started)"));
        }
        throw new RpcException(new Status(StatusCode.NotFound, $"cluster '{cluster}' is not in the registry (clusters: {Names(state.Clusters.Keys)})"));
    }

    public static NodeRecord Node(ClusterView cluster, string node) =>
        cluster.Nodes.TryGetValue(node, out var record)
            ? record
            : throw new RpcException(new Status(StatusCode.NotFound, $"cluster '{cluster.Name}' has no node '{node}' (nodes: {Names(cluster.Nodes.Keys)})"));

    public static int Port(NodeRecord node, string portName) =>
        node.Port(portName) ?? throw new RpcException(new Status(StatusCode.NotFound,
            $"node '{node.Node}' of cluster '{node.Cluster}' has no port named '{Shorten(portName)}' (ports: {Names(node.Ports.Select(p => p.Name))})"));

    public static RpcException Invalid(string field, string problem) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {problem}"));

    private static string Names(IEnumerable<string> names)
    {
        var list = names.Take(NamesShown + 1).ToList();
        return list.Count == 0 ? "none"
            : list.Count > NamesShown ? string.Join(", ", list.Take(NamesShown)) + ", ..."
            : string.Join(", ", list);
    }

    private static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "...";
}
