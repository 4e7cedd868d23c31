using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.State;

namespace Drover.Scheduler.Plans;

/// <summary>
/// The GENERIC behaviour, which each kind's planner refines: every node shaped as the spec says, a deploy plan
/// running the wanted nodes one at a time (each healthy before the next, a rolling update when the generation
/// changed) and removing the surplus highest first through the kind's leave operation; no service steps.
/// </summary>
public class ServicePlanner : IServicePlanner
{
    public virtual bool SpreadAcrossAgents => false;

    public virtual NodeShape Shape(ClusterSpec spec, string node) => new()
    {
        Resources = spec.Resources!,
        Ports = spec.Ports,
        Placement = spec.Placement,
        RequiredPorts = ServiceKinds.RequiredPorts(spec.Kind),
    };

    /// <summary>Everything but the count, the placement and replace_after.</summary>
    public virtual string RolloutKey(ClusterSpec spec) =>
        ClusterSpecJson.Serialize(spec with { Count = 0, Placement = new(), ReplaceAfter = null });

    public virtual Plan DeployPlan(PlanningContext context, Plan? old)
    {
        var steps = DeployPlans.OldSteps(old);
        var count = DeployPlans.WantedCount(context.Cluster);
        var run = new List<Step>();
        for (var i = 0; i < count; i++)
        {
            var name = DeployPlans.NodeName(context.Cluster.Name, i);
            run.Add(DeployPlans.Carry(steps, new Step { Name = name, Action = new RunNode(name) }));
        }

        var phases = new List<Phase>();
        DeployPlans.AddPhase(phases, "nodes", Strategy.Serial, run);
        DeployPlans.AddPhase(phases, "scale-down", Strategy.Serial, ScaleDown(context, steps, count));
        return DeployPlans.Make(context, old, phases);
    }

    /// <summary>The nodes past the count, highest first, each leaving through the kind's leave operation.</summary>
    protected static List<Step> ScaleDown(PlanningContext context, Dictionary<string, Step> old, int count) =>
        [.. context.Nodes.Where(n => n.Index >= count).OrderByDescending(n => n.Index).Select(node => DeployPlans.Carry(old, new Step
        {
            Name = "remove-" + node.Name,
            Action = new RemoveNode(node.Name, ServiceKinds.LeaveOperation(context.Spec.Kind)),
        }))];

    public virtual void Decorate(V1.NodeSpec nodeSpec, PlanningContext context, NodeRecord node)
    {
    }

    public virtual PlannerUpdate? Tick(PlanningContext context) => null;

    public virtual DateTimeOffset? WakeUp(PlanningContext context) => null;

    public virtual Prepared Prepare(Step step, ServiceStep action, PlanningContext context) =>
        new Prepared.Fail($"a {context.Spec.Kind} cluster has no service step '{action.Operation}'");

    public virtual Settled Settle(Step step, ServiceStep action, PlanningContext context, AdminOperationState outcome, string output) =>
        new Settled.Failed($"a {context.Spec.Kind} cluster has no service step '{action.Operation}'");

    public virtual ServiceView? View(PlanningContext context) => null;

    /// <summary>The first line of an operation's output, bounded: what a step's message shows.</summary>
    protected static string Brief(string output)
    {
        var line = output.Trim().Split('\n', 2)[0].Trim();
        return line.Length <= 200 ? line : line[..200] + "…";
    }
}

/// <summary>What every kind's deploy plan is built with.</summary>
public static class DeployPlans
{
    public const string Deploy = "deploy";

    public static string NodeName(string cluster, int index) => $"{cluster}-{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>How many nodes the cluster should have now (none while it is being deleted).</summary>
    public static int WantedCount(ClusterRecord cluster) => cluster.Deleting ? 0 : cluster.Spec.CountOrZero();

    public static Dictionary<string, Step> OldSteps(Plan? old) => old?.Steps.ToDictionary(s => s.Name, StringComparer.Ordinal) ?? [];

    public static void AddPhase(List<Phase> phases, string name, Strategy strategy, List<Step> steps)
    {
        if (steps.Count > 0)
        {
            phases.Add(new Phase { Name = name, Strategy = strategy, Steps = steps });
        }
    }

    public static Plan Make(PlanningContext context, Plan? old, IReadOnlyList<Phase> phases, string name = Deploy) => new()
    {
        Name = name,
        Cluster = context.Cluster.Name,
        Strategy = Strategy.Serial,
        Interrupted = old?.Interrupted ?? false,
        Created = context.Now,
        Phases = phases,
    };

    /// <summary>
    /// A step of the same name and action as before keeps its progress. A completed RunNode or ServiceStep is
    /// checked again (a RunNode finds its node at the new generation or restarts it; a service step's planner
    /// finds whether there is anything left to do), so a rebuilt plan never skips work it had done for an older spec.
    /// </summary>
    public static Step Carry(Dictionary<string, Step> old, Step fresh)
    {
        if (!old.TryGetValue(fresh.Name, out var previous) || previous.Action != fresh.Action)
        {
            return fresh;
        }

        return new Step
        {
            Name = fresh.Name,
            Action = fresh.Action,
            Status = previous.Status == StepStatus.Complete && fresh.Action is RunNode or ServiceStep ? StepStatus.Pending : previous.Status,
            Message = previous.Message,
            Started = previous.Started,
            Finished = previous.Finished,
            Deadline = previous.Deadline,
            RequestId = previous.RequestId,
            Restarts = previous.Restarts,
            Baseline = previous.Baseline,
            Attempts = previous.Attempts,
        };
    }
}
