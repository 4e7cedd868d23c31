using System.Globalization;
using Drover.Logging;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;
using Drover.Scheduler.State;
using Drover.Mesos.V1;
using Call = Drover.Mesos.V1.Scheduler.Call;

namespace Drover.Scheduler.Core;

/// <summary>
/// The plan engine: after every event, steps in progress are checked against what was observed (task status
/// with health, admin replies, the clock) and the plans' next candidates start. Nothing launches, restarts or
/// leaves unless a step asks for it; recovery adds its own steps for nodes that failed outside any step.
/// </summary>
public sealed partial class SchedulerLoop
{
    public const string DeployPlan = "deploy";
    public const string RecoveryPlan = "recovery";

    /// <summary>Completed recovery steps kept for operators to see.</summary>
    private const int RecoveryHistory = 20;

    private async Task AdvancePlansAsync()
    {
        TickPlanners();
        await RecoverAsync().ConfigureAwait(false);
        foreach (var plan in _plans.Values.OrderBy(p => p.Cluster, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal).ToList())
        {
            // Steps in progress go on even in an interrupted plan; only new ones wait.
            foreach (var step in plan.Steps.Where(s => s.Status == StepStatus.InProgress).ToList())
            {
                await CheckStepAsync(plan, step).ConfigureAwait(false);
            }

            // A step that completes may make the next one a candidate at once.
            for (var round = 0; round < 4; round++)
            {
                var started = false;
                foreach (var step in plan.Candidates().Where(s => s.Status == StepStatus.Pending).ToList())
                {
                    started |= await StartStepAsync(plan, step).ConfigureAwait(false);
                }

                if (!started)
                {
                    break;
                }
            }
        }

        ForgetDeletedClusters();
    }

    private async Task<bool> StartStepAsync(Plan plan, Step step)
    {
        if (!_clusters.TryGetValue(plan.Cluster, out var cluster))
        {
            return false;
        }

        var node = step.Action.Node is { } name ? Node(plan.Cluster, name) : null;
        switch (step.Action)
        {
            case RunNode or ReserveNode:
                if (node is null)
                {
                    node = new NodeRecord
                    {
                        Cluster = cluster.Name,
                        Name = step.Action.Node!,
                        Index = IndexOf(step.Action.Node!),
                        Phase = NodePhase.Pending,
                        Goal = NodeGoal.Run,
                        Generation = cluster.Generation,
                    };
                    Save(node);
                }
                else if (node.Goal == NodeGoal.Remove && node.Phase is not (NodePhase.Removed or NodePhase.Leaving or NodePhase.Killing))
                {
                    // Scaled down and up again before it left: it stays.
                    Save(node with { Goal = NodeGoal.Run });
                }
                else if (node.Phase == NodePhase.Removed)
                {
                    Progress(plan, step, StepStatus.Pending, "waiting for the node's previous reservation to be released");
                    return false;
                }

                break;
            case RestartNode:
                if (node is null)
                {
                    Progress(plan, step, StepStatus.Error, "no such node");
                    return false;
                }

                step.Baseline = node.Incarnation;
                if (node.Phase is NodePhase.Running or NodePhase.Starting or NodePhase.Launching)
                {
                    await KillAsync(node with { Goal = NodeGoal.Restart }, "restart").ConfigureAwait(false);
                }

                break;
            case ReplaceNode:
                if (node is null)
                {
                    Progress(plan, step, StepStatus.Error, "no such node");
                    return false;
                }

                step.Baseline = node.Placements;
                if (node.Phase is NodePhase.Running or NodePhase.Starting or NodePhase.Launching or NodePhase.Killing)
                {
                    await KillAsync(node with { Goal = NodeGoal.Replace }, "replace").ConfigureAwait(false);
                }
                else
                {
                    ReplaceNow(node, "replaced on the operator's command");
                }

                break;
            case RemoveNode remove:
                if (node is null)
                {
                    Progress(plan, step, StepStatus.Complete, "no such node");
                    return true;
                }

                await StartRemovalAsync(plan, step, node, remove).ConfigureAwait(false);
                break;
            case AdminStep admin:
                if (node is not { Phase: NodePhase.Running })
                {
                    Progress(plan, step, StepStatus.Pending, "waiting for the node to run");
                    return false;
                }

                var view = TrackAdmin(plan.Cluster, admin.NodeName, admin.Operation, admin.Arguments, $"{plan.Name}/{step.Name}");
                step.RequestId = view.RequestId;
                Progress(plan, step, StepStatus.InProgress, $"{admin.Operation} requested");
                await SendAdminAsync(view).ConfigureAwait(false);
                return true;
            case WaitStep wait:
                step.Deadline = Now + wait.Duration;
                break;
            case ServiceStep service:
                return await RunServiceStepAsync(plan, step, cluster, service).ConfigureAwait(false);
        }

        step.Started = Now;
        Progress(plan, step, StepStatus.InProgress, "started");
        Log.Info($"step {step.Name} started", $"{plan.Cluster}/{plan.Name}");
        await CheckStepAsync(plan, step).ConfigureAwait(false);
        return true;
    }

    private async Task CheckStepAsync(Plan plan, Step step)
    {
        if (!_clusters.TryGetValue(plan.Cluster, out var cluster))
        {
            return;
        }

        var node = step.Action.Node is { } name ? Node(plan.Cluster, name) : null;
        switch (step.Action)
        {
            case RunNode:
                if (node is null)
                {
                    Progress(plan, step, StepStatus.Error, "the node is gone");
                }
                else if (node.Goal == NodeGoal.Run && node.Generation == cluster.Generation && Healthy(node, cluster))
                {
                    Progress(plan, step, StepStatus.Complete, $"healthy on {node.Hostname}");
                }
                else if (node.Goal == NodeGoal.Run && node.Generation < cluster.Generation && node.Phase is NodePhase.Running or NodePhase.Starting)
                {
                    // Rolling update: this step's node restarts with the new configuration, in place.
                    await KillAsync(node with { Goal = NodeGoal.Restart }, $"update to generation {cluster.Generation}").ConfigureAwait(false);
                    Progress(plan, step, StepStatus.InProgress, $"restarting with configuration generation {cluster.Generation}");
                }
                else
                {
                    Progress(plan, step, StepStatus.InProgress, Waiting(node, cluster));
                }

                break;
            case ReserveNode:
                if (node is null)
                {
                    Progress(plan, step, StepStatus.Error, "the node is gone");
                }
                else if (node.Reservation is not null || node.Phase.HasTask())
                {
                    Progress(plan, step, StepStatus.Complete, $"reserved on {node.Hostname ?? node.AgentId}");
                }
                else
                {
                    Progress(plan, step, StepStatus.InProgress, Waiting(node, cluster));
                }

                break;
            case RestartNode:
                if (node is null)
                {
                    Progress(plan, step, StepStatus.Error, "the node is gone");
                }
                else if (node.Incarnation > (step.Baseline ?? 0) && node.Goal == NodeGoal.Run && Healthy(node, cluster))
                {
                    Progress(plan, step, StepStatus.Complete, $"restarted, healthy on {node.Hostname}");
                }
                else
                {
                    Progress(plan, step, StepStatus.InProgress, Waiting(node, cluster));
                }

                break;
            case ReplaceNode:
                if (node is null)
                {
                    Progress(plan, step, StepStatus.Error, "the node is gone");
                }
                else if (node.Placements > (step.Baseline ?? 0) && node.Goal == NodeGoal.Run && Healthy(node, cluster))
                {
                    Progress(plan, step, StepStatus.Complete, $"replaced, healthy on {node.Hostname}");
                }
                else
                {
                    Progress(plan, step, StepStatus.InProgress, Waiting(node, cluster));
                }

                break;
            case RemoveNode:
                await CheckRemovalAsync(plan, step, node).ConfigureAwait(false);
                break;
            case AdminStep admin:
                await CheckAdminAsync(plan, step, admin.NodeName, admin.Operation, admin.Arguments, (state, output) =>
                    Progress(plan, step, state == AdminOperationState.Succeeded ? StepStatus.Complete : StepStatus.Error,
                        $"{admin.Operation}: {state}{(string.IsNullOrEmpty(output) ? "" : ": " + Clip(output))}")).ConfigureAwait(false);
                break;
            case ServiceStep service:
                await CheckServiceStepAsync(plan, step, cluster, service).ConfigureAwait(false);
                break;
            case WaitStep:
                if (step.Deadline is { } deadline && deadline <= Now)
                {
                    Progress(plan, step, StepStatus.Complete, "waited");
                }
                else
                {
                    Progress(plan, step, StepStatus.InProgress, $"waiting until {step.Deadline:O}");
                }

                break;
        }
    }

    private async Task StartRemovalAsync(Plan plan, Step step, NodeRecord node, RemoveNode remove)
    {
        node = node with { Goal = NodeGoal.Remove };
        switch (node.Phase)
        {
            case NodePhase.Running when remove.LeaveOperation is { } operation:
                var view = TrackAdmin(node.Cluster, node.Name, operation, new Dictionary<string, string>(), $"{plan.Name}/{step.Name}");
                step.RequestId = view.RequestId;
                Save(node with { Phase = NodePhase.Leaving, Message = $"leaving the cluster ({operation})" });
                Progress(plan, step, StepStatus.InProgress, $"{operation} requested");
                await SendAdminAsync(view).ConfigureAwait(false);
                break;
            case NodePhase.Running or NodePhase.Starting or NodePhase.Launching or NodePhase.Killing or NodePhase.Leaving:
                await KillAsync(node, "scale down").ConfigureAwait(false);
                break;
            case NodePhase.Lost or NodePhase.Pending or NodePhase.Stopped:
                // No task to stop (or none reachable: if it comes back, it is unknown and killed).
                Retire(node);
                break;
            default:
                Save(node);
                break;
        }
    }

    private async Task CheckRemovalAsync(Plan plan, Step step, NodeRecord? node)
    {
        if (node is null)
        {
            Progress(plan, step, StepStatus.Complete, "removed; reservation released");
            return;
        }

        switch (node.Phase)
        {
            case NodePhase.Leaving:
                var operation = (step.Action as RemoveNode)?.LeaveOperation ?? "leave";
                await CheckAdminAsync(plan, step, node.Name, operation, new Dictionary<string, string>(), async (state, output) =>
                {
                    if (state == AdminOperationState.Succeeded)
                    {
                        await KillAsync(node, $"left the cluster ({operation})").ConfigureAwait(false);
                        Progress(plan, step, StepStatus.InProgress, $"{operation} succeeded; stopping the task");
                    }
                    else
                    {
                        // The node stays in the cluster; an operator restarts the step to try again.
                        Save(node with { Phase = NodePhase.Running, Message = $"{operation} {state}" });
                        Progress(plan, step, StepStatus.Error, $"{operation}: {state}{(string.IsNullOrEmpty(output) ? "" : ": " + Clip(output))}");
                    }
                }).ConfigureAwait(false);
                break;
            case NodePhase.Removed:
                ForgetRemovedNodes();
                Progress(plan, step, StepStatus.InProgress, "releasing its reservation and volume");
                break;
            case NodePhase.Lost or NodePhase.Pending or NodePhase.Stopped when node.Goal == NodeGoal.Remove:
                Retire(node);
                break;
            case NodePhase.Running when node.Goal == NodeGoal.Remove && (step.Action as RemoveNode)?.LeaveOperation is null:
                await KillAsync(node, "scale down").ConfigureAwait(false);
                break;
            default:
                Progress(plan, step, StepStatus.InProgress, $"stopping ({node.Phase})");
                break;
        }
    }

    /// <summary>
    /// The admin operation of a step: sent when the node runs (again after a restart of the scheduler, whose reply
    /// could not be known), and <paramref name="done"/> called once the executor answered.
    /// </summary>
    private async Task CheckAdminAsync(Plan plan, Step step, string node, string operation, IReadOnlyDictionary<string, string> arguments, Func<AdminOperationState, string?, Task> done)
    {
        if (step.RequestId is null || !_admin.TryGetValue(step.RequestId, out var view))
        {
            view = TrackAdmin(plan.Cluster, node, operation, arguments, $"{plan.Name}/{step.Name}", step.RequestId);
            step.RequestId = view.RequestId;
            Save(plan);
        }

        switch (view.State)
        {
            case AdminOperationState.Pending:
                await SendAdminAsync(view).ConfigureAwait(false);
                break;
            case AdminOperationState.Sent:
                Progress(plan, step, StepStatus.InProgress, $"{operation} running");
                break;
            default:
                await done(view.State, view.Output).ConfigureAwait(false);
                break;
        }
    }

    private Task CheckAdminAsync(Plan plan, Step step, string node, string operation, IReadOnlyDictionary<string, string> arguments, Action<AdminOperationState, string?> done) =>
        CheckAdminAsync(plan, step, node, operation, arguments, (state, output) =>
        {
            done(state, output);
            return Task.CompletedTask;
        });

    /// <summary>Records a step's progress (persisted with the next commit, before any call).</summary>
    private void Progress(Plan plan, Step step, StepStatus status, string message)
    {
        if (step.Status == status && step.Message == message)
        {
            return;
        }

        if (status != step.Status)
        {
            Log.Info($"step {step.Name}: {status} ({message})", $"{plan.Cluster}/{plan.Name}");
        }

        step.Status = status;
        step.Message = message;
        if (status is StepStatus.Complete or StepStatus.Error)
        {
            step.Finished = Now;
        }

        Save(plan);
    }

    private async Task KillAsync(NodeRecord node, string why)
    {
        node = node with { Phase = NodePhase.Killing, Message = $"killing: {why}" };
        Save(node);
        if (node.TaskId is not { } taskId)
        {
            return;
        }

        Log.Info($"killing task {taskId}: {why}", Subject(node));
        var kill = new Call { Type = Call.Types.Type.Kill, Kill = new Call.Types.Kill { TaskId = new TaskID { Value = taskId } } };
        if (node.AgentId is { } agent)
        {
            kill.Kill.AgentId = new AgentID { Value = agent };
        }

        await SendAsync(kill).ConfigureAwait(false);
    }

    /// <summary>A node without a (reachable) task leaves: its reservation is released through the ledger.</summary>
    private void Retire(NodeRecord node)
    {
        if (node.Reservation is { } id && _ledger.TryGetValue(id, out var entry))
        {
            GiveUp(entry);
        }

        Save(node with { Phase = NodePhase.Removed, Goal = NodeGoal.Remove, Reservation = null, TaskId = null, Message = "releasing its reservation" });
        ForgetRemovedNodes();
    }

    /// <summary>Abandons the node's agent and reservation (released when the agent is back, or forgotten when it is gone).</summary>
    private void ReplaceNow(NodeRecord node, string why)
    {
        if (node.Reservation is { } id && _ledger.TryGetValue(id, out var entry))
        {
            GiveUp(entry);
        }

        Log.Info($"replacing: {why}", Subject(node));
        Save(node with
        {
            Phase = NodePhase.Pending,
            Goal = NodeGoal.Run,
            Reservation = null,
            TaskId = null,
            ReplacedFrom = node.AgentId ?? node.ReplacedFrom,
            Previous = node.Previous ?? AddressOf(node),
            AgentId = null,
            Hostname = null,
            Ports = new Dictionary<string, int>(),
            LostSince = null,
            Healthy = null,
            Message = why,
        });
    }

    /// <summary>
    /// Recovery: a node that failed outside any step gets a recovery step (relaunch in place on its reservation);
    /// a node lost past its cluster's replace_after is replaced elsewhere.
    /// </summary>
    private Task RecoverAsync()
    {
        foreach (var node in _nodes.Values.ToList())
        {
            if (!_clusters.TryGetValue(node.Cluster, out var cluster) || node.Goal != NodeGoal.Run)
            {
                continue;
            }

            if (ReplaceDue(node) is { } due && due <= Now)
            {
                ReplaceNow(node, $"lost since {node.LostSince:O}, past replace_after ({Drover.Mesos.MesosDuration.Format(cluster.Spec.ReplaceAfterOrDefault())})");
                if (node.Incarnation > 0)
                {
                    // A node that never launched is placed afresh by its own plan's step, in its plan's order.
                    AddRecoveryStep(cluster.Name, new ReplaceNode(node.Name), "replace", baseline: node.Placements);
                }

                continue;
            }

            if (node.Phase is NodePhase.Stopped or NodePhase.Pending && node.Incarnation > 0 && DrivingStep(node) is null && !HasPendingStep(node))
            {
                AddRecoveryStep(cluster.Name, new RunNode(node.Name), "recover", baseline: null);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// When a lost node that should run is replaced elsewhere (its cluster's replace_after), or null: no replacement is
    /// due. Lost: its task is unreachable, or it has no task and its reservation's agent is lost (TasklessNodesLost).
    /// </summary>
    private DateTimeOffset? ReplaceDue(NodeRecord node) =>
        node is { Goal: NodeGoal.Run, LostSince: { } since }
        && (node.Phase == NodePhase.Lost || node is { Phase: NodePhase.Pending or NodePhase.Stopped, Reservation: not null })
        && _clusters.TryGetValue(node.Cluster, out var cluster)
            ? since + cluster.Spec.ReplaceAfterOrDefault()
            : null;

    /// <summary>A pending step that will run the node (a service step about it, such as a repair, does not).</summary>
    private bool HasPendingStep(NodeRecord node) => _plans.Values.Any(p => p.Cluster == node.Cluster
        && p.Steps.Any(s => s.Status == StepStatus.Pending && s.Action.Node == node.Name && s.Action is RunNode or RestartNode or ReplaceNode));

    private Step AddRecoveryStep(string cluster, StepAction action, string verb, long? baseline)
    {
        var key = StatePaths.PlanKey(cluster, RecoveryPlan);
        _plans.TryGetValue(key, out var old);
        var steps = old?.Phases.SelectMany(p => p.Steps).ToList() ?? [];
        var done = steps.Where(s => s.Status == StepStatus.Complete).ToList();
        foreach (var stale in done.Take(Math.Max(0, done.Count - RecoveryHistory)))
        {
            steps.Remove(stale);
        }

        var serial = steps.Count(s => s.Name.StartsWith($"{verb}-{action.Node}-", StringComparison.Ordinal)) + 1;
        var step = new Step
        {
            Name = $"{verb}-{action.Node}-{serial.ToString(CultureInfo.InvariantCulture)}",
            Action = action,
            Baseline = baseline,
        };
        steps.Add(step);
        var plan = new Plan
        {
            Name = RecoveryPlan,
            Cluster = cluster,
            Strategy = Strategy.Parallel,
            Interrupted = old?.Interrupted ?? false,
            Created = old?.Created ?? Now,
            Phases = [new Phase { Name = RecoveryPlan, Strategy = Strategy.Parallel, Steps = steps }],
        };
        Save(plan);
        Log.Info($"recovery step {step.Name} added", cluster);
        return step;
    }

    /// <summary>
    /// The deploy plan of the cluster's current spec, as its kind's planner builds it (for GENERIC: one serial
    /// phase running every wanted node at the current generation, then the surplus removed highest first), with
    /// the progress of the steps that carry over.
    /// </summary>
    private void RebuildDeployPlan(ClusterRecord cluster)
    {
        _plans.TryGetValue(StatePaths.PlanKey(cluster.Name, DeployPlan), out var old);
        Save(PlannerOf(cluster).DeployPlan(Context(cluster), old));
    }

    /// <summary>A deleted cluster goes once its last node and ledger entry are gone.</summary>
    private void ForgetDeletedClusters()
    {
        foreach (var cluster in _clusters.Values.Where(c => c.Deleting).ToList())
        {
            if (NodesOf(cluster.Name).Any() || _ledger.Values.Any(e => e.Cluster == cluster.Name))
            {
                continue;
            }

            foreach (var plan in _plans.Values.Where(p => p.Cluster == cluster.Name).ToList())
            {
                Forget(plan);
            }

            _clusters.Remove(cluster.Name);
            Stage(new StoreWrite.DeleteCluster(cluster.Name));
            Log.Info("deleted: every node left and every reservation is released", cluster.Name);
        }
    }

    private static bool Healthy(NodeRecord node, ClusterRecord cluster) =>
        node.Phase == NodePhase.Running && (node.Healthy == true || (!cluster.Spec.ExpectsHealth() && node.Healthy != false));

    private string Waiting(NodeRecord node, ClusterRecord cluster) => node.Phase switch
    {
        NodePhase.Pending or NodePhase.Stopped when node.LostSince is not null => $"its agent {node.Hostname ?? node.AgentId} is lost since {node.LostSince:O}; replaced after {Drover.Mesos.MesosDuration.Format(cluster.Spec.ReplaceAfterOrDefault())}",
        NodePhase.Pending when node.NotBefore > Now => $"relaunch backoff until {node.NotBefore:O}",
        NodePhase.Pending when node.Reservation is not null => $"reserved on {node.Hostname ?? node.AgentId}, not launched yet",
        NodePhase.Pending => "waiting for an offer that fits",
        NodePhase.Stopped when node.NotBefore > Now => $"relaunch backoff until {node.NotBefore:O}",
        NodePhase.Stopped => $"waiting for its reservation on {node.Hostname ?? node.AgentId}",
        NodePhase.Launching or NodePhase.Starting => "starting",
        NodePhase.Running when cluster.Spec.ExpectsHealth() => node.Healthy == false ? "running, unhealthy" : "running, waiting for health",
        NodePhase.Running => "running",
        NodePhase.Killing => "stopping",
        NodePhase.Lost => $"lost since {node.LostSince:O}; replaced after {Drover.Mesos.MesosDuration.Format(cluster.Spec.ReplaceAfterOrDefault())}",
        _ => node.Phase.ToString(),
    };

    public static string NodeName(string cluster, int index) => DeployPlans.NodeName(cluster, index);

    private static int IndexOf(string node)
    {
        var dash = node.LastIndexOf('-');
        return dash >= 0 && int.TryParse(node.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : 0;
    }

    private static string Clip(string text) => text.Length <= 512 ? text : text[..512] + "…";
}
