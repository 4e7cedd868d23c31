using System.Globalization;
using Drover.Sidecar.Metrics;
using Drover.Sidecar.View;
using Grpc.Core;
using ViewFreshness = Drover.Sidecar.View.Freshness;

namespace Drover.Sidecar.Discovery;

/// <summary>
/// drover.v1.Discovery (proto/drover/v1/discovery.proto), answered from the view. Every answer carries
/// how fresh it is, in its message and in the response header <see cref="AgeHeader"/>.
/// </summary>
public sealed class DiscoveryService(RegistryView view, SidecarMetrics metrics) : DiscoveryServiceBase
{
    /// <summary>Milliseconds since the answer was last known to match ZooKeeper (0 while live).</summary>
    public const string AgeHeader = "drover-view-age-ms";

    private readonly WatchNodesBodies _bodies = new();
    private int _resolveTurn;

    /// <summary>The shared WatchNodes bodies (tests read how many snapshots were serialized).</summary>
    public WatchNodesBodies WatchBodies => _bodies;

    public override async Task<V1.ListClustersResponse> ListClusters(V1.ListClustersRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = view.Current;
        if (!state.ClustersFreshness.HasData)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the list of clusters has not been read from ZooKeeper yet (not reached since the sidecar started)"));
        }
        var now = view.Time.GetUtcNow();
        var response = new V1.ListClustersResponse { Freshness = Messages.Freshness(state.ClustersFreshness, now) };
        var oldest = state.ClustersFreshness;
        foreach (var cluster in state.Clusters.Values)
        {
            response.Clusters.Add(new V1.ClusterInfo
            {
                Name = cluster.Name,
                Nodes = (uint)cluster.Nodes.Count,
                Serving = (uint)cluster.ServingCount,
                Freshness = Messages.Freshness(cluster.Freshness, now),
            });
            oldest = Older(oldest, cluster.Freshness, now);
        }
        await WriteAgeAsync(context, oldest, now).ConfigureAwait(false);
        return response;
    }

    public override async Task<V1.ListNodesResponse> ListNodes(V1.ListNodesRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        Lookup.RequireName(request.Cluster, "cluster");
        var cluster = Lookup.Cluster(view.Current, request.Cluster);
        var now = view.Time.GetUtcNow();
        var response = new V1.ListNodesResponse { Freshness = Messages.Freshness(cluster.Freshness, now) };
        foreach (var node in cluster.Nodes.Values)
        {
            if (!request.OnlyHealthy || Serving.IsServing(node))
            {
                response.Nodes.Add(Messages.Node(node));
            }
        }
        await WriteAgeAsync(context, cluster.Freshness, now).ConfigureAwait(false);
        return response;
    }

    public override async Task<V1.ResolveResponse> Resolve(V1.ResolveRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        Lookup.RequireName(request.Cluster, "cluster");
        Lookup.CheckName(request.Node, "node");
        Lookup.RequirePortName(request.PortName, "port_name");
        var cluster = Lookup.Cluster(view.Current, request.Cluster);
        Registry.NodeRecord node;
        if (request.Node.Length > 0)
        {
            node = Lookup.Node(cluster, request.Node);
        }
        else
        {
            var candidates = cluster.Nodes.Values.Where(n => Serving.IsServing(n) && n.Port(request.PortName) is not null).ToList();
            if (candidates.Count == 0)
            {
                throw new RpcException(new Status(StatusCode.NotFound,
                    $"cluster '{cluster.Name}' has no serving node with a port named '{request.PortName}' ({cluster.Nodes.Count} node(s), {cluster.ServingCount} serving)"));
            }
            node = candidates[(int)((uint)Interlocked.Increment(ref _resolveTurn) % (uint)candidates.Count)];
        }
        var port = Lookup.Port(node, request.PortName);
        var now = view.Time.GetUtcNow();
        await WriteAgeAsync(context, cluster.Freshness, now).ConfigureAwait(false);
        return new V1.ResolveResponse
        {
            Host = node.Host,
            Port = (uint)port,
            Node = Messages.Node(node),
            Freshness = Messages.Freshness(cluster.Freshness, now),
        };
    }

    /// <summary>
    /// WatchNodes writes <see cref="WatchNodesPayload"/>s: the body of each message is serialized once for every
    /// stream (<see cref="WatchNodesBodies"/>); only its freshness is per stream. The wire format is the
    /// generated WatchNodesResponse's (<see cref="DiscoveryServiceBase"/>).
    /// </summary>
    public override async Task WatchNodes(V1.WatchNodesRequest request, IServerStreamWriter<WatchNodesPayload> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        Lookup.RequireName(request.Cluster, "cluster");
        var first = Lookup.Cluster(view.Current, request.Cluster);
        await WriteAgeAsync(context, first.Freshness, view.Time.GetUtcNow()).ConfigureAwait(false);
        using var subscription = view.Subscribe(request.Cluster);
        metrics.WatchStreams.Inc();
        try
        {
            var stop = context.CancellationToken;
            while (await subscription.Events.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                while (subscription.Events.TryRead(out var clusterEvent))
                {
                    if (clusterEvent is ClusterGone)
                    {
                        _bodies.Forget(request.Cluster);
                        throw new RpcException(new Status(StatusCode.NotFound, $"cluster '{request.Cluster}' is no longer in the registry"));
                    }
                    var freshness = Messages.Freshness(clusterEvent.View.Freshness, view.Time.GetUtcNow());
                    await responseStream.WriteAsync(new WatchNodesPayload(_bodies.Body(clusterEvent), freshness), stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away, or the server is stopping.
        }
        finally
        {
            metrics.WatchStreams.Dec();
        }
    }

    private static ViewFreshness Older(ViewFreshness a, ViewFreshness b, DateTimeOffset now) => b.Age(now) > a.Age(now) ? b : a;

    private static Task WriteAgeAsync(ServerCallContext context, ViewFreshness freshness, DateTimeOffset now) =>
        context.WriteResponseHeadersAsync(new Metadata
        {
            { AgeHeader, ((long)freshness.Age(now).TotalMilliseconds).ToString(CultureInfo.InvariantCulture) },
        });
}
