using Drover.Mesos.V1.Scheduler;

namespace Drover.Scheduler.Master;

/// <summary>
/// The scheduler's view of the Mesos master connection: transport only (HTTP, RecordIO, stream ids, redirects,
/// heartbeats, backoff live behind it). Production adapts the v1 scheduler client
/// (<c>lib/Drover.Mesos/Scheduler</c>); unit tests use an in-process fake master.
/// </summary>
public interface IMaster : IAsyncDisposable
{
    /// <summary>
    /// Subscribes, and keeps resubscribing after a disconnection, until disposed or refused. Every signal goes
    /// to <paramref name="deliver"/> in order (the loop posts it to its channel). <paramref name="subscribeCall"/>
    /// is asked for a fresh SUBSCRIBE each time: the framework id may have been learnt meanwhile.
    /// </summary>
    void Start(Func<Call> subscribeCall, Action<MasterSignal> deliver);

    /// <summary>Sends a non-SUBSCRIBE call on the current stream. Never throws for the master's behaviour.</summary>
    ValueTask<CallOutcome> SendAsync(Call call, CancellationToken cancellationToken = default);
}

/// <summary>What the master connection reports, in order.</summary>
public abstract record MasterSignal
{
    /// <summary>SUBSCRIBE answered 200; SUBSCRIBED follows as an event.</summary>
    public sealed record Connected(string Master, string StreamId) : MasterSignal;

    /// <summary>An event of the stream (SUBSCRIBED, OFFERS, UPDATE, HEARTBEAT, ...).</summary>
    public sealed record Received(Event Event) : MasterSignal;

    /// <summary>The stream ended; the connection resubscribes with backoff by itself.</summary>
    public sealed record Disconnected(string Reason) : MasterSignal;

    /// <summary>Fatal: the master refused the framework (401/403, framework id refused, master too old). The connection stops.</summary>
    public sealed record Refused(int StatusCode, string Message) : MasterSignal;
}

/// <summary>How a call ended: 202, a 4xx with the master's reason, or no stream to send it on.</summary>
public abstract record CallOutcome
{
    public static CallOutcome Accepted { get; } = new AcceptedOutcome();

    public sealed record AcceptedOutcome : CallOutcome;

    public sealed record Rejected(int Status, string Message) : CallOutcome;

    public sealed record NotConnected(string Reason) : CallOutcome;
}
