using Drover.Logging;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;
using Drover.Scheduler.State;

namespace Drover.Scheduler.Core;

/// <summary>
/// The kinds' planners (<see cref="IServicePlanner"/>, <c>Plans/&lt;Kind&gt;/</c>) in the loop: they decide, the
/// loop acts and persists. Service steps: prepared when they start (which node gets which admin operation, or a
/// wait, or nothing to do), settled when the executor answers; what the cluster learnt goes into its record.
/// </summary>
public sealed partial class SchedulerLoop
{
    private static IServicePlanner PlannerOf(ClusterRecord cluster) => ServicePlanners.For(cluster.Spec.Kind);

    private PlanningContext Context(ClusterRecord cluster) => new(
        cluster,
        [.. NodesOf(cluster.Name)],
        _plans.Values.Where(p => p.Cluster == cluster.Name).ToDictionary(p => p.Name, StringComparer.Ordinal),
        Now);

    private NodeShape ShapeOf(ClusterRecord cluster, string node) => PlannerOf(cluster).Shape(cluster.Spec, node);

    /// <summary>After every event: each planner's own decisions (a repair round due, a delayed scale down).</summary>
    private void TickPlanners()
    {
        foreach (var cluster in _clusters.Values.Where(c => !c.Deleting).OrderBy(c => c.Name, StringComparer.Ordinal).ToList())
        {
            if (PlannerOf(cluster).Tick(Context(cluster)) is not { } update)
            {
                continue;
            }

            foreach (var plan in update.Plans)
            {
                Log.Info($"plan {plan.Name} started", cluster.Name);
                Save(plan);
            }

            var current = _clusters[cluster.Name];
            if (update.State is { } state)
            {
                current = current with { Service = state };
                Save(current);
            }

            if (update.Count is { } count && count != current.Spec.CountOrZero())
            {
                Log.Info($"count {current.Spec.CountOrZero()} -> {count}", cluster.Name);
                current = current with { Spec = current.Spec with { Count = count } };
                Save(current);
                RebuildDeployPlan(current);
            }
        }
    }

    private DateTimeOffset? PlannerWakeUp()
    {
        DateTimeOffset? next = null;
        foreach (var cluster in _clusters.Values.Where(c => !c.Deleting))
        {
            // A time already past is acted on by the next Tick; waking for it again would spin.
            if (PlannerOf(cluster).WakeUp(Context(cluster)) is { } when && when > Now && (next is null || when < next))
            {
                next = when;
            }
        }

        return next;
    }

    private void KeepServiceState(string cluster, ServiceState? state)
    {
        if (state is not null && _clusters.TryGetValue(cluster, out var record) && record.Service != state)
        {
            Save(record with { Service = state });
        }
    }

    /// <summary>Starts (or starts again) a service step as its planner prepares it; true when it moved.</summary>
    private async Task<bool> RunServiceStepAsync(Plan plan, Step step, ClusterRecord cluster, ServiceStep action)
    {
        var prepared = PlannerOf(cluster).Prepare(step, action, Context(cluster));
        step.RequestId = null;
        // The step's memo (request id, deadline) changes even when its status and message do not.
        Save(plan);
        switch (prepared)
        {
            case Prepared.Skip skip:
                step.Started ??= Now;
                step.Deadline = null;
                KeepServiceState(cluster.Name, skip.State);
                Progress(plan, step, StepStatus.Complete, skip.Why);
                return true;
            case Prepared.Fail fail:
                step.Deadline = null;
                Progress(plan, step, StepStatus.Error, fail.Why);
                return false;
            case Prepared.Wait wait:
                step.Deadline = null;
                Progress(plan, step, step.Status == StepStatus.InProgress ? StepStatus.InProgress : StepStatus.Pending, wait.Why);
                return false;
            case Prepared.WaitUntil until:
                step.Started ??= Now;
                step.Deadline = until.When;
                Progress(plan, step, StepStatus.InProgress, until.Why);
                Save(plan);
                return true;
            case Prepared.Send send:
                if (action.Leaves && action.NodeName is { } leaving && Node(cluster.Name, leaving) is { Goal: not NodeGoal.Remove } node)
                {
                    // From here its task ending is its leaving, not a failure to recover from (nor is a stopped one relaunched).
                    Save(node.Phase == NodePhase.Running
                        ? node with { Goal = NodeGoal.Remove, Phase = NodePhase.Leaving, Message = $"leaving the cluster ({send.Operation})" }
                        : node with { Goal = NodeGoal.Remove, Message = $"leaving the cluster ({send.Operation} on {send.Target})" });
                }

                var view = TrackAdmin(cluster.Name, send.Target, send.Operation, send.Arguments, $"{plan.Name}/{step.Name}");
                step.RequestId = view.RequestId;
                step.Deadline = null;
                step.Started ??= Now;
                Progress(plan, step, StepStatus.InProgress, $"{send.Operation} on {send.Target}{(step.Attempts > 0 ? $" (attempt {step.Attempts + 1})" : "")}");
                Save(plan);
                await SendAdminAsync(view).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }

    /// <summary>A service step in progress: its timer, its admin operation's reply, or a target that went away.</summary>
    private async Task CheckServiceStepAsync(Plan plan, Step step, ClusterRecord cluster, ServiceStep action)
    {
        if (step.RequestId is null)
        {
            if (step.Deadline is { } deadline && deadline > Now)
            {
                return;
            }

            await RunServiceStepAsync(plan, step, cluster, action).ConfigureAwait(false);
            return;
        }

        if (!_admin.TryGetValue(step.RequestId, out var view))
        {
            // A restarted scheduler does not know the reply of what its predecessor sent: ask again.
            await RunServiceStepAsync(plan, step, cluster, action).ConfigureAwait(false);
            return;
        }

        var target = Node(cluster.Name, view.Node);
        var alive = target is { Phase: NodePhase.Running or NodePhase.Leaving };
        switch (view.State)
        {
            case AdminOperationState.Pending when alive:
                await SendAdminAsync(view).ConfigureAwait(false);
                break;
            case AdminOperationState.Sent when alive:
                break;
            case AdminOperationState.Pending or AdminOperationState.Sent:
                // Its node stopped: no reply will come. The planner says what that means.
                Settle(plan, step, cluster, action, AdminOperationState.Failed, $"node {view.Node} stopped ({target?.Phase.ToString() ?? "gone"}) before it answered");
                break;
            default:
                Settle(plan, step, cluster, action, view.State, view.Output ?? "");
                break;
        }
    }

    private void Settle(Plan plan, Step step, ClusterRecord cluster, ServiceStep action, AdminOperationState outcome, string output)
    {
        var settled = PlannerOf(cluster).Settle(step, action, Context(cluster), outcome, output);
        step.RequestId = null;
        Save(plan);
        switch (settled)
        {
            case Settled.Done done:
                KeepServiceState(cluster.Name, done.State);
                Progress(plan, step, StepStatus.Complete, done.Message);
                break;
            case Settled.Retry retry:
                KeepServiceState(cluster.Name, retry.State);
                step.Attempts++;
                step.Deadline = Now + retry.After;
                Progress(plan, step, StepStatus.InProgress, retry.Message);
                break;
            case Settled.Failed failed:
                KeepServiceState(cluster.Name, failed.State);
                Progress(plan, step, StepStatus.Error, failed.Message);
                break;
        }
    }
}
