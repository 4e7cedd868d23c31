using Drover.Mesos.Scheduler;
using Drover.Logging;
using Call = Drover.Mesos.V1.Scheduler.Call;

namespace Drover.Scheduler.Master;

/// <summary>
/// <see cref="IMaster"/> over the v1 scheduler client (<c>lib/Drover.Mesos/Scheduler</c>), which does the transport:
/// the masters from <c>--master</c> (a list, or <c>zk://…/mesos</c>), 307 redirects, backoff, heartbeats, basic
/// authentication, the minimum master version. This adapter only carries the client's events to the loop, in order,
/// as <see cref="MasterSignal"/>s, and its call outcomes back as <see cref="CallOutcome"/>s. What the framework
/// subscribes as (its FrameworkInfo) is the loop's: the subscribe callback asks it afresh at every attempt.
/// </summary>
public sealed class MesosMaster : IMaster
{
    private readonly SchedulerClient _client;
    private Task _pump = Task.CompletedTask;

    public MesosMaster(SchedulerClientOptions options, TimeProvider time, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = new SchedulerClient(options, time, new LogSink(), handler);
    }

    /// <summary>The subscription calls go on now (master, stream id), or null.</summary>
    public SchedulerClient.Session? Current => _client.Current;

    public void Start(Func<Call> subscribeCall, Action<MasterSignal> deliver)
    {
        ArgumentNullException.ThrowIfNull(subscribeCall);
        ArgumentNullException.ThrowIfNull(deliver);
        _client.Start(subscribeCall);
        _pump = Task.Run(async () =>
        {
            await foreach (var e in _client.Events.ReadAllAsync().ConfigureAwait(false))
            {
                deliver(Translate(e));
            }
        });
    }

    public async ValueTask<CallOutcome> SendAsync(Call call, CancellationToken cancellationToken = default) =>
        await _client.SendAsync(call, cancellationToken).ConfigureAwait(false) switch
        {
            AcceptedOutcome => CallOutcome.Accepted,
            Rejected rejected => new CallOutcome.Rejected(rejected.Status, rejected.Message),
            NotConnected notConnected => new CallOutcome.NotConnected(notConnected.Reason),
            var other => new CallOutcome.NotConnected($"unexpected outcome {other}"),
        };

    public async ValueTask DisposeAsync()
    {
        // Disposing the client completes its event channel, which ends the pump.
        await _client.DisposeAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
    }

    /// <summary>The client's events as the loop's signals (the same four cases, named from the loop's side).</summary>
    public static MasterSignal Translate(SchedulerClientEvent e) => e switch
    {
        Connected connected => new MasterSignal.Connected(Describe(connected), connected.StreamId),
        Received received => new MasterSignal.Received(received.Event),
        Disconnected disconnected => new MasterSignal.Disconnected(disconnected.Reason),
        Refused refused => new MasterSignal.Refused(refused.StatusCode, refused.Message),
        _ => new MasterSignal.Disconnected($"unexpected client event {e}"),
    };

    private static string Describe(Connected connected) =>
        connected.Master is { Id.Length: > 0 } master ? $"{master.Id} at {connected.Endpoint}" : connected.Endpoint.ToString();

    /// <summary>The client's lines (connections, redirects, backoff) in the scheduler's log.</summary>
    private sealed class LogSink : ILogSink
    {
        public void Write(string line) => Log.Info(line, "mesos");
    }
}
