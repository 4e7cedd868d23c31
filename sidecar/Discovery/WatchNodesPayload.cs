using Google.Protobuf;
using Grpc.Core;

namespace Drover.Sidecar.Discovery;

/// <summary>
/// One WatchNodesResponse on the wire, in two parts: <see cref="Body"/>, its fields 1 to 3 (type, nodes,
/// changes) serialized once and shared by every stream, and <see cref="Freshness"/>, field 4, serialized as each
/// stream writes it (its age is the age at that moment). Protobuf fields may be concatenated, and field 4 is
/// the last one, so body + freshness are the very bytes the generated message would serialize to.
/// </summary>
public sealed record WatchNodesPayload(ReadOnlyMemory<byte> Body, V1.DataFreshness Freshness)
{
    public static readonly Marshaller<WatchNodesPayload> Marshaller = new(Serialize, Deserialize);

    private static void Serialize(WatchNodesPayload payload, SerializationContext context)
    {
        var tail = new V1.WatchNodesResponse { Freshness = payload.Freshness };
        context.SetPayloadLength(payload.Body.Length + tail.CalculateSize());
        var writer = context.GetBufferWriter();
        var span = writer.GetSpan(payload.Body.Length);
        payload.Body.Span.CopyTo(span);
        writer.Advance(payload.Body.Length);
        tail.WriteTo(writer);
        context.Complete();
    }

    // The server only writes this type; a reader (a test, a proxy) gets the two parts back.
    private static WatchNodesPayload Deserialize(DeserializationContext context)
    {
        var message = V1.WatchNodesResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence());
        var freshness = message.Freshness;
        message.Freshness = null;
        return new WatchNodesPayload(message.ToByteArray(), freshness);
    }
}
