using System.Globalization;
using Drover.Scheduler.Model;

namespace Drover.Scheduler.Plans.Drill;

/// <summary>
/// Apache Drill on demand (the Dromedar design's QSF, implemented): an operator or a client states the size of the
/// dataset about to be queried; the cluster then runs ceil(size / qsf_mb) drillbits, bounded by min_drillbits and
/// max_drillbits. More start at once (in parallel: a query is waiting); fewer only after the idle period without a
/// request for more, each drillbit leaving through Drill's graceful shutdown, which its executor runs when the task
/// is killed (drained and unregistered before SIGTERM; no admin operation before the kill, see ServiceKinds). The
/// drillbits register themselves in the cluster's ZooKeeper under its cluster-id, where SQL clients find them.
/// </summary>
public sealed class DrillPlanner : ServicePlanner
{
    public const string UserPort = "user";

    /// <summary>Everything but the count, placement, replace_after and the drill section (sizing only).</summary>
    public override string RolloutKey(ClusterSpec spec) =>
        ClusterSpecJson.Serialize(spec with { Count = 0, Placement = new(), ReplaceAfter = null, Drill = null });

    /// <summary>
    /// Existing drillbits one at a time (a rolling update: each healthy before the next); new ones all at once;
    /// surplus ones highest first, each through graceful shutdown.
    /// </summary>
    public override Plan DeployPlan(PlanningContext context, Plan? old)
    {
        var steps = DeployPlans.OldSteps(old);
        var count = DeployPlans.WantedCount(context.Cluster);
        var existing = new List<Step>();
        var added = new List<Step>();
        for (var i = 0; i < count; i++)
        {
            var name = DeployPlans.NodeName(context.Cluster.Name, i);
            (context.Node(name) is null ? added : existing).Add(DeployPlans.Carry(steps, new Step { Name = name, Action = new RunNode(name) }));
        }

        var phases = new List<Phase>();
        DeployPlans.AddPhase(phases, "drillbits", Strategy.Serial, existing);
        DeployPlans.AddPhase(phases, "scale-up", Strategy.Parallel, added);
        DeployPlans.AddPhase(phases, "scale-down", Strategy.Serial, ScaleDown(context, steps, count));
        return DeployPlans.Make(context, old, phases);
    }

    public static DrillState State(PlanningContext context) => context.Service.Drill ?? new DrillState();

    /// <summary>The drillbits a dataset of <paramref name="sizeMb"/> asks for: ceil(size / qsf), within the bounds.</summary>
    public static int DrillbitsFor(ClusterSpec spec, double sizeMb, int max) =>
        (int)Math.Clamp(Math.Ceiling(sizeMb / spec.DrillQsfMb()), spec.DrillMin(), max);

    /// <summary>
    /// A stated dataset size: more drillbits at once (the new count), fewer after the idle period (the count stays
    /// until then). Null count: no change now. The message says what happens.
    /// </summary>
    public static (int? Count, ServiceState State, string Message) StateDataset(PlanningContext context, double sizeMb, int max)
    {
        var spec = context.Spec;
        var desired = DrillbitsFor(spec, sizeMb, max);
        var count = spec.CountOrZero();
        var state = State(context) with { DatasetMb = sizeMb, StatedAt = context.Now, Desired = desired };
        var size = sizeMb.ToString("0.###", CultureInfo.InvariantCulture);
        var why = $"{size} MB at {spec.DrillQsfMb().ToString("0.###", CultureInfo.InvariantCulture)} MB per drillbit, within {spec.DrillMin()}..{max}: {desired} drillbit(s)";
        if (desired > count)
        {
            return (desired, context.Service with { Drill = state with { ScaleDownAt = null } }, $"{why}; {desired - count} more start now");
        }

        if (desired == count)
        {
            return (null, context.Service with { Drill = state with { ScaleDownAt = null } }, $"{why}; the cluster has them");
        }

        // Idle since the first statement that asked for fewer: a later smaller one does not push the scale down back.
        var at = State(context).ScaleDownAt ?? context.Now + spec.DrillIdle();
        return (null, context.Service with { Drill = state with { ScaleDownAt = at } }, $"{why}; {count - desired} leave at {at:O} unless more are asked for before");
    }

    public override PlannerUpdate? Tick(PlanningContext context)
    {
        var state = State(context);
        if (state.ScaleDownAt is not { } at || at > context.Now)
        {
            return null;
        }

        var count = context.Spec.CountOrZero();
        var desired = Math.Max(state.Desired ?? count, context.Spec.DrillMin());
        var cleared = context.Service with { Drill = state with { ScaleDownAt = null } };
        return new PlannerUpdate([], cleared, desired < count ? desired : null);
    }

    public override DateTimeOffset? WakeUp(PlanningContext context) => State(context).ScaleDownAt;

    public override ServiceView? View(PlanningContext context)
    {
        var state = State(context);
        var spec = context.Spec;
        return new ServiceView
        {
            Drill = new DrillView
            {
                QsfMb = spec.DrillQsfMb(),
                MinDrillbits = spec.DrillMin(),
                MaxDrillbits = spec.DrillMax(),
                IdlePeriodSeconds = spec.DrillIdle().TotalSeconds,
                DatasetMb = state.DatasetMb,
                StatedAt = state.StatedAt,
                Desired = state.Desired,
                Count = spec.CountOrZero(),
                ScaleDownAt = state.ScaleDownAt,
                ClusterId = spec.Config.GetValueOrDefault("cluster_id") ?? spec.Name,
                ZkRoot = spec.Config.GetValueOrDefault("zk_root") ?? "drill",
                Drillbits = [.. context.Nodes.Select(n => new DrillbitView
                {
                    Node = n.Name,
                    Host = n.Hostname,
                    UserPort = n.Ports.TryGetValue(UserPort, out var port) ? port : null,
                    User = n.Hostname is { } host && n.Ports.TryGetValue(UserPort, out var user) ? $"{host}:{user.ToString(CultureInfo.InvariantCulture)}" : null,
                    Phase = n.Phase,
                    Healthy = n.Healthy,
                })],
            },
        };
    }
}
