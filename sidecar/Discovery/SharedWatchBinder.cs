using Grpc.Core;

namespace Drover.Sidecar.Discovery;

/// <summary>
/// Passes the generated Discovery methods on to gRPC's binder, except WatchNodes, which it binds with a
/// marshaller of pre-serialized payloads (<see cref="WatchNodesPayload"/>).
/// </summary>
internal sealed class SharedWatchBinder(ServiceBinderBase inner) : ServiceBinderBase
{
    public static readonly Method<V1.WatchNodesRequest, WatchNodesPayload> WatchNodes = new(
        MethodType.ServerStreaming,
        V1.Discovery.Descriptor.FullName,
        "WatchNodes",
        Marshallers.Create(static (request, context) =>
        {
            context.SetPayloadLength(request.CalculateSize());
            Google.Protobuf.MessageExtensions.WriteTo(request, context.GetBufferWriter());
            context.Complete();
        }, static context => V1.WatchNodesRequest.Parser.ParseFrom(context.PayloadAsReadOnlySequence())),
        WatchNodesPayload.Marshaller);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(method, handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(method, handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(method, handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (method.FullName == WatchNodes.FullName)
        {
            // No handler: gRPC for ASP.NET Core looks it up on the service type (DiscoveryServiceBase.WatchNodes).
            inner.AddMethod(WatchNodes, (ServerStreamingServerMethod<V1.WatchNodesRequest, WatchNodesPayload>?)null);
            return;
        }
        inner.AddMethod(method, handler);
    }
}
