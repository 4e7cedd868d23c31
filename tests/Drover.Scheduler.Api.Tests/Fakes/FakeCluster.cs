using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;

namespace Drover.Scheduler.Api.Tests.Fakes;

/// <summary>One cluster of the <see cref="FakeScheduler"/>: its spec, nodes and plans (real <see cref="Plan"/> objects).</summary>
internal sealed class FakeCluster
{
    private readonly List<NodeView> _nodes = [];
    private readonly List<Plan> _plans = [];

    public FakeCluster(ClusterSpec spec)
    {
        Spec = spec;
        Generation = 1;
        Resize();
        _plans.Add(DeployPlan("deploy"));
    }

    public ClusterSpec Spec { get; private set; }

    public long Generation { get; private set; }

    public bool Deleting { get; set; }

    public IReadOnlyList<NodeView> Nodes => _nodes;

    public IReadOnlyList<Plan> Plans => _plans;

    public void Update(ClusterSpec spec)
    {
        Spec = spec;
        Generation++;
        Resize();
        _plans.RemoveAll(p => p.Name == "update");
        _plans.Add(DeployPlan("update"));
    }

    public void SetNode(NodeView node) => _nodes[_nodes.FindIndex(n => n.Name == node.Name)] = node;

    /// <summary>Every node running, healthy, with its endpoints; every step complete.</summary>
    public void RunAll()
    {
        for (var i = 0; i < _nodes.Count; i++)
        {
            var node = _nodes[i];
            var host = $"agent-{node.Index + 1}.example";
            var ports = Spec.Ports.Select((p, j) => (p.Name, Port: p.Port ?? 31000 + (10 * node.Index) + j)).ToDictionary(p => p.Name, p => p.Port);
            _nodes[i] = node with
            {
                Phase = NodePhase.Running,
                Healthy = true,
                TaskId = $"drover.{Spec.Name}.{node.Name}.{Guid.Empty:N}",
                TaskState = "TASK_RUNNING",
                AgentId = $"a1b2c3-S{node.Index}",
                Hostname = host,
                Ports = ports,
                Endpoints = ports.ToDictionary(p => p.Key, p => $"{host}:{p.Value}"),
                PersistenceId = $"drover.{Spec.Name}.{node.Name}",
                Generation = Generation,
            };
        }

        foreach (var step in _plans.SelectMany(p => p.Steps))
        {
            step.Status = StepStatus.Complete;
        }
    }

    public ClusterView View() => new()
    {
        Name = Spec.Name,
        Kind = Spec.Kind,
        Spec = Spec,
        Generation = Generation,
        Deleting = Deleting,
        Nodes = [.. _nodes],
        Plans = [.. _plans.Select(ViewOf)],
    };

    private void Resize()
    {
        var count = Spec.CountOrZero();
        for (var i = _nodes.Count; i < count; i++)
        {
            _nodes.Add(new NodeView { Cluster = Spec.Name, Name = $"{Spec.Name}-{i}", Index = i, Phase = NodePhase.Pending, Goal = NodeGoal.Run });
        }

        for (var i = count; i < _nodes.Count; i++)
        {
            _nodes[i] = _nodes[i] with { Goal = NodeGoal.Remove };
        }
    }

    private Plan DeployPlan(string name) => new()
    {
        Name = name,
        Cluster = Spec.Name,
        Phases =
        [
            new Phase
            {
                Name = "nodes",
                Steps = [.. _nodes.Where(n => n.Goal == NodeGoal.Run).Select(n => new Step { Name = n.Name, Action = new RunNode(n.Name) })],
            },
        ],
    };

    private static PlanView ViewOf(Plan plan) => new()
    {
        Name = plan.Name,
        Status = plan.Status,
        Strategy = plan.Strategy,
        Interrupted = plan.Interrupted,
        StepsComplete = plan.Steps.Count(s => s.Status == StepStatus.Complete),
        StepsTotal = plan.Steps.Count(),
        Phases =
        [
            .. plan.Phases.Select(phase => new PhaseView
            {
                Name = phase.Name,
                Status = phase.Status,
                Strategy = phase.Strategy,
                Steps =
                [
                    .. phase.Steps.Select(step => new StepView
                    {
                        Name = step.Name,
                        Status = step.Status,
                        Action = "run_node",
                        Node = step.Action.Node,
                        Message = step.Message.Length == 0 ? null : step.Message,
                        Started = step.Started,
                        Finished = step.Finished,
                    }),
                ],
            }),
        ],
    };
}
