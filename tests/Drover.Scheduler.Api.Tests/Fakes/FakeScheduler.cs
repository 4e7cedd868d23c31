using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Plans;

namespace Drover.Scheduler.Api.Tests.Fakes;

/// <summary>
/// An in-memory <see cref="ISchedulerOperations"/> that keeps the interface's promises (NotFound for what does not
/// exist, Conflict for a kind change or a node that is not running, nothing applied on refusal), so the API
/// and the CLI are tested against the documented outcomes without Mesos. Nodes are named &lt;cluster&gt;-&lt;index&gt;,
/// each cluster has a "deploy" plan of one step per node. Tests shape the state through the helpers.
/// </summary>
public sealed class FakeScheduler : ISchedulerOperations, IServiceOperations
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FakeCluster> _clusters = new(StringComparer.Ordinal);
    private readonly List<AdminOperationView> _admin = [];
    private readonly List<string> _calls = [];
    private SubscriptionView _subscription = new() { State = SubscriptionState.Subscribed, Master = "master@127.0.0.1:5050" };
    private OfferCounters _offers = new();
    private int _nextRequest;

    public FakeScheduler(TimeProvider? time = null) => Time = time ?? TimeProvider.System;

    public TimeProvider Time { get; }

    public bool Leader { get; set; } = true;

    /// <summary>While set, every change waits for it (a loop that does not answer).</summary>
    public TaskCompletionSource? Stall { get; set; }

    /// <summary>The changes asked of it, in order ("put web", "scale web 5"): a refused request adds none.</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Called (under the lock) before each snapshot: lets a test move the state on as a client watches it.</summary>
    public Action<FakeScheduler>? OnSnapshot { get; set; }

    public SchedulerSnapshot Snapshot()
    {
        lock (_gate)
        {
            OnSnapshot?.Invoke(this);
            return new SchedulerSnapshot
            {
                Framework = new FrameworkView { Name = "drover", Id = "0a1b2c3d-0000-0000-0000-000000000001-0000", Role = "drover", Principal = "drover", Leader = Leader },
                Subscription = _subscription,
                Clusters = [.. _clusters.Values.OrderBy(c => c.Spec.Name, StringComparer.Ordinal).Select(c => c.View())],
                AdminOperations = [.. _admin],
                Offers = _offers,
                Time = Time.GetUtcNow(),
            };
        }
    }

    public Task<OperationResult> PutClusterAsync(ClusterSpec spec, CancellationToken cancellationToken = default) =>
        Change(cancellationToken, () =>
        {
            if (_clusters.TryGetValue(spec.Name, out var cluster))
            {
                if (cluster.Deleting)
                {
                    return OperationResult.Conflict($"cluster '{spec.Name}' is being deleted");
                }

                if (cluster.Spec.Kind != spec.Kind)
                {
                    return OperationResult.Conflict($"cluster '{spec.Name}' is {cluster.Spec.Kind}; its kind cannot change");
                }

                _calls.Add($"put {spec.Name}");
                cluster.Update(spec);
                return OperationResult.Ok($"cluster '{spec.Name}' updated to generation {cluster.Generation}");
            }

            _calls.Add($"put {spec.Name}");
            _clusters[spec.Name] = new FakeCluster(spec);
            return OperationResult.Ok($"cluster '{spec.Name}' created");
        });

    public Task<OperationResult> DeleteClusterAsync(string cluster, CancellationToken cancellationToken = default) =>
        Change(cancellationToken, () => WithCluster(cluster, c =>
        {
            if (c.Deleting)
            {
                return OperationResult.Conflict($"cluster '{cluster}' is already being deleted");
            }

            _calls.Add($"delete {cluster}");
            c.Deleting = true;
            return OperationResult.Ok($"cluster '{cluster}' is being deleted");
        }));

    public Task<OperationResult> ScaleAsync(string cluster, int count, CancellationToken cancellationToken = default) =>
        Change(cancellationToken, () => WithCluster(cluster, c =>
        {
            if (c.Deleting)
            {
                return OperationResult.Conflict($"cluster '{cluster}' is being deleted");
            }

            _calls.Add($"scale {cluster} {count}");
            c.Update(c.Spec with { Count = count });
            return OperationResult.Ok($"cluster '{cluster}' scales to {count}");
        }));

    // ---- the kinds' operations: recorded, refused for a missing cluster or the wrong kind (no plans run here) ----

    public Task<OperationResult> StartRepairAsync(string cluster, CancellationToken cancellationToken = default) =>
        Change(cancellationToken, () => OfKind(cluster, ClusterKind.Cassandra, $"repair {cluster}", "repair round 1 started"));

    public Task<OperationResult> CleanupAsync(string cluster, IReadOnlyList<string>? nodes, string? keyspace, CancellationToken cancellationToken = default) =>
        Change(cancellationToken, () => OfKind(cluster, ClusterKind.Cassandra, $"cleanup {cluster} [{string.Join(",", nodes ?? [])}] {keyspace ?? "*"}", "cleanup started"));

    public Task<OperationResult> SetDatasetSizeAsync(string cluster, double sizeMb, CancellationToken cancellationToken = default) =>
        Change(cancellationToken, () => sizeMb < 0
            ? OperationResult.Invalid("size_mb", "negative")
            : OfKind(cluster, ClusterKind.Drill, $"dataset {cluster} {sizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "3 drillbit(s)"));

    public Task<OperationResult> SetVersionAsync(string? cluster, string version, CancellationToken cancellationToken = default) =>
        Change(cancellationToken, () => OfKind(cluster ?? _clusters.Values.FirstOrDefault(c => c.Spec.Kind == ClusterKind.Quobyte)?.Spec.Name ?? "", ClusterKind.Quobyte,
            $"version {cluster ?? "-"} '{version}'", version.Length == 0 ? "stopping every service" : $"deploying {version}"));

    private OperationResult OfKind(string cluster, ClusterKind kind, string call, string message) => WithCluster(cluster, c =>
    {
        if (c.Spec.Kind != kind)
        {
            return OperationResult.Conflict($"cluster {cluster} is not {kind}");
        }

        _calls.Add(call);
        return OperationResult.Ok(message);
    });

    public Task<OperationResult> InterruptPlanAsync(string cluster, string plan, CancellationToken cancellationToken = default) =>
        Change(cancellationToken, () => WithPlan(cluster, plan, p =>
        {
            _calls.Add($"interrupt {cluster} {plan}");
            p.Interrupted = true;
            return OperationResult.Ok($"plan '{plan}' interrupted");
        }));

    public Task<OperationResult> ContinuePlanAsync(string cluster, string plan, CancellationToken cancellationToken = default) =>
        Change(cancellationToken, () => WithPlan(cluster, plan, p =>
        {
            _calls.Add($"continue {cluster} {plan}");
            p.Interrupted = false;
            return OperationResult.Ok($"plan '{plan}' continues");
        }));

    public Task<OperationResult> RestartStepAsync(string cluster, string plan, string phase, string step, CancellationToken cancellationToken = default) =>
        Change(cancellationToken, () => WithPlan(cluster, plan, p =>
        {
            if (p.FindStep(phase, step) is not { } found)
            {
                return OperationResult.NotFound($"plan '{plan}' has no step '{phase}/{step}'");
            }

            _calls.Add($"restart-step {cluster} {plan} {phase} {step}");
            found.Reset();
            return OperationResult.Ok($"step '{phase}/{step}' restarts");
        }));

    public Task<OperationResult> RestartNodeAsync(string cluster, string node, CancellationToken cancellationToken = default) =>
        Change(cancellationToken, () => WithNode(cluster, node, (c, n) =>
        {
            if (n.Phase != NodePhase.Running)
            {
                return OperationResult.Conflict($"node '{node}' is {n.Phase}, not running: nothing to restart");
            }

            _calls.Add($"restart {cluster} {node}");
            c.SetNode(n with { Goal = NodeGoal.Restart });
            return OperationResult.Ok($"node '{node}' restarts in place");
        }));

    public Task<OperationResult> ReplaceNodeAsync(string cluster, string node, CancellationToken cancellationToken = default) =>
        Change(cancellationToken, () => WithNode(cluster, node, (c, n) =>
        {
            _calls.Add($"replace {cluster} {node}");
            c.SetNode(n with { Goal = NodeGoal.Replace });
            return OperationResult.Ok($"node '{node}' is replaced");
        }));

    public Task<OperationResult> SendAdminOperationAsync(
        string cluster, string node, string operation, IReadOnlyDictionary<string, string> arguments, CancellationToken cancellationToken = default) =>
        Change(cancellationToken, () => WithNode(cluster, node, (_, n) =>
        {
            if (n.Phase != NodePhase.Running)
            {
                return OperationResult.Conflict($"node '{node}' is {n.Phase}: admin operations need a running task");
            }

            var id = $"admin-{++_nextRequest:D4}";
            _calls.Add($"admin {cluster} {node} {operation}");
            _admin.Add(new AdminOperationView
            {
                RequestId = id,
                Cluster = cluster,
                Node = node,
                Operation = operation,
                Arguments = new Dictionary<string, string>(arguments),
                State = AdminOperationState.Sent,
                Requested = Time.GetUtcNow(),
            });
            return OperationResult.Ok($"{operation} sent to {node}", id);
        }));

    public bool HasCluster(string cluster)
    {
        lock (_gate)
        {
            return _clusters.ContainsKey(cluster);
        }
    }

    /// <summary>The first step of the plan not complete yet, or null.</summary>
    public string? NextStep(string cluster, string plan)
    {
        lock (_gate)
        {
            return _clusters[cluster].Plans.Single(p => p.Name == plan).Steps.FirstOrDefault(s => s.Status != StepStatus.Complete)?.Name;
        }
    }

    /// <summary>The admin operations still waiting for their reply.</summary>
    public IReadOnlyList<string> Unanswered()
    {
        lock (_gate)
        {
            return [.. _admin.Where(a => a.State == AdminOperationState.Sent).Select(a => a.RequestId)];
        }
    }

    /// <summary>The executor's AdminReply arriving.</summary>
    public void Reply(string requestId, AdminOperationState state, string output)
    {
        lock (_gate)
        {
            var index = _admin.FindIndex(a => a.RequestId == requestId);
            _admin[index] = _admin[index] with { State = state, Output = output, Replied = Time.GetUtcNow() };
        }
    }

    /// <summary>Puts a cluster in place as if deployed: every node running and healthy on agent-N with endpoints.</summary>
    public void Seed(ClusterSpec spec, bool running = true)
    {
        lock (_gate)
        {
            var cluster = new FakeCluster(spec);
            if (running)
            {
                cluster.RunAll();
            }

            _clusters[spec.Name] = cluster;
        }
    }

    public void Edit(string cluster, string node, Func<NodeView, NodeView> edit)
    {
        lock (_gate)
        {
            var c = _clusters[cluster];
            c.SetNode(edit(c.Nodes.Single(n => n.Name == node)));
        }
    }

    public void MarkStep(string cluster, string plan, string step, StepStatus status)
    {
        lock (_gate)
        {
            _clusters[cluster].Plans.Single(p => p.Name == plan).Steps.Single(s => s.Name == step).Status = status;
        }
    }

    public void SetSubscription(SubscriptionView subscription)
    {
        lock (_gate)
        {
            _subscription = subscription;
        }
    }

    public void SetOffers(OfferCounters offers)
    {
        lock (_gate)
        {
            _offers = offers;
        }
    }

    private async Task<OperationResult> Change(CancellationToken cancellationToken, Func<OperationResult> change)
    {
        if (Stall is { } stall)
        {
            await stall.Task.WaitAsync(cancellationToken);
        }

        lock (_gate)
        {
            return change();
        }
    }

    private OperationResult WithCluster(string cluster, Func<FakeCluster, OperationResult> change) =>
        _clusters.TryGetValue(cluster, out var c) ? change(c) : OperationResult.NotFound($"no cluster named '{cluster}'");

    private OperationResult WithPlan(string cluster, string plan, Func<Plan, OperationResult> change) => WithCluster(cluster, c =>
        c.Plans.FirstOrDefault(p => p.Name == plan) is { } found ? change(found) : OperationResult.NotFound($"cluster '{cluster}' has no plan '{plan}'"));

    private OperationResult WithNode(string cluster, string node, Func<FakeCluster, NodeView, OperationResult> change) => WithCluster(cluster, c =>
        c.Nodes.FirstOrDefault(n => n.Name == node) is { } found ? change(c, found) : OperationResult.NotFound($"cluster '{cluster}' has no node '{node}'"));
}
