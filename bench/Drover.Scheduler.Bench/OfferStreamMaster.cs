using Drover.Mesos.V1;
using Drover.Scheduler.Master;
using Call = Drover.Mesos.V1.Scheduler.Call;
using Event = Drover.Mesos.V1.Scheduler.Event;

namespace Drover.Scheduler.Bench;

/// <summary>
/// A master that only subscribes the scheduler, delivers the OFFERS events the benchmark made beforehand, and counts
/// the offers the scheduler answered (DECLINE, ACCEPT): nothing of its own to measure.
/// </summary>
internal sealed class OfferStreamMaster : IMaster
{
    private Action<MasterSignal>? _deliver;
    private long _declined;
    private long _accepted;
    private long _target;
    private TaskCompletionSource? _answered;

    public string FrameworkId { get; } = "bench-framework";

    public long Declined => Interlocked.Read(ref _declined);

    public long Accepted => Interlocked.Read(ref _accepted);

    public void Start(Func<Call> subscribeCall, Action<MasterSignal> deliver)
    {
        _ = subscribeCall();
        _deliver = deliver;
        deliver(new MasterSignal.Connected("master@127.0.0.1:5050", "stream-1"));
        Deliver(new Event
        {
            Type = Event.Types.Type.Subscribed,
            Subscribed = new Event.Types.Subscribed
            {
                FrameworkId = new FrameworkID { Value = FrameworkId },
                HeartbeatIntervalSeconds = 15,
                MasterInfo = new MasterInfo { Id = "master-1", Ip = 0x0100007f, Port = 5050, Hostname = "localhost", Version = "1.12.0" },
            },
        });
    }

    public void Deliver(Event e) => _deliver!(new MasterSignal.Received(e));

    /// <summary>Completes once <paramref name="offers"/> more offers have been answered.</summary>
    public Task Expect(long offers)
    {
        _answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _target, Declined + Accepted + offers);
        return _answered.Task;
    }

    public ValueTask<CallOutcome> SendAsync(Call call, CancellationToken cancellationToken = default)
    {
        switch (call.Type)
        {
            case Call.Types.Type.Decline:
                Interlocked.Add(ref _declined, call.Decline.OfferIds.Count);
                break;
            case Call.Types.Type.Accept:
                Interlocked.Add(ref _accepted, call.Accept.OfferIds.Count);
                break;
            default:
                return ValueTask.FromResult(CallOutcome.Accepted);
        }

        if (Declined + Accepted >= Volatile.Read(ref _target))
        {
            _answered?.TrySetResult();
        }

        return ValueTask.FromResult(CallOutcome.Accepted);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
