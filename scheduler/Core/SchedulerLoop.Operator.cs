using System.Text.RegularExpressions;
using Drover.Logging;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;
using Drover.Scheduler.State;

namespace Drover.Scheduler.Core;

/// <summary>
/// <see cref="ISchedulerOperations"/>: every change is applied by the loop and answered once it is committed to
/// the store; a refused change touched nothing. The snapshot is rebuilt after each event.
/// </summary>
public sealed partial class SchedulerLoop
{
    [GeneratedRegex("^[a-z][a-z0-9-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex OperationNamePattern();

    public SchedulerSnapshot Snapshot() => _snapshot;

    public Task<OperationResult> PutClusterAsync(ClusterSpec spec, CancellationToken cancellationToken = default) =>
        CommandAsync($"put cluster {spec.Name}", () => Task.FromResult(PutCluster(spec)), cancellationToken);

    public Task<OperationResult> DeleteClusterAsync(string cluster, CancellationToken cancellationToken = default) =>
        CommandAsync($"delete cluster {cluster}", () => Task.FromResult(DeleteCluster(cluster)), cancellationToken);

    public Task<OperationResult> ScaleAsync(string cluster, int count, CancellationToken cancellationToken = default) =>
        CommandAsync($"scale {cluster} to {count}", () => Task.FromResult(Scale(cluster, count)), cancellationToken);

    public Task<OperationResult> InterruptPlanAsync(string cluster, string plan, CancellationToken cancellationToken = default) =>
        CommandAsync($"interrupt {cluster}/{plan}", () => Task.FromResult(SetInterrupted(cluster, plan, true)), cancellationToken);

    public Task<OperationResult> ContinuePlanAsync(string cluster, string plan, CancellationToken cancellationToken = default) =>
        CommandAsync($"continue {cluster}/{plan}", () => Task.FromResult(SetInterrupted(cluster, plan, false)), cancellationToken);

    public Task<OperationResult> RestartStepAsync(string cluster, string plan, string phase, string step, CancellationToken cancellationToken = default) =>
        CommandAsync($"restart step {cluster}/{plan}/{phase}/{step}", () => Task.FromResult(RestartStep(cluster, plan, phase, step)), cancellationToken);

    public Task<OperationResult> RestartNodeAsync(string cluster, string node, CancellationToken cancellationToken = default) =>
        CommandAsync($"restart {cluster}/{node}", () => Task.FromResult(NodeStep(cluster, node, n => new RestartNode(n), "restart")), cancellationToken);

    public Task<OperationResult> ReplaceNodeAsync(string cluster, string node, CancellationToken cancellationToken = default) =>
        CommandAsync($"replace {cluster}/{node}", () => Task.FromResult(NodeStep(cluster, node, n => new ReplaceNode(n), "replace")), cancellationToken);

    public Task<OperationResult> SendAdminOperationAsync(string cluster, string node, string operation, IReadOnlyDictionary<string, string> arguments, CancellationToken cancellationToken = default) =>
        CommandAsync($"admin {operation} on {cluster}/{node}", () => SendAdminCommandAsync(cluster, node, operation, arguments), cancellationToken);

    private async Task<OperationResult> CommandAsync(string what, Func<Task<OperationResult>> apply, CancellationToken cancellationToken)
    {
        if (_standby)
        {
            // A standby (or a scheduler still waiting for its election) owns no state: the leader takes changes.
            return OperationResult.Unavailable($"this scheduler of framework '{_options.Framework}' is a standby: changes go to the leader");
        }

        var result = new TaskCompletionSource<OperationResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new OperatorCommand(what, apply, result));
        return await result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task OnOperatorCommandAsync(OperatorCommand command)
    {
        OperationResult result;
        try
        {
            result = await command.Apply().ConfigureAwait(false);
            if (result.IsOk)
            {
                await CommitAsync().ConfigureAwait(false);
                Log.Info($"operator: {command.What}: done");
            }
            else
            {
                // Nothing half applied: a refusal stages nothing (each command checks before it changes).
                _staged.Clear();
                Log.Info($"operator: {command.What}: {result.Outcome} {result.Message}");
            }
        }
        catch (Exception e)
        {
            command.Result.TrySetResult(OperationResult.Unavailable($"the scheduler could not store the change: {e.Message}"));
            throw;
        }

        // Read your writes: whoever gets the reply and then reads the snapshot (the API's GET, a test) must see the
        // change, so the reply waits for the loop's next Publish (ReleaseReplies).
        _replies.Add((command.Result, result));
    }

    /// <summary>The operators' replies held since the event began, released once the view shows their changes.</summary>
    private void ReleaseReplies()
    {
        foreach (var (reply, result) in _replies)
        {
            reply.TrySetResult(result);
        }

        _replies.Clear();
    }

    private OperationResult PutCluster(ClusterSpec spec)
    {
        var errors = ClusterSpecValidator.Validate(spec);
        if (errors.Count > 0)
        {
            return OperationResult.Invalid(errors);
        }

        if (!_clusters.TryGetValue(spec.Name, out var existing))
        {
            var created = new ClusterRecord { Spec = spec, Generation = 1 };
            Save(created);
            RebuildDeployPlan(created);
            return OperationResult.Ok($"cluster {spec.Name} created");
        }

        if (existing.Deleting)
        {
            return OperationResult.Conflict($"cluster {spec.Name} is being deleted");
        }

        if (existing.Spec.Kind != spec.Kind)
        {
            return OperationResult.Conflict($"cluster {spec.Name} is {existing.Spec.Kind}; its kind cannot change");
        }

        if (ResourcesOf(existing, existing.Spec) != ResourcesOf(existing, spec))
        {
            // The seed leaves vertical scaling out: a node's reservation is made once, for its resources and ports.
            return OperationResult.Conflict($"cluster {spec.Name}: per-node resources and ports are reserved once and cannot change; create a new cluster");
        }

        var planner = PlannerOf(existing);
        if (planner.RolloutKey(existing.Spec) == planner.RolloutKey(spec))
        {
            // Count, placement, replace_after or the kind's schedules only: no node needs a restart.
            var rescaled = existing with { Spec = spec };
            Save(rescaled);
            RebuildDeployPlan(rescaled);
            return OperationResult.Ok($"cluster {spec.Name} updated");
        }

        var updated = existing with { Spec = spec, Generation = existing.Generation + 1 };
        Save(updated);
        RebuildDeployPlan(updated);
        return OperationResult.Ok($"cluster {spec.Name} updated to generation {updated.Generation}: rolling through its nodes");
    }

    /// <summary>The resources and ports of every node the cluster has now, as <paramref name="spec"/> would shape them.</summary>
    private string ResourcesOf(ClusterRecord cluster, ClusterSpec spec)
    {
        var planner = PlannerOf(cluster);
        return string.Join("\n", NodesOf(cluster.Name).Select(n => n.Name).DefaultIfEmpty(NodeName(cluster.Name, 0)).Select(name =>
        {
            var shape = planner.Shape(spec, name);
            return name + " " + ClusterSpecJson.Serialize(new ClusterSpec { Resources = shape.Resources, Ports = shape.Ports });
        }));
    }

    private OperationResult DeleteCluster(string name)
    {
        if (!_clusters.TryGetValue(name, out var cluster))
        {
            return OperationResult.NotFound($"no cluster {name}");
        }

        if (!cluster.Deleting)
        {
            var deleting = cluster with { Deleting = true };
            Save(deleting);
            RebuildDeployPlan(deleting);
        }

        return OperationResult.Ok($"cluster {name} is being deleted: its nodes leave, then its reservations are released");
    }

    private OperationResult Scale(string name, int count)
    {
        if (!_clusters.TryGetValue(name, out var cluster))
        {
            return OperationResult.NotFound($"no cluster {name}");
        }

        if (count is < 0 or > SpecLimits.MaxCount)
        {
            return OperationResult.Invalid("count", $"{count} is outside 0..{SpecLimits.MaxCount}");
        }

        if (cluster.Deleting)
        {
            return OperationResult.Conflict($"cluster {name} is being deleted");
        }

        if (cluster.Spec.Kind == ClusterKind.Quobyte)
        {
            return OperationResult.Conflict($"cluster {name} is QUOBYTE: its services are the hosts and counts its spec lists (change quobyte.nodes, api or webconsole)");
        }

        if (cluster.Spec.Kind == ClusterKind.Drill && (count < cluster.Spec.DrillMin() || count > (cluster.Spec.DrillMax() ?? SpecLimits.MaxCount)))
        {
            return OperationResult.Invalid("count", $"{count} is outside drill.min_drillbits..max_drillbits ({cluster.Spec.DrillMin()}..{cluster.Spec.DrillMax()?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any"})");
        }

        var scaled = cluster with { Spec = cluster.Spec with { Count = count } };
        Save(scaled);
        RebuildDeployPlan(scaled);
        return OperationResult.Ok($"cluster {name} scales to {count}");
    }

    private OperationResult SetInterrupted(string cluster, string planName, bool interrupted)
    {
        if (!_plans.TryGetValue(StatePaths.PlanKey(cluster, planName), out var plan))
        {
            return OperationResult.NotFound($"no plan {planName} in cluster {cluster}");
        }

        plan.Interrupted = interrupted;
        Save(plan);
        return OperationResult.Ok(interrupted ? "interrupted: steps in progress go on, no new step starts" : "continuing");
    }

    private OperationResult RestartStep(string cluster, string planName, string phase, string stepName)
    {
        if (!_plans.TryGetValue(StatePaths.PlanKey(cluster, planName), out var plan))
        {
            return OperationResult.NotFound($"no plan {planName} in cluster {cluster}");
        }

        if (plan.FindStep(phase, stepName) is not { } step)
        {
            return OperationResult.NotFound($"no step {phase}/{stepName} in plan {planName}");
        }

        step.Reset();
        Save(plan);
        return OperationResult.Ok($"step {stepName} is pending again");
    }

    private OperationResult NodeStep(string cluster, string name, Func<string, StepAction> action, string verb)
    {
        if (!_clusters.TryGetValue(cluster, out var record))
        {
            return OperationResult.NotFound($"no cluster {cluster}");
        }

        if (Node(cluster, name) is not { } node)
        {
            return OperationResult.NotFound($"no node {name} in cluster {cluster}");
        }

        if (record.Deleting || node.Goal == NodeGoal.Remove)
        {
            return OperationResult.Conflict($"node {name} is leaving the cluster");
        }

        var step = AddRecoveryStep(cluster, action(name), verb, baseline: null);
        return OperationResult.Ok($"{verb} of {name} planned as recovery step {step.Name}");
    }

    private async Task<OperationResult> SendAdminCommandAsync(string cluster, string name, string operation, IReadOnlyDictionary<string, string> arguments)
    {
        if (!_clusters.ContainsKey(cluster))
        {
            return OperationResult.NotFound($"no cluster {cluster}");
        }

        if (Node(cluster, name) is not { } node)
        {
            return OperationResult.NotFound($"no node {name} in cluster {cluster}");
        }

        if (!OperationNamePattern().IsMatch(operation))
        {
            return OperationResult.Invalid("operation", $"'{operation}' is not an operation name (lowercase letters, digits, '-')");
        }

        if (arguments.Count > 32 || arguments.Any(a => a.Key.Length is 0 or > 64 || a.Value is null || a.Value.Length > 4096))
        {
            return OperationResult.Invalid("arguments", "at most 32 arguments, names of 1..64 characters, values of at most 4096");
        }

        if (node.Phase != NodePhase.Running || _subscription != SubscriptionState.Subscribed)
        {
            return OperationResult.Conflict($"node {name} is {node.Phase}, not running: admin operations go to a running node");
        }

        var view = TrackAdmin(cluster, name, operation, arguments, step: null);
        if (!await SendAdminAsync(view).ConfigureAwait(false))
        {
            _admin.Remove(view.RequestId);
            return OperationResult.Unavailable("the admin request could not be sent to the master");
        }

        return OperationResult.Ok($"{operation} sent to {name}", view.RequestId);
    }

    /// <summary>The operator's view, rebuilt after every event and published for lock-free reads.</summary>
    private void Publish()
    {
        var clusters = _clusters.Values.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => new ClusterView
        {
            Name = c.Name,
            Kind = c.Spec.Kind,
            Spec = c.Spec,
            Generation = c.Generation,
            Deleting = c.Deleting,
            Nodes = [.. NodesOf(c.Name).Select(n => NodeViewOf(n, _registered.GetValueOrDefault(c.Name)))],
            Plans = [.. _plans.Values.Where(p => p.Cluster == c.Name).OrderBy(p => p.Name, StringComparer.Ordinal).Select(PlanViewOf)],
            Service = PlannerOf(c).View(Context(c)),
        }).ToList();
        _snapshot = new SchedulerSnapshot
        {
            Framework = new FrameworkView
            {
                Name = _options.Framework,
                Id = _framework?.Id,
                Role = _options.Role,
                Principal = _options.Principal,
                Leader = true,
            },
            Subscription = new SubscriptionView
            {
                State = _fatal is not null && _subscription != SubscriptionState.Refused ? SubscriptionState.Subscribing : _subscription,
                Master = _masterName,
                Since = _subscribedSince,
                LastHeartbeat = _lastHeartbeat,
                Suppressed = _suppressed == true,
                Reconciling = _reconciling.Count,
                Message = _fatal ?? _subscriptionMessage,
            },
            Clusters = clusters,
            AdminOperations = [.. _adminOrder.Where(_admin.ContainsKey).Select(id => _admin[id]).Reverse()],
            Offers = new OfferCounters { Received = _offersReceived, Used = _offersUsed, Declined = _offersDeclined, Rescinded = _offersRescinded },
            Time = Now,
        };
    }

    /// <summary>
    /// The node as operators see it. Endpoints and health come from the record its executor published in the registry
    /// when there is one for its current task; until then, endpoints are its agent's hostname with its reserved ports.
    /// </summary>
    private static NodeView NodeViewOf(NodeRecord node, IReadOnlyDictionary<string, Drover.Registry.NodeRecord>? registered)
    {
        var record = registered?.GetValueOrDefault(node.Name) is { } r && r.TaskId == node.TaskId && node.Phase.HasTask() ? r : null;
        var view = NodeViewOf(node);
        return record is null ? view : view with
        {
            Healthy = record.Healthy ?? node.Healthy,
            Endpoints = record.Ports.ToDictionary(p => p.Name, p => $"{record.Host}:{p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}", StringComparer.Ordinal),
        };
    }

    private static NodeView NodeViewOf(NodeRecord node) => new()
    {
        Cluster = node.Cluster,
        Name = node.Name,
        Index = node.Index,
        Phase = node.Phase,
        Goal = node.Goal,
        Healthy = node.Healthy,
        TaskId = node.TaskId,
        TaskState = node.TaskState,
        Message = node.Message,
        AgentId = node.AgentId,
        Hostname = node.Hostname,
        Ports = node.Ports,
        Endpoints = node.Hostname is { } host ? node.Ports.ToDictionary(p => p.Key, p => $"{host}:{p.Value}", StringComparer.Ordinal) : new Dictionary<string, string>(),
        PersistenceId = node.Reservation,
        Generation = node.Generation,
        Version = node.Version,
        LostSince = node.LostSince,
        Failures = node.Failures,
    };

    private static PlanView PlanViewOf(Plan plan) => new()
    {
        Name = plan.Name,
        Status = plan.Status,
        Strategy = plan.Strategy,
        Interrupted = plan.Interrupted,
        StepsTotal = plan.Steps.Count(),
        StepsComplete = plan.Steps.Count(s => s.Status == StepStatus.Complete),
        Phases = [.. plan.Phases.Select(p => new PhaseView
        {
            Name = p.Name,
            Status = p.Status,
            Strategy = p.Strategy,
            Steps = [.. p.Steps.Select(s => new StepView
            {
                Name = s.Name,
                Status = s.Status,
                Action = s.Action switch
                {
                    RunNode => "run_node",
                    ReserveNode => "reserve_node",
                    RestartNode => "restart_node",
                    ReplaceNode => "replace_node",
                    RemoveNode => "remove_node",
                    AdminStep => "admin",
                    ServiceStep service => "service:" + service.Operation,
                    _ => "wait",
                },
                Node = s.Action.Node,
                Message = s.Message,
                Started = s.Started,
                Finished = s.Finished,
            })],
        })],
    };
}
