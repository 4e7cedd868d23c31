using Drover.Executor.Health;
using Drover.Mesos.V1.Executor;
using Drover.Posix;
using Drover.V1;

namespace Drover.Executor.Core;

/// <summary>
/// Everything that can change the executor's state arrives as one of these, through one channel, to one loop
/// (<see cref="ExecutorLoop"/>). I/O completions and timers carry the id of the connection, attempt or
/// incarnation they belong to, so a stale one is recognised and dropped instead of acting on state that has
/// moved on.
/// </summary>
public abstract record ExecutorEvent;

/// <summary>The SUBSCRIBE request was answered 200: events will follow on this connection.</summary>
public sealed record SubscriptionOpened(long ConnectionId) : ExecutorEvent;

public sealed record AgentEventReceived(long ConnectionId, Event Event) : ExecutorEvent;

/// <summary>The subscription ended: refused, closed, broken framing or an undecodable event.</summary>
public sealed record SubscriptionClosed(long ConnectionId, string Reason) : ExecutorEvent;

/// <summary>An UPDATE or MESSAGE call finished; anything but 202 is reported here.</summary>
public sealed record CallCompleted(long ConnectionId, Call.Types.Type Type, Guid? UpdateUuid, int? StatusCode, string? Error) : ExecutorEvent;

/// <summary>Backoff over: time for SUBSCRIBE attempt <paramref name="Attempt"/>.</summary>
public sealed record SubscribeDue(int Attempt) : ExecutorEvent;

/// <summary>MESOS_RECOVERY_TIMEOUT of the disconnection whose recovery ends at <paramref name="Deadline"/>.</summary>
public sealed record RecoveryDeadline(TimeSpan Deadline) : ExecutorEvent;

/// <summary>The task's cEPMD listens (or could not): its launch goes on (or fails).</summary>
public sealed record EpmdStarted(string TaskId, Cepmd.TaskEpmd.StartResult Result) : ExecutorEvent;

public sealed record ChildExited(ChildExit Exit) : ExecutorEvent;

/// <summary>The service's output reached end of file (or <paramref name="TimedOut"/>: it did not in time); its terminal update may go.</summary>
public sealed record OutputDrained(string TaskId, long Incarnation, bool TimedOut) : ExecutorEvent;

public sealed record KillEscalationDue(string TaskId, long KillId) : ExecutorEvent;

public sealed record RestartDue(string TaskId, long Incarnation) : ExecutorEvent;

/// <summary>The acknowledgement deadline of the drain that ends at <paramref name="Deadline"/>.</summary>
public sealed record TerminalAckDeadline(TimeSpan Deadline) : ExecutorEvent;

/// <summary>Time to look for service descendants that escaped into sessions of their own.</summary>
public sealed record StrayScanDue() : ExecutorEvent;

/// <summary>SIGTERM/SIGINT to the executor itself: stop the services gracefully, as for SHUTDOWN.</summary>
public sealed record ShutdownSignal(string Signal) : ExecutorEvent;

public sealed record HealthCheckDue(string TaskId, long Incarnation, int Check) : ExecutorEvent;

public sealed record HealthCheckCompleted(string TaskId, long Incarnation, int Check, long Attempt, ProbeResult Result, TimeSpan Elapsed) : ExecutorEvent;

/// <summary>The personality's graceful-stop steps of kill <paramref name="KillId"/> are done (or gave up): time for SIGTERM.</summary>
public sealed record StopStepsFinished(string TaskId, long KillId) : ExecutorEvent;

/// <summary>An admin operation ended; its reply goes to the scheduler in a MESSAGE call.</summary>
public sealed record AdminCompleted(AdminReply Reply) : ExecutorEvent;
