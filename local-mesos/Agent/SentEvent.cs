using Drover.Mesos.V1.Executor;

namespace Drover.LocalMesos.Agent;

/// <summary>What the emulator wrote on a subscription stream.</summary>
/// <param name="Subscription">1 for the first accepted SUBSCRIBE, 2 for the next, ...</param>
/// <param name="Event">The event; null for bytes sent with SendRawAsync.</param>
/// <param name="Bytes">Exactly what went on the wire (the RecordIO frame for an event).</param>
public sealed record SentEvent(int Subscription, Event? Event, byte[] Bytes, DateTimeOffset At)
{
    public override string ToString() => Event is null ? $"#{Subscription} raw {Bytes.Length} bytes" : $"#{Subscription} {Event.Type}";
}
