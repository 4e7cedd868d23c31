using System.Threading.Channels;
using Drover.Mesos.RecordIO;
using Google.Protobuf;
using Event = Drover.Mesos.V1.Scheduler.Event;

namespace Drover.LocalMesos.Master;

/// <summary>
/// One SUBSCRIBE response: the RecordIO frames queued for it (bounded: a scheduler that stops reading is
/// disconnected, as the master closes a connection whose writes fail), written to the HTTP response by the request
/// that opened it.
/// </summary>
internal sealed class SchedulerStream(string streamId, string frameworkId)
{
    private const int MaxQueued = 100_000;
    private readonly CancellationTokenSource _aborted = new();

    public string StreamId { get; } = streamId;

    /// <summary>Set once the master knows the id (a first SUBSCRIBE has none).</summary>
    public string FrameworkId { get; set; } = frameworkId;

    public Channel<byte[]> Outgoing { get; } = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(MaxQueued) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Cancelled when the master drops the connection (failover of the master, a full queue).</summary>
    public CancellationToken Aborted => _aborted.Token;

    public bool Send(Event @event)
    {
        if (Outgoing.Reader.Count >= MaxQueued - 1)
        {
            Abort();
            return false;
        }

        return Outgoing.Writer.TryWrite(RecordIOWriter.Frame(@event.ToByteArray()));
    }

    /// <summary>Ends the stream cleanly after what is queued.</summary>
    public void Close() => Outgoing.Writer.TryComplete();

    /// <summary>Drops the connection at once.</summary>
    public void Abort()
    {
        Outgoing.Writer.TryComplete();
        _aborted.Cancel();
    }
}
