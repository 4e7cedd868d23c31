using Drover.Mesos.V1;

namespace Drover.Mesos.Scheduler;

/// <summary>What the client tells its owner, in order, on <see cref="SchedulerClient.Events"/>.</summary>
public abstract record SchedulerClientEvent;

/// <summary>SUBSCRIBE answered 200 and the first event was SUBSCRIBED: calls can be sent from now on.</summary>
public sealed record Connected(MasterInfo Master, string StreamId, MasterEndpoint Endpoint) : SchedulerClientEvent;

/// <summary>One event of the stream, SUBSCRIBED and HEARTBEAT included.</summary>
public sealed record Received(Drover.Mesos.V1.Scheduler.Event Event) : SchedulerClientEvent;

/// <summary>No subscription now (a refused attempt, a lost stream, heartbeats missed): the client retries with backoff.</summary>
public sealed record Disconnected(string Reason) : SchedulerClientEvent;

/// <summary>
/// Fatal: the client stopped and completes <see cref="SchedulerClient.Events"/>. Credentials refused (401/403), the
/// call refused (400), the master too old, or an ERROR event (framework removed, failed over to another scheduler).
/// <paramref name="StatusCode"/> is the HTTP status, or 200 when the refusal came as an ERROR event on the stream.
/// </summary>
public sealed record Refused(int StatusCode, string Message) : SchedulerClientEvent;

/// <summary>How the master answered a call sent with <see cref="SchedulerClient.SendAsync"/>.</summary>
public abstract record CallOutcome
{
    public static readonly CallOutcome Accepted = new AcceptedOutcome();

    public bool IsAccepted => this is AcceptedOutcome;
}

/// <summary>202 Accepted (or 200 with a body for calls that have one).</summary>
public sealed record AcceptedOutcome : CallOutcome;

/// <summary>A 4xx (or other non-retryable) answer, with the master's reason.</summary>
public sealed record Rejected(int Status, string Message) : CallOutcome;

/// <summary>No subscription, a redirect or 503 (the leader moved), or the request failed on the way: the owner decides whether to retry.</summary>
public sealed record NotConnected(string Reason) : CallOutcome;
