using Grpc.Core;

namespace Drover.Sidecar.Discovery;

/// <summary>
/// drover.v1.Discovery as the generated base declares it, except that WatchNodes writes pre-serialized
/// <see cref="WatchNodesPayload"/>s (same bytes on the wire). gRPC for ASP.NET Core binds a service through
/// the <see cref="BindServiceMethodAttribute"/> of its base and looks each handler up as an override of a
/// virtual method of the type bound, hence this base of our own in place of <c>V1.Discovery.DiscoveryBase</c>.
/// </summary>
[BindServiceMethod(typeof(DiscoveryServiceBase), nameof(BindService))]
public abstract class DiscoveryServiceBase
{
    public virtual Task<V1.ListClustersResponse> ListClusters(V1.ListClustersRequest request, ServerCallContext context) => throw Unimplemented();

    public virtual Task<V1.ListNodesResponse> ListNodes(V1.ListNodesRequest request, ServerCallContext context) => throw Unimplemented();

    public virtual Task WatchNodes(V1.WatchNodesRequest request, IServerStreamWriter<WatchNodesPayload> responseStream, ServerCallContext context) => throw Unimplemented();

    public virtual Task<V1.ResolveResponse> Resolve(V1.ResolveRequest request, ServerCallContext context) => throw Unimplemented();

    /// <summary>
    /// The generated binding, with WatchNodes' method swapped for one whose responses are marshalled from
    /// <see cref="WatchNodesPayload"/>. gRPC for ASP.NET Core binds with no instance (it finds the handlers on
    /// the type), which is the only binder this is for.
    /// </summary>
    public static void BindService(ServiceBinderBase serviceBinder, DiscoveryServiceBase? service)
    {
        if (service is not null)
        {
            throw new NotSupportedException("DiscoveryServiceBase binds through gRPC for ASP.NET Core (MapGrpcService), without an instance.");
        }
        V1.Discovery.BindService(new SharedWatchBinder(serviceBinder), (V1.Discovery.DiscoveryBase)null!);
    }

    private static RpcException Unimplemented() => new(new Status(StatusCode.Unimplemented, ""));
}
