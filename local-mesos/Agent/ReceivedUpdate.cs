using Google.Protobuf;
using Drover.Mesos.V1;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.LocalMesos.Agent;

/// <summary>
/// A status update the emulated agent accepted, once per UUID: from an UPDATE call, or from the
/// unacknowledged_updates of a SUBSCRIBE when it had not arrived before.
/// </summary>
public sealed class ReceivedUpdate
{
    private volatile bool _acknowledged;

    internal ReceivedUpdate(TaskStatus status, bool viaSubscribe, DateTimeOffset at)
    {
        Status = status;
        ViaSubscribe = viaSubscribe;
        At = at;
    }

    public TaskStatus Status { get; }

    /// <summary>True when it first arrived inside a SUBSCRIBE's unacknowledged_updates.</summary>
    public bool ViaSubscribe { get; }

    public DateTimeOffset At { get; }

    public string TaskId => Status.TaskId.Value;

    public TaskState State => Status.State;

    public ByteString Uuid => Status.Uuid;

    /// <summary>Whether an ACKNOWLEDGED for it has been written to a subscription stream.</summary>
    public bool Acknowledged
    {
        get => _acknowledged;
        internal set => _acknowledged = value;
    }

    public override string ToString() =>
        $"{TaskId} {State}{(Status.HasHealthy ? Status.Healthy ? " healthy" : " unhealthy" : "")}{(Status.HasMessage ? " '" + Status.Message + "'" : "")}";
}
