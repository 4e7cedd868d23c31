using System.Globalization;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;
using Drover.Scheduler.Plans.Cassandra;
using Drover.Scheduler.Plans.Drill;
using Drover.Scheduler.Plans.Quobyte;
using Drover.Scheduler.State;

namespace Drover.Scheduler.Core;

/// <summary><see cref="IServiceOperations"/>: the kinds' operator commands, checked whole before anything is staged.</summary>
public sealed partial class SchedulerLoop : IServiceOperations
{
    public Task<OperationResult> StartRepairAsync(string cluster, CancellationToken cancellationToken = default) =>
        CommandAsync($"repair {cluster}", () => Task.FromResult(StartRepair(cluster)), cancellationToken);

    public Task<OperationResult> CleanupAsync(string cluster, IReadOnlyList<string>? nodes, string? keyspace, CancellationToken cancellationToken = default) =>
        CommandAsync($"cleanup {cluster}", () => Task.FromResult(Cleanup(cluster, nodes, keyspace)), cancellationToken);

    public Task<OperationResult> SetDatasetSizeAsync(string cluster, double sizeMb, CancellationToken cancellationToken = default) =>
        CommandAsync($"dataset of {cluster}: {sizeMb.ToString(CultureInfo.InvariantCulture)} MB", () => Task.FromResult(SetDataset(cluster, sizeMb)), cancellationToken);

    public Task<OperationResult> SetVersionAsync(string? cluster, string version, CancellationToken cancellationToken = default) =>
        CommandAsync($"version of {cluster ?? "the QUOBYTE cluster"}: '{version}'", () => Task.FromResult(SetVersion(cluster, version)), cancellationToken);

    /// <summary>The cluster if it exists, is of <paramref name="kind"/> and is not being deleted; else the refusal.</summary>
    private (ClusterRecord? Cluster, OperationResult? Refusal) Find(string name, ClusterKind kind)
    {
        if (!_clusters.TryGetValue(name, out var cluster))
        {
            return (null, OperationResult.NotFound($"no cluster {name}"));
        }

        if (cluster.Spec.Kind != kind)
        {
            return (null, OperationResult.Conflict($"cluster {name} is {cluster.Spec.Kind.ToString().ToUpperInvariant()}, not {kind.ToString().ToUpperInvariant()}"));
        }

        return cluster.Deleting ? (null, OperationResult.Conflict($"cluster {name} is being deleted")) : (cluster, null);
    }

    private OperationResult StartRepair(string name)
    {
        var (cluster, refusal) = Find(name, ClusterKind.Cassandra);
        if (cluster is null)
        {
            return refusal!;
        }

        var (plan, state, message) = CassandraPlanner.RepairNow(Context(cluster));
        if (plan is null)
        {
            return OperationResult.Conflict($"cluster {name}: {message}");
        }

        Save(plan);
        KeepServiceState(name, state);
        return OperationResult.Ok(message);
    }

    private OperationResult Cleanup(string name, IReadOnlyList<string>? nodes, string? keyspace)
    {
        var (cluster, refusal) = Find(name, ClusterKind.Cassandra);
        if (cluster is null)
        {
            return refusal!;
        }

        var errors = new List<SpecError>();
        for (var i = 0; i < (nodes?.Count ?? 0); i++)
        {
            if (Node(name, nodes![i]) is not { Goal: NodeGoal.Run })
            {
                errors.Add(new SpecError($"nodes[{i}]", $"'{nodes[i]}' is not a node of {name} that stays in the ring"));
            }
        }

        if (keyspace is not null && !CassandraKeyspace(keyspace))
        {
            errors.Add(new SpecError("keyspace", $"'{keyspace}' is not a Cassandra identifier (letters, digits, '_', at most 48)"));
        }

        if (errors.Count > 0)
        {
            return OperationResult.Invalid(errors);
        }

        var (plan, state, message) = CassandraPlanner.CleanupNow(Context(cluster), nodes, keyspace);
        if (plan is null)
        {
            return OperationResult.Conflict($"cluster {name}: {message}");
        }

        Save(plan);
        KeepServiceState(name, state);
        return OperationResult.Ok(message);
    }

    private static bool CassandraKeyspace(string keyspace) =>
        keyspace.Length is > 0 and <= 48 && keyspace.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>The largest dataset size accepted (MB): an exabyte.</summary>
    public const double MaxDatasetMb = 1e12;

    private OperationResult SetDataset(string name, double sizeMb)
    {
        if (!double.IsFinite(sizeMb) || sizeMb < 0 || sizeMb > MaxDatasetMb)
        {
            return OperationResult.Invalid("size_mb", $"{sizeMb.ToString(CultureInfo.InvariantCulture)} is outside 0..{MaxDatasetMb.ToString(CultureInfo.InvariantCulture)} (MB)");
        }

        var (cluster, refusal) = Find(name, ClusterKind.Drill);
        if (cluster is null)
        {
            return refusal!;
        }

        if (cluster.Spec.DrillMax() is not { } max)
        {
            return OperationResult.Conflict($"cluster {name} is not sized on demand: give its spec drill.max_drillbits (and qsf_mb, min_drillbits) first");
        }

        var (count, state, message) = DrillPlanner.StateDataset(Context(cluster), sizeMb, max);
        var changed = cluster with { Service = state };
        if (count is { } more)
        {
            changed = changed with { Spec = changed.Spec with { Count = more } };
        }

        Save(changed);
        if (count is not null)
        {
            RebuildDeployPlan(changed);
        }

        return OperationResult.Ok(message);
    }

    private OperationResult SetVersion(string? name, string version)
    {
        version = version.Trim();
        if (version.Length > 0 && !ClusterSpecValidator.IsValidVersion(version))
        {
            return OperationResult.Invalid("version", $"'{(version.Length <= 64 ? version : version[..64] + "…")}' is not a version: letters, digits, '.', '_', '+', '~' and '-', at most 64 (empty: stop every service)");
        }

        ClusterRecord? cluster;
        if (name is null)
        {
            var quobytes = _clusters.Values.Where(c => c.Spec.Kind == ClusterKind.Quobyte && !c.Deleting).ToList();
            if (quobytes.Count == 0)
            {
                return OperationResult.NotFound("no QUOBYTE cluster: create one first (PUT /v1/clusters/<name> with kind QUOBYTE and its quobyte section)");
            }

            if (quobytes.Count > 1)
            {
                return OperationResult.Conflict($"{quobytes.Count} QUOBYTE clusters ({string.Join(", ", quobytes.Select(c => c.Name))}): name one, /v1/clusters/<name>/version");
            }

            cluster = quobytes[0];
        }
        else
        {
            (cluster, var refusal) = Find(name, ClusterKind.Quobyte);
            if (cluster is null)
            {
                return refusal!;
            }
        }

        var current = QuobytePlanner.State(Context(cluster)).Current;
        var target = cluster.Spec.Version;
        if (version == target)
        {
            return OperationResult.Ok(version.Length == 0 ? $"{cluster.Name}: already stopped" : $"{cluster.Name}: already at {version}");
        }

        var from = target.Length > 0 ? target : current;
        if (version.Length > 0 && from.Length > 0 && Versions.Compare(version, from) < 0)
        {
            return OperationResult.Conflict($"{cluster.Name}: {version} is older than {from}; Quobyte's services are upgraded, not downgraded (stop with an empty version first to deploy an older one)");
        }

        var result = PutCluster(cluster.Spec with { Version = version });
        if (!result.IsOk)
        {
            return result;
        }

        return OperationResult.Ok(version.Length == 0
            ? $"{cluster.Name}: stopping every service (webconsole and api first, registry last)"
            : from.Length == 0
                ? $"{cluster.Name}: deploying {version}: registry, then metadata, then data, each healthy before the next"
                : $"{cluster.Name}: upgrading {from} to {version}, one service at a time, registry first");
    }
}
