using Drover.Posix;
using Drover.Mesos.V1.Executor;

namespace Drover.Executor.Core;

/// <summary>
/// Everything that can change the executor's state arrives as one of these, through one
/// channel, to one loop (<see cref="ExecutorLoop"/>). I/O completions and timers carry the
/// id of the connection or kill attempt they belong to, so a stale one is recognised and
/// dropped instead of acting on state that has moved on.
/// </summary>
public abstract record ExecutorEvent;

/// <summary>The SUBSCRIBE request was answered 200: events will follow on this connection.</summary>
public sealed record SubscriptionOpened(long ConnectionId) : ExecutorEvent;

public sealed record AgentEventReceived(long ConnectionId, Event Event) : ExecutorEvent;

/// <summary>The subscription ended: refused, closed, broken framing or an undecodable event.</summary>
public sealed record SubscriptionClosed(long ConnectionId, string Reason) : ExecutorEvent;

/// <summary>An UPDATE or MESSAGE call finished; anything but 202 is reported here.</summary>
public sealed record CallCompleted(long ConnectionId, Call.Types.Type Type, Guid? UpdateUuid, int? StatusCode, string? Error) : ExecutorEvent;

public sealed record SubscribeDue(long Attempt) : ExecutorEvent;

public sealed record RecoveryDeadline(long DisconnectionId) : ExecutorEvent;

public sealed record ChildExited(ChildExit Exit) : ExecutorEvent;

public sealed record KillEscalationDue(string TaskId, long KillId) : ExecutorEvent;

public sealed record RestartDue(string TaskId, long Incarnation) : ExecutorEvent;

public sealed record TerminalAckDeadline() : ExecutorEvent;

/// <summary>Time to look for service descendants that escaped into sessions of their own.</summary>
public sealed record StrayScanDue() : ExecutorEvent;

/// <summary>SIGTERM/SIGINT to the executor itself: stop the services gracefully, as for SHUTDOWN.</summary>
public sealed record ShutdownSignal(string Signal) : ExecutorEvent;

public sealed record HealthCheckDue(string TaskId, long Incarnation, int Check) : ExecutorEvent;

public sealed record HealthCheckCompleted(string TaskId, long Incarnation, int Check, long Attempt, Health.ProbeResult Result, TimeSpan Elapsed) : ExecutorEvent;

public sealed record HealthCheckTimedOut(string TaskId, long Incarnation, int Check, long Attempt) : ExecutorEvent;

/// <summary>The personality's graceful-stop steps of kill <paramref name="KillId"/> are done (or gave up): time for SIGTERM.</summary>
public sealed record StopStepsFinished(string TaskId, long KillId) : ExecutorEvent;

/// <summary>An admin operation ended; its reply goes to the scheduler in a MESSAGE call.</summary>
public sealed record AdminCompleted(Drover.V1.AdminReply Reply) : ExecutorEvent;
