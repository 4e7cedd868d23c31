using System.Text.Json.Serialization;
using Drover.Scheduler.Model;

namespace Drover.Scheduler.Operations;

/// <summary>
/// What the operator surface (HTTP API, console, CLI) may ask of the scheduler. Reads are a snapshot; each
/// change is posted to the scheduler's loop and answered once the loop has validated it and persisted it in
/// ZooKeeper (or refused it, with nothing applied). Thread-safe.
/// </summary>
public interface ISchedulerOperations
{
    /// <summary>The latest state; cheap (no lock, no I/O).</summary>
    SchedulerSnapshot Snapshot();

    /// <summary>Creates the cluster or changes its spec (a change rolls through the nodes, one at a time). Kind cannot change: Conflict.</summary>
    Task<OperationResult> PutClusterAsync(ClusterSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Removes the cluster: every node leaves (admin leave operation, kill), every reservation is released, then the cluster is forgotten.</summary>
    Task<OperationResult> DeleteClusterAsync(string cluster, CancellationToken cancellationToken = default);

    /// <summary>Sets the node count; scaling down removes the highest-numbered nodes through their leave operation.</summary>
    Task<OperationResult> ScaleAsync(string cluster, int count, CancellationToken cancellationToken = default);

    /// <summary>Stops the plan from starting new steps; steps in progress go on.</summary>
    Task<OperationResult> InterruptPlanAsync(string cluster, string plan, CancellationToken cancellationToken = default);

    Task<OperationResult> ContinuePlanAsync(string cluster, string plan, CancellationToken cancellationToken = default);

    /// <summary>Puts a step back to PENDING (e.g. after an error), so the plan runs it again.</summary>
    Task<OperationResult> RestartStepAsync(string cluster, string plan, string phase, string step, CancellationToken cancellationToken = default);

    /// <summary>Kills the node's task and relaunches it in place, on its reservation and volume.</summary>
    Task<OperationResult> RestartNodeAsync(string cluster, string node, CancellationToken cancellationToken = default);

    /// <summary>Replaces the node elsewhere at once (its reservation is released when its agent is back or gone).</summary>
    Task<OperationResult> ReplaceNodeAsync(string cluster, string node, CancellationToken cancellationToken = default);

    /// <summary>Sends an AdminRequest to the node's executor; the result carries the request id whose reply <see cref="Snapshot"/> shows.</summary>
    Task<OperationResult> SendAdminOperationAsync(string cluster, string node, string operation, IReadOnlyDictionary<string, string> arguments, CancellationToken cancellationToken = default);
}

[JsonConverter(typeof(JsonStringEnumConverter<OperationOutcome>))]
public enum OperationOutcome
{
    /// <summary>Done (persisted); HTTP 200/202.</summary>
    [JsonStringEnumMemberName("OK")]
    Ok,

    /// <summary>Bad input; <see cref="OperationResult.Errors"/> name the fields. HTTP 400.</summary>
    [JsonStringEnumMemberName("INVALID")]
    Invalid,

    /// <summary>No such cluster, node, plan or step. HTTP 404.</summary>
    [JsonStringEnumMemberName("NOT_FOUND")]
    NotFound,

    /// <summary>Conflicts with the current state (a kind change, a cluster being deleted, a node not running). HTTP 409.</summary>
    [JsonStringEnumMemberName("CONFLICT")]
    Conflict,

    /// <summary>This scheduler cannot act now (not the leader, stopping, ZooKeeper unavailable). HTTP 503.</summary>
    [JsonStringEnumMemberName("UNAVAILABLE")]
    Unavailable,
}

/// <summary>The answer to an operator's change. Nothing is half applied: anything but Ok changed nothing.</summary>
public sealed record OperationResult
{
    public required OperationOutcome Outcome { get; init; }

    public string Message { get; init; } = "";

    /// <summary>For Invalid: every field at fault.</summary>
    public IReadOnlyList<SpecError> Errors { get; init; } = [];

    /// <summary>For an admin operation: its request id (its reply shows in the snapshot's admin_operations).</summary>
    public string? RequestId { get; init; }

    public bool IsOk => Outcome == OperationOutcome.Ok;

    public static OperationResult Ok(string message = "", string? requestId = null) => new() { Outcome = OperationOutcome.Ok, Message = message, RequestId = requestId };

    public static OperationResult Invalid(IReadOnlyList<SpecError> errors) =>
        new() { Outcome = OperationOutcome.Invalid, Message = string.Join("; ", errors), Errors = errors };

    public static OperationResult Invalid(string field, string message) => Invalid([new SpecError(field, message)]);

    public static OperationResult NotFound(string message) => new() { Outcome = OperationOutcome.NotFound, Message = message };

    public static OperationResult Conflict(string message) => new() { Outcome = OperationOutcome.Conflict, Message = message };

    public static OperationResult Unavailable(string message) => new() { Outcome = OperationOutcome.Unavailable, Message = message };
}
