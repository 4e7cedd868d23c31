using Drover.Scheduler.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Drover.Scheduler.Api;

/// <summary>
/// <c>GET /v1/clusters/{name}/endpoints</c>: where clients reach a cluster, per named port and per node. The
/// addresses are the ones the nodes' executors wrote in the registry (ZooKeeper), or their reserved ports
/// until a node registered (the scheduler fills <see cref="NodeView.Endpoints"/> so). <c>?port=</c> keeps one port.
/// </summary>
internal static class RegistryEndpoints
{
    public static void Map(IEndpointRouteBuilder routes, ISchedulerOperations operations, Handler handler)
    {
        routes.MapMethods("/v1/clusters/{name}/endpoints", [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
        {
            var cluster = RouteNames.FindCluster(operations.Snapshot(), RouteNames.Cluster(context));
            string? port = null;
            if (context.Request.Query.TryGetValue("port", out var wanted))
            {
                port = wanted.ToString();
                if (!cluster.Spec.Ports.Any(p => p?.Name == port))
                {
                    throw ApiProblem.NotFound($"cluster '{cluster.Name}' has no port named '{(port.Length <= 64 ? port : port[..64])}'");
                }
            }

            return Responses.JsonAsync(context, StatusCodes.Status200OK, Build(cluster, port), ApiJsonContext.Default.EndpointsView);
        }));
    }

    public static EndpointsView Build(ClusterView cluster, string? onlyPort = null)
    {
        var ports = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var nodes = new List<NodeAddresses>();
        foreach (var node in cluster.Nodes.OrderBy(n => n.Index))
        {
            var endpoints = onlyPort is null
                ? node.Endpoints
                : node.Endpoints.Where(e => e.Key == onlyPort).ToDictionary(e => e.Key, e => e.Value);
            foreach (var (name, address) in endpoints)
            {
                if (!ports.TryGetValue(name, out var list))
                {
                    ports[name] = list = [];
                }

                list.Add(address);
            }

            nodes.Add(new NodeAddresses { Node = node.Name, Phase = node.Phase, Healthy = node.Healthy, Hostname = node.Hostname, Endpoints = endpoints });
        }

        return new EndpointsView
        {
            Cluster = cluster.Name,
            Ports = ports.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal),
            Nodes = nodes,
        };
    }
}
