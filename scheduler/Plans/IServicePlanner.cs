using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.State;

namespace Drover.Scheduler.Plans;

/// <summary>
/// How one kind's cluster is born, grows, heals, shrinks and upgrades: pure decisions over what the scheduler
/// knows (<see cref="PlanningContext"/>), carried out by the scheduler's loop, which stays the one owner of the
/// state. A planner never acts itself: it builds plans, shapes nodes, adds to their NodeSpec, directs its
/// <see cref="ServiceStep"/>s, and returns what the cluster learnt as a new <see cref="ServiceState"/>.
/// Each kind's planner is in <c>Plans/&lt;Kind&gt;/</c>; <see cref="ServicePlanner"/> is the GENERIC behaviour.
/// </summary>
public interface IServicePlanner
{
    /// <summary>Place nodes on the agents holding fewest of the cluster's nodes first (an agent gets a second only when every known one has one).</summary>
    bool SpreadAcrossAgents { get; }

    /// <summary>What one node of the cluster needs and gets: resources, ports, placement, NodeSpec.config of its own.</summary>
    NodeShape Shape(ClusterSpec spec, string node);

    /// <summary>
    /// The parts of a spec that running nodes see: when they change, the cluster's generation increments and the
    /// change rolls through the nodes. Anything else (count, placement, schedules) applies without a restart.
    /// </summary>
    string RolloutKey(ClusterSpec spec);

    /// <summary>The cluster's deploy plan for its current spec (first deploy, scale, update, delete); steps carried from <paramref name="old"/> keep their progress.</summary>
    Plan DeployPlan(PlanningContext context, Plan? old);

    /// <summary>Adds to a node's NodeSpec what depends on the rest of the cluster (seeds, replace address, JVM options, EPMD module).</summary>
    void Decorate(V1.NodeSpec nodeSpec, PlanningContext context, NodeRecord node);

    /// <summary>After every event: plans to start (a repair round), state to keep, a new count (a delayed scale down); null when nothing.</summary>
    PlannerUpdate? Tick(PlanningContext context);

    /// <summary>When <see cref="Tick"/> has something to do next, if at a time.</summary>
    DateTimeOffset? WakeUp(PlanningContext context);

    /// <summary>A service step starts (or starts again): what to send, or why not now.</summary>
    Prepared Prepare(Step step, ServiceStep action, PlanningContext context);

    /// <summary>The executor answered a service step's operation (or its node stopped before it could).</summary>
    Settled Settle(Step step, ServiceStep action, PlanningContext context, AdminOperationState outcome, string output);

    /// <summary>The kind's part of the operator's view of the cluster, if any.</summary>
    ServiceView? View(PlanningContext context);
}

/// <summary>Everything a planner decides on: the cluster, its nodes and plans, the clock. Read-only.</summary>
public sealed record PlanningContext(ClusterRecord Cluster, IReadOnlyList<NodeRecord> Nodes, IReadOnlyDictionary<string, Plan> Plans, DateTimeOffset Now)
{
    public ClusterSpec Spec => Cluster.Spec;

    public ServiceState Service => Cluster.Service;

    public NodeRecord? Node(string name) => Nodes.FirstOrDefault(n => n.Name == name);

    public Plan? Plan(string name) => Plans.GetValueOrDefault(name);

    /// <summary>Running, and healthy by its checks (or running at all when the cluster expects no health).</summary>
    public bool IsHealthy(NodeRecord node) =>
        node.Phase == NodePhase.Running && (node.Healthy == true || (!Spec.ExpectsHealth() && node.Healthy != false));

    /// <summary>Healthy and staying: its goal is to run.</summary>
    public IEnumerable<NodeRecord> HealthyMembers => Nodes.Where(n => n.Goal == NodeGoal.Run && IsHealthy(n));
}

/// <summary>What a service step does when it starts.</summary>
public abstract record Prepared
{
    private Prepared()
    {
    }

    /// <summary>Send <paramref name="Operation"/> to node <paramref name="Target"/>'s executor.</summary>
    public sealed record Send(string Target, string Operation, IReadOnlyDictionary<string, string> Arguments) : Prepared;

    /// <summary>Not yet: asked again after the next event (the step stays as it is).</summary>
    public sealed record Wait(string Why) : Prepared;

    /// <summary>Not before <paramref name="When"/> (a timer wakes the step).</summary>
    public sealed record WaitUntil(DateTimeOffset When, string Why) : Prepared;

    /// <summary>Nothing to do: the step is complete (with what the cluster learnt, if anything).</summary>
    public sealed record Skip(string Why, ServiceState? State = null) : Prepared;

    /// <summary>It cannot be done: the step fails (an operator restarts it).</summary>
    public sealed record Fail(string Why) : Prepared;
}

/// <summary>What a service step's answer means.</summary>
public abstract record Settled
{
    private Settled()
    {
    }

    public sealed record Done(string Message, ServiceState? State = null) : Settled;

    /// <summary>Prepare and send it again after <paramref name="After"/> (the step's attempts count up).</summary>
    public sealed record Retry(TimeSpan After, string Message, ServiceState? State = null) : Settled;

    public sealed record Failed(string Message, ServiceState? State = null) : Settled;
}

/// <summary>A planner's decision outside any step: plans to save (new or replaced), state to keep, a new node count.</summary>
public sealed record PlannerUpdate(IReadOnlyList<Plan> Plans, ServiceState? State = null, int? Count = null);

/// <summary>One node's shape: what it reserves, its ports, where it may go, and NodeSpec.config of its own.</summary>
public sealed record NodeShape
{
    public required NodeResources Resources { get; init; }

    public required IReadOnlyList<PortSpec> Ports { get; init; }

    public required PlacementSpec Placement { get; init; }

    /// <summary>Only on the agent of this hostname (null: anywhere the placement allows).</summary>
    public string? Host { get; init; }

    /// <summary>The port names the node's NodeSpec requires.</summary>
    public required IReadOnlyList<string> RequiredPorts { get; init; }

    /// <summary>Added to the NodeSpec's config (the node's role, for instance).</summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();
}
