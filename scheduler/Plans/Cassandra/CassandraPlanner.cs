using System.Globalization;
using System.Text.RegularExpressions;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.State;

namespace Drover.Scheduler.Plans.Cassandra;

/// <summary>
/// A Cassandra ring, as the Cassandra framework design and DataStax's add-node and replace-node procedures have it:
/// <list type="bullet">
/// <item>deploy: every seed reserved first (its address known), then the seeds started one after another, each
/// healthy (OperationMode NORMAL) before the next; then the other nodes, one bootstrap at a time, each after the
/// bootstrap gap; every node's NodeSpec.seeds lists all the seeds, from its first launch;</item>
/// <item>every node's Host ID is asked once it is healthy, so that a node gone for good can be removed from the
/// ring by <c>nodetool removenode</c> on a live node;</item>
/// <item>a node placed afresh where it had joined the ring before (replaced after replace_after, or its agent gone)
/// starts with <c>-Dcassandra.replace_address_first_boot=&lt;old address&gt;</c> and takes over its tokens;</item>
/// <item>scale down: decommission through the executor (removenode from a live node when the node does not run);</item>
/// <item>repair rounds of <c>nodetool repair -pr</c>, one node at a time, every <c>repair.interval</c> (default half
/// of gc_grace_seconds), each run's result kept per node; cleanup only when an operator asks, on the nodes a
/// scale-up left needing it.</item>
/// </list>
/// </summary>
public sealed partial class CassandraPlanner : ServicePlanner
{
    public const string RepairPlan = "repair";
    public const string CleanupPlan = "cleanup";

    /// <summary>Service step purposes.</summary>
    public const string Gap = "gap";
    public const string HostId = "host-id";
    public const string Repair = "repair";
    public const string Cleanup = "cleanup";
    public const string RemoveFromRing = "removenode";

    /// <summary>The storage port: a node's address in the ring is its host and this port.</summary>
    public const string StoragePort = "storage";

    public const int HistoryKept = 100;
    private const int RepairAttempts = 3;
    private static readonly TimeSpan RepairRetry = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan QuickRetry = TimeSpan.FromSeconds(10);

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", RegexOptions.CultureInvariant)]
    private static partial Regex UuidPattern();

    /// <summary>Everything but the count, placement, replace_after, the bootstrap gap and the repair schedule.</summary>
    public override string RolloutKey(ClusterSpec spec) => ClusterSpecJson.Serialize(spec with
    {
        Count = 0,
        Placement = new(),
        ReplaceAfter = null,
        Cassandra = (spec.Cassandra ?? new CassandraSpec()) with { BootstrapGap = null, Repair = new() },
    });

    public override Plan DeployPlan(PlanningContext context, Plan? old)
    {
        var steps = DeployPlans.OldSteps(old);
        var count = DeployPlans.WantedCount(context.Cluster);
        var seeds = Math.Min(context.Spec.CassandraSeeds(), count);
        var reserveSteps = new List<Step>();
        var seedSteps = new List<Step>();
        var nodeSteps = new List<Step>();
        for (var i = 0; i < count; i++)
        {
            var name = DeployPlans.NodeName(context.Cluster.Name, i);
            if (i < seeds && seeds > 1)
            {
                // Every seed is placed before the first starts: a seed's address (host, storage port) is known only
                // once it holds its reservation, and each seed starts with every seed's address in its seed list.
                reserveSteps.Add(DeployPlans.Carry(steps, new Step { Name = $"reserve-{name}", Action = new ReserveNode(name) }));
            }

            var into = i < seeds ? seedSteps : nodeSteps;
            if (i >= seeds)
            {
                // One bootstrap at a time, the gap after the last: Cassandra's consistent range movement.
                into.Add(DeployPlans.Carry(steps, new Step { Name = $"gap-{name}", Action = new ServiceStep(name, Gap) }));
            }

            into.Add(DeployPlans.Carry(steps, new Step { Name = name, Action = new RunNode(name) }));
            into.Add(DeployPlans.Carry(steps, new Step { Name = $"host-id-{name}", Action = new ServiceStep(name, HostId) }));
        }

        var scaleDown = new List<Step>();
        foreach (var node in context.Nodes.Where(n => n.Index >= count).OrderByDescending(n => n.Index))
        {
            scaleDown.Add(DeployPlans.Carry(steps, new Step { Name = $"removenode-{node.Name}", Action = new ServiceStep(node.Name, RemoveFromRing, Leaves: true) }));
            scaleDown.Add(DeployPlans.Carry(steps, new Step { Name = $"remove-{node.Name}", Action = new RemoveNode(node.Name, ServiceKinds.LeaveOperation(ClusterKind.Cassandra)) }));
        }

        var phases = new List<Phase>();
        DeployPlans.AddPhase(phases, "reserve-seeds", Strategy.Parallel, reserveSteps);
        DeployPlans.AddPhase(phases, "seeds", Strategy.Serial, seedSteps);
        DeployPlans.AddPhase(phases, "nodes", Strategy.Serial, nodeSteps);
        DeployPlans.AddPhase(phases, "scale-down", Strategy.Serial, scaleDown);
        return DeployPlans.Make(context, old, phases);
    }

    public override void Decorate(V1.NodeSpec nodeSpec, PlanningContext context, NodeRecord node)
    {
        var state = State(context);
        var fixedStorage = context.Spec.Ports.Any(p => p.Name == StoragePort && p.Port is not null);
        var replaces = Replaces(node, state);
        var seeds = SeedNames(context)
            .Select(context.Node)
            .Where(n => n is { Hostname: not null } && n.Ports.ContainsKey(StoragePort) && !(replaces is not null && n.Name == node.Name))
            .Select(n => Address(n!.Hostname!, n.Ports, fixedStorage))
            .ToList();
        if (seeds.Count == 0 && replaces is not null)
        {
            // A replacement must bootstrap, so it cannot seed itself: it learns the ring from any live member.
            seeds = [.. context.HealthyMembers.Where(n => n.Name != node.Name && n.Hostname is not null && n.Ports.ContainsKey(StoragePort))
                .Select(n => Address(n.Hostname!, n.Ports, fixedStorage))];
        }

        nodeSpec.Seeds.AddRange(seeds);
        var options = (context.Spec.Cassandra?.JvmOptions ?? []).ToList();
        if (replaces is not null)
        {
            options.Add($"-Dcassandra.replace_address_first_boot={Address(replaces.Host, replaces.Ports, fixedStorage)}");
        }

        if (options.Count > 0)
        {
            nodeSpec.Environment[ClusterSpecValidator.CassandraJvmVariable] = string.Join(' ', options);
        }
    }

    /// <summary>
    /// The address a node placed afresh takes over, when it had joined the ring at its previous place (it has a Host
    /// ID from then); a node that never joined bootstraps as a new one.
    /// </summary>
    public static NodeAddress? Replaces(NodeRecord node, CassandraState state) =>
        node.Previous is { } previous && state.HostIds.TryGetValue(node.Name, out var known) && known.Placement < node.Placements ? previous : null;

    /// <summary>host, or host:port when the storage port differs from node to node (Cassandra 4 takes both).</summary>
    private static string Address(string host, IReadOnlyDictionary<string, int> ports, bool fixedStorage) =>
        fixedStorage || !ports.TryGetValue(StoragePort, out var port) ? host : $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";

    public static IEnumerable<string> SeedNames(PlanningContext context)
    {
        var seeds = Math.Min(context.Spec.CassandraSeeds(), DeployPlans.WantedCount(context.Cluster));
        return Enumerable.Range(0, seeds).Select(i => DeployPlans.NodeName(context.Cluster.Name, i));
    }

    public static CassandraState State(PlanningContext context) => context.Service.Cassandra ?? new CassandraState();

    private static ServiceState With(PlanningContext context, CassandraState state) => context.Service with { Cassandra = state };

    // ---- the ring's own times: complete, repair rounds -------------------------------------------------------------

    public override PlannerUpdate? Tick(PlanningContext context)
    {
        var state = State(context);
        var changed = state;
        var deployed = context.Plan(DeployPlans.Deploy) is { Status: PlanStatus.Complete } && DeployPlans.WantedCount(context.Cluster) > 0;
        if (changed.RingComplete is null && deployed)
        {
            changed = changed with { RingComplete = context.Now };
        }

        var enabled = context.Spec.RepairEnabled();
        if (enabled && changed.RingComplete is not null && changed.Repair.NextRound is null)
        {
            changed = changed with { Repair = changed.Repair with { NextRound = context.Now + context.Spec.RepairInterval() } };
        }

        var plans = new List<Plan>();
        if (enabled && deployed && changed.Repair.NextRound <= context.Now && !RoundRunning(context))
        {
            var (plan, repair) = Round(context, changed.Repair);
            plans.Add(plan);
            changed = changed with { Repair = repair };
        }

        if (deployed && MissingHostIds(context, changed) is { } hostIds)
        {
            plans.Add(hostIds);
        }

        return changed == state && plans.Count == 0 ? null : new PlannerUpdate(plans, With(context, changed));
    }

    public const string HostIdsPlan = "host-ids";

    /// <summary>
    /// Healthy nodes whose Host ID at their current placement is not known (a node replaced or placed afresh outside
    /// the deploy plan): asked, so that removenode always has the right id.
    /// </summary>
    private static Plan? MissingHostIds(PlanningContext context, CassandraState state)
    {
        if (context.Plan(HostIdsPlan) is { Status: PlanStatus.Pending or PlanStatus.InProgress or PlanStatus.Interrupted })
        {
            return null;
        }

        var unknown = context.HealthyMembers
            .Where(n => !(state.HostIds.TryGetValue(n.Name, out var known) && known.Placement >= n.Placements))
            .Select(n => new Step { Name = $"host-id-{n.Name}", Action = new ServiceStep(n.Name, HostId) })
            .ToList();
        return unknown.Count == 0 ? null : new Plan
        {
            Name = HostIdsPlan,
            Cluster = context.Cluster.Name,
            Strategy = Strategy.Serial,
            Created = context.Now,
            Phases = [new Phase { Name = HostIdsPlan, Strategy = Strategy.Serial, Steps = unknown }],
        };
    }

    public override DateTimeOffset? WakeUp(PlanningContext context) =>
        context.Spec.RepairEnabled() && !RoundRunning(context) ? State(context).Repair.NextRound : null;

    private static bool RoundRunning(PlanningContext context) =>
        context.Plan(RepairPlan) is { Status: PlanStatus.Pending or PlanStatus.InProgress or PlanStatus.Interrupted };

    /// <summary>A repair round: every node in order, one at a time; the next round is due an interval after this one started.</summary>
    private static (Plan Plan, RepairState State) Round(PlanningContext context, RepairState repair)
    {
        var round = repair.Rounds + 1;
        var steps = context.Nodes.Where(n => n.Goal == NodeGoal.Run).OrderBy(n => n.Index)
            .Select(n => new Step { Name = $"repair-{n.Name}", Action = new ServiceStep(n.Name, Repair) })
            .ToList();
        var plan = new Plan
        {
            Name = RepairPlan,
            Cluster = context.Cluster.Name,
            Strategy = Strategy.Serial,
            Created = context.Now,
            Phases = [new Phase { Name = $"round-{round.ToString(CultureInfo.InvariantCulture)}", Strategy = Strategy.Serial, Steps = steps }],
        };
        return (plan, repair with { Rounds = round, RoundStarted = context.Now, NextRound = context.Now + context.Spec.RepairInterval() });
    }

    /// <summary>An operator's "repair now": a round at once (refused while one runs).</summary>
    public static (Plan? Plan, ServiceState? State, string Message) RepairNow(PlanningContext context)
    {
        if (RoundRunning(context))
        {
            return (null, null, "a repair round is already running");
        }

        if (context.Plan(DeployPlans.Deploy) is not { Status: PlanStatus.Complete })
        {
            return (null, null, "the ring is not deployed yet (its deploy plan is not complete)");
        }

        var state = State(context);
        var (plan, repair) = Round(context, state.Repair);
        return (plan, With(context, state with { Repair = repair }), $"repair round {repair.Rounds} started");
    }

    /// <summary>An operator's cleanup: the named nodes (default: those that need it), one at a time.</summary>
    public static (Plan? Plan, ServiceState? State, string Message) CleanupNow(PlanningContext context, IReadOnlyList<string>? nodes, string? keyspace)
    {
        if (context.Plan(CleanupPlan) is { Status: PlanStatus.Pending or PlanStatus.InProgress or PlanStatus.Interrupted })
        {
            return (null, null, "a cleanup is already running");
        }

        var state = State(context);
        var targets = (nodes is { Count: > 0 } ? nodes : state.CleanupNeeded).Distinct(StringComparer.Ordinal).ToList();
        if (targets.Count == 0)
        {
            return (null, null, "no node needs cleanup (name nodes to clean up anyway)");
        }

        var plan = new Plan
        {
            Name = CleanupPlan,
            Cluster = context.Cluster.Name,
            Strategy = Strategy.Serial,
            Created = context.Now,
            Phases = [new Phase
            {
                Name = CleanupPlan,
                Strategy = Strategy.Serial,
                Steps = [.. targets.Select(n => new Step { Name = $"cleanup-{n}", Action = new ServiceStep(n, Cleanup) })],
            }],
        };
        return (plan, With(context, state with { CleanupKeyspace = keyspace }), $"cleanup of {string.Join(", ", targets)} started");
    }

    // ---- service steps ---------------------------------------------------------------------------------------------

    public override Prepared Prepare(Step step, ServiceStep action, PlanningContext context)
    {
        var state = State(context);
        var node = action.NodeName is { } name ? context.Node(name) : null;
        switch (action.Operation)
        {
            case Gap:
                if (node is not null && state.HostIds.TryGetValue(node.Name, out var id) && id.Placement >= node.Placements)
                {
                    return new Prepared.Skip("already in the ring");
                }

                var until = state.LastBootstrap + context.Spec.CassandraBootstrapGap();
                return until > context.Now
                    ? new Prepared.WaitUntil(until.Value, $"bootstrap gap: the last bootstrap ended at {state.LastBootstrap:O}; waiting until {until:O}")
                    : new Prepared.Skip("no bootstrap within the gap");
            case HostId:
                if (node is null)
                {
                    return new Prepared.Skip("the node is gone");
                }

                if (state.HostIds.TryGetValue(node.Name, out var known) && known.Placement >= node.Placements)
                {
                    return new Prepared.Skip($"host id {known.HostId}");
                }

                return context.IsHealthy(node)
                    ? new Prepared.Send(node.Name, HostId, new Dictionary<string, string>())
                    : new Prepared.Wait("waiting for the node to be healthy");
            case Repair:
                return PrepareRepair(context, node, state);
            case Cleanup:
                if (node is null || !context.IsHealthy(node))
                {
                    return new Prepared.Wait("waiting for the node to be healthy");
                }

                var arguments = new Dictionary<string, string>();
                if (state.CleanupKeyspace is { } keyspace)
                {
                    arguments["keyspace"] = keyspace;
                }

                return new Prepared.Send(node.Name, Cleanup, arguments);
            case RemoveFromRing:
                return PrepareRemoveNode(context, node, state);
            default:
                return base.Prepare(step, action, context);
        }
    }

    private static Prepared PrepareRepair(PlanningContext context, NodeRecord? node, CassandraState state)
    {
        if (node is null)
        {
            return new Prepared.Skip("the node is gone");
        }

        if (context.Plan(DeployPlans.Deploy) is not { Status: PlanStatus.Complete })
        {
            return new Prepared.Wait("waiting for the deploy plan to complete (no repair while nodes bootstrap or restart)");
        }

        if (!context.IsHealthy(node))
        {
            var skipped = Record(context, state, node.Name, context.Now, RepairOutcome.Skipped, $"not running ({node.Phase}) when its turn came");
            return new Prepared.Skip($"skipped: the node is {node.Phase}; repaired in the next round", With(context, skipped));
        }

        var arguments = new Dictionary<string, string> { ["primary_range"] = "true" };
        if (context.Spec.Cassandra?.Repair?.Keyspace is { } keyspace)
        {
            arguments["keyspace"] = keyspace;
        }

        return new Prepared.Send(node.Name, Repair, arguments);
    }

    private static Prepared PrepareRemoveNode(PlanningContext context, NodeRecord? node, CassandraState state)
    {
        if (node is null)
        {
            return new Prepared.Skip("the node is gone");
        }

        switch (node.Phase)
        {
            case NodePhase.Running or NodePhase.Leaving:
                return new Prepared.Skip("it runs: it leaves the ring by decommission");
            case NodePhase.Launching or NodePhase.Starting or NodePhase.Killing:
                return new Prepared.Wait($"waiting for the node to run (then it decommissions) or to stop ({node.Phase})");
        }

        if (!state.HostIds.TryGetValue(node.Name, out var known))
        {
            return new Prepared.Skip("it never joined the ring");
        }

        var live = context.HealthyMembers.FirstOrDefault(n => n.Name != node.Name && n.Index < DeployPlans.WantedCount(context.Cluster));
        return live is null
            ? new Prepared.Wait("waiting for a live node to run removenode on")
            : new Prepared.Send(live.Name, RemoveFromRing, new Dictionary<string, string> { ["host_id"] = known.HostId });
    }

    public override Settled Settle(Step step, ServiceStep action, PlanningContext context, AdminOperationState outcome, string output)
    {
        var state = State(context);
        var ok = outcome == AdminOperationState.Succeeded;
        var name = action.NodeName ?? "";
        switch (action.Operation)
        {
            case HostId:
                return SettleHostId(step, context, state, name, ok, output);
            case Repair:
                if (ok)
                {
                    return new Settled.Done($"repaired: {Brief(output)}", With(context, Record(context, state, name, step.Started ?? context.Now, RepairOutcome.Succeeded, output)));
                }

                if (step.Attempts + 1 < RepairAttempts)
                {
                    return new Settled.Retry(RepairRetry, $"repair {outcome}: {Brief(output)}; trying again at {context.Now + RepairRetry:O}");
                }

                return new Settled.Failed($"repair {outcome} {RepairAttempts} times: {Brief(output)}", With(context, Record(context, state, name, step.Started ?? context.Now, RepairOutcome.Failed, output)));
            case Cleanup:
                return ok
                    ? new Settled.Done($"cleaned up: {Brief(output)}", With(context, state with { CleanupNeeded = [.. state.CleanupNeeded.Where(n => n != name)] }))
                    : new Settled.Failed($"cleanup {outcome}: {Brief(output)}");
            case RemoveFromRing:
                if (ok || output.Contains("not found", StringComparison.OrdinalIgnoreCase))
                {
                    return new Settled.Done($"removed from the ring: {Brief(output)}", With(context, state with { CleanupNeeded = [.. state.CleanupNeeded.Where(n => n != name)] }));
                }

                return step.Attempts + 1 < RepairAttempts
                    ? new Settled.Retry(QuickRetry, $"removenode {outcome}: {Brief(output)}; trying again")
                    : new Settled.Failed($"removenode {outcome}: {Brief(output)}");
            default:
                return base.Settle(step, action, context, outcome, output);
        }
    }

    private static Settled SettleHostId(Step step, PlanningContext context, CassandraState state, string name, bool ok, string output)
    {
        var match = UuidPattern().Match(output);
        if (!ok || !match.Success)
        {
            return step.Attempts + 1 < 6
                ? new Settled.Retry(QuickRetry, $"host id not read ({Brief(output)}); trying again")
                : new Settled.Failed($"host id not read: {Brief(output)}");
        }

        if (context.Node(name) is not { } node)
        {
            return new Settled.Done("the node is gone");
        }

        var hostId = match.Value.ToLowerInvariant();
        var isNew = !state.HostIds.ContainsKey(name);
        var seed = SeedNames(context).Contains(name);
        var ids = new Dictionary<string, HostIdRecord>(state.HostIds) { [name] = new HostIdRecord(hostId, node.Placements, context.Now) };
        var next = state with { HostIds = ids };
        if (!seed)
        {
            next = next with { LastBootstrap = context.Now };
        }

        if (isNew && state.RingComplete is not null)
        {
            // A scale-up: the nodes that were in the ring gave ranges to this one; their copies stay until cleanup.
            var owners = state.HostIds.Keys.Where(n => n != name && context.Node(n) is { Goal: NodeGoal.Run });
            next = next with { CleanupNeeded = [.. state.CleanupNeeded.Union(owners).Order(StringComparer.Ordinal)] };
        }

        return new Settled.Done($"host id {hostId}", With(context, next));
    }

    private static CassandraState Record(PlanningContext context, CassandraState state, string node, DateTimeOffset started, RepairOutcome outcome, string output)
    {
        var run = new RepairRun(node, state.Repair.Rounds, started, context.Now, outcome, Brief(output));
        var last = new Dictionary<string, RepairRun>(state.Repair.Last) { [node] = run };
        var success = new Dictionary<string, DateTimeOffset>(state.Repair.LastSuccess);
        if (outcome == RepairOutcome.Succeeded)
        {
            success[node] = context.Now;
        }

        return state with
        {
            Repair = state.Repair with { Last = last, LastSuccess = success, History = [run, .. state.Repair.History.Take(HistoryKept - 1)] },
        };
    }

    public override ServiceView? View(PlanningContext context)
    {
        var state = State(context);
        var grace = context.Spec.GcGrace();
        return new ServiceView
        {
            Cassandra = new CassandraView
            {
                Seeds = [.. SeedNames(context)],
                CleanupNeeded = state.CleanupNeeded,
                HostIds = state.HostIds.ToDictionary(h => h.Key, h => h.Value.HostId, StringComparer.Ordinal),
                Repair = new RepairView
                {
                    Enabled = context.Spec.RepairEnabled(),
                    GcGraceSeconds = grace.TotalSeconds,
                    IntervalSeconds = context.Spec.RepairInterval().TotalSeconds,
                    NextRound = state.Repair.NextRound,
                    Rounds = state.Repair.Rounds,
                    RoundStarted = state.Repair.RoundStarted,
                    Nodes = [.. context.Nodes.Select(n => new RepairNodeView
                    {
                        Node = n.Name,
                        Last = state.Repair.Last.GetValueOrDefault(n.Name),
                        LastSuccess = state.Repair.LastSuccess.TryGetValue(n.Name, out var at) ? at : null,
                        DueBy = (state.Repair.LastSuccess.TryGetValue(n.Name, out var success) ? success : state.RingComplete) + grace,
                    })],
                    History = state.Repair.History,
                },
            },
        };
    }
}
