using Drover.Scheduler.Master;
using Drover.Scheduler.Operations;

namespace Drover.Scheduler.Core;

/// <summary>
/// Everything that can change the scheduler's state arrives as one of these, through one channel, to one loop
/// (<see cref="SchedulerLoop"/>): what the master says, the clock, and operators' commands.
/// </summary>
public abstract record SchedulerEvent;

public sealed record FromMaster(MasterSignal Signal) : SchedulerEvent;

/// <summary>The earliest timer the loop armed is due (waits, backoffs, replace_after, reconciliation).</summary>
public sealed record TimerDue(long Generation) : SchedulerEvent;

/// <summary>An operator's change, applied by the loop; its result completes <paramref name="Result"/>.</summary>
public sealed record OperatorCommand(string What, Func<Task<OperationResult>> Apply, TaskCompletionSource<OperationResult> Result) : SchedulerEvent;

/// <summary>Stop the loop (shutdown, lost leadership).</summary>
public sealed record StopRequested(string Reason) : SchedulerEvent;

/// <summary>A followed cluster's registry records changed (node name → what its executor published): the operator's view only.</summary>
public sealed record RegistryChanged(string Cluster, IReadOnlyDictionary<string, Drover.Registry.NodeRecord> Records) : SchedulerEvent;

/// <summary>Completes once every event posted before it is handled (tests: wait for the loop to settle).</summary>
public sealed record Barrier(TaskCompletionSource Done) : SchedulerEvent;
