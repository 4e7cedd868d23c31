using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Drover.Sidecar.Discovery;
using Drover.Sidecar.View;

namespace Drover.Sidecar.PrometheusSd;

/// <summary>
/// GET /v1/prometheus/targets: Prometheus' HTTP service discovery (http_sd_configs). One target group per
/// node that has a port named <c>metrics</c> (every node, serving or not: a sick node's metrics matter
/// most), labelled cluster, node, kind and framework, with <c>__meta_drover_*</c> labels for
/// relabelling (state, health, serving, host). <c>?cluster=a&amp;cluster=b</c> limits the clusters.
/// 503 until the registry has been read; afterwards the last known state, with its age in the
/// <see cref="DiscoveryService.AgeHeader"/> header.
/// </summary>
public static class TargetsEndpoint
{
    public const string Path = "/v1/prometheus/targets";

    public const string MetricsPort = "metrics";

    public static Task HandleAsync(HttpContext context, RegistryView view, string framework)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(view);
        var state = view.Current;
        var response = context.Response;
        if (!state.ClustersFreshness.HasData)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.ContentType = "text/plain; charset=utf-8";
            return response.WriteAsync("the registry has not been read from ZooKeeper yet\n", context.RequestAborted);
        }
        var wanted = context.Request.Query["cluster"];
        var clusters = state.Clusters.Values.Where(c => wanted.Count == 0 || wanted.Contains(c.Name)).ToList();
        var now = view.Time.GetUtcNow();
        var age = clusters.Select(c => c.Freshness.Age(now)).Append(state.ClustersFreshness.Age(now)).Max();
        var body = Write(clusters, framework);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = body.WrittenCount;
        response.Headers[DiscoveryService.AgeHeader] = ((long)age.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).AsTask();
    }

    /// <summary>The http_sd JSON: <c>[{"targets":["host:port"],"labels":{...}}, ...]</c>.</summary>
    public static ArrayBufferWriter<byte> Write(IEnumerable<ClusterView> clusters, string framework)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var json = new Utf8JsonWriter(buffer);
        json.WriteStartArray();
        foreach (var cluster in clusters)
        {
            foreach (var node in cluster.Nodes.Values)
            {
                if (node.Port(MetricsPort) is not { } port)
                {
                    continue;
                }
                json.WriteStartObject();
                json.WriteStartArray("targets");
                json.WriteStringValue(Target(node.Host, port));
                json.WriteEndArray();
                json.WriteStartObject("labels");
                json.WriteString("cluster", node.Cluster);
                json.WriteString("node", node.Node);
                json.WriteString("kind", node.Kind);
                json.WriteString("framework", framework);
                json.WriteString("__meta_drover_host", node.Host);
                json.WriteString("__meta_drover_state", node.State == Registry.NodeState.Unknown ? "unknown" : Registry.NodeStates.ToJsonName(node.State));
                json.WriteString("__meta_drover_healthy", node.Healthy switch { true => "true", false => "false", null => "unknown" });
                json.WriteString("__meta_drover_serving", Serving.IsServing(node) ? "true" : "false");
                json.WriteEndObject();
                json.WriteEndObject();
            }
        }
        json.WriteEndArray();
        json.Flush();
        return buffer;
    }

    /// <summary>host:port, with brackets around an IPv6 literal.</summary>
    public static string Target(string host, int port) =>
        IPAddress.TryParse(host, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{host}]:{port.ToString(CultureInfo.InvariantCulture)}"
            : $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
}
