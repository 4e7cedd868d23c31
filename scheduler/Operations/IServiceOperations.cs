namespace Drover.Scheduler.Operations;

/// <summary>
/// The kinds' own operations (issue 12), beside <see cref="ISchedulerOperations"/>: answered like every change, once
/// the scheduler's loop has validated and persisted it, or refused with nothing applied. Their state reads come
/// from the snapshot (<see cref="ClusterView.Service"/>).
/// </summary>
public interface IServiceOperations
{
    /// <summary>CASSANDRA: a repair round now (Conflict while one runs or before the ring is deployed).</summary>
    Task<OperationResult> StartRepairAsync(string cluster, CancellationToken cancellationToken = default);

    /// <summary>CASSANDRA: nodetool cleanup on the named nodes (default: those a scale-up left needing it), one at a time.</summary>
    Task<OperationResult> CleanupAsync(string cluster, IReadOnlyList<string>? nodes, string? keyspace, CancellationToken cancellationToken = default);

    /// <summary>DRILL: the size (MB) of the dataset about to be queried; the drillbit count follows (more at once, fewer after the idle period).</summary>
    Task<OperationResult> SetDatasetSizeAsync(string cluster, double sizeMb, CancellationToken cancellationToken = default);

    /// <summary>
    /// QUOBYTE: deploy or upgrade to <paramref name="version"/> (rolling, registry first), or stop every service
    /// with an empty one. Without a cluster name, the framework's only QUOBYTE cluster (as the seed's
    /// <c>/v1/version</c> has it).
    /// </summary>
    Task<OperationResult> SetVersionAsync(string? cluster, string version, CancellationToken cancellationToken = default);
}
