using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using Drover.Logging;
using Drover.Scheduler.Model;
using Drover.Scheduler.Offers;
using Drover.Scheduler.Plans;
using Drover.Scheduler.State;
using Google.Protobuf;
using Call = Drover.Mesos.V1.Scheduler.Call;

namespace Drover.Scheduler.Core;

/// <summary>
/// Offers: answered at once, never held. Each offer first releases what the ledger says no node needs any more,
/// then relaunches nodes on their own reservations, then places new nodes on its unreserved resources, taking
/// only what they need; an offer with nothing to do is declined with a refuse filter.
/// </summary>
public sealed partial class SchedulerLoop
{
    private long _offersReceived;
    private long _offersUsed;
    private long _offersDeclined;
    private long _offersRescinded;

    /// <summary>Ledger-less resources labelled ours, reported once each: never touched (another scheduler with our name?).</summary>
    private readonly HashSet<string> _strangers = new(StringComparer.Ordinal);

    private async Task OnOffersAsync(IReadOnlyList<Offer> offers)
    {
        _offersReceived += offers.Count;
        AgentsBack(offers);
        TasklessNodesBack(offers);
        if (_subscription != Operations.SubscriptionState.Subscribed)
        {
            // Nothing is launched before every known task is reconciled.
            await DeclineAsync(offers.Select(o => o.Id), _options.ReconcilingDeclineRefuse).ConfigureAwait(false);
            return;
        }

        RememberAgents(offers);
        var declined = new List<OfferID>();
        foreach (var offer in offers)
        {
            var operations = new List<Offer.Types.Operation>();
            Release(offer, operations);
            Relaunch(offer, operations);
            Place(offer, operations);
            if (operations.Count == 0)
            {
                declined.Add(offer.Id);
                continue;
            }

            _offersUsed++;
            var accept = new Call
            {
                Type = Call.Types.Type.Accept,
                Accept = new Call.Types.Accept { Filters = new Filters { RefuseSeconds = _options.DeclineRefuse.TotalSeconds } },
            };
            accept.Accept.OfferIds.Add(offer.Id);
            accept.Accept.Operations.AddRange(operations);
            Log.Info($"accepting offer {offer.Id.Value} on {offer.Hostname}: {string.Join(", ", operations.Select(Describe))}");
            await SendAsync(accept).ConfigureAwait(false);
        }

        if (declined.Count > 0)
        {
            await DeclineAsync(declined, _options.DeclineRefuse).ConfigureAwait(false);
        }
    }

    private async Task DeclineAsync(IEnumerable<OfferID> offers, TimeSpan refuse)
    {
        var call = new Call { Type = Call.Types.Type.Decline, Decline = new Call.Types.Decline { Filters = new Filters { RefuseSeconds = refuse.TotalSeconds } } };
        call.Decline.OfferIds.AddRange(offers);
        if (call.Decline.OfferIds.Count == 0)
        {
            return;
        }

        _offersDeclined += call.Decline.OfferIds.Count;
        await SendAsync(call).ConfigureAwait(false);
    }

    /// <summary>DESTROY and UNRESERVE what the ledger releases, only as much as the offer holds.</summary>
    private void Release(Offer offer, List<Offer.Types.Operation> operations)
    {
        foreach (var entry in _ledger.Values.Where(e => e.AgentId == offer.AgentId.Value && e.State is LedgerState.Releasing or LedgerState.Abandoned).ToList())
        {
            var held = OfferMatcher.ReservedFor(offer, _options.Role, _options.Framework, entry.Id);
            if (held.IsEmpty)
            {
                if (entry.State == LedgerState.Abandoned)
                {
                    Log.Info($"ledger entry {entry.Id} was never made (not offered by its agent): forgotten");
                    Forget(entry);
                    ForgetRemovedNodes();
                }
                else if (entry.ReleaseSent is not null)
                {
                    // Verified by a later offer: nothing of it is reserved any more.
                    Log.Info($"ledger entry {entry.Id} released (no longer offered)");
                    Forget(entry);
                    ForgetRemovedNodes();
                }

                continue;
            }

            if (entry.State == LedgerState.Releasing && !HoldsWhole(held, entry))
            {
                // Part of it is still in use (an executor that has not exited yet, a task back from a partition): an
                // offer shows only free resources, and what is released must be all of the entry, or the rest would
                // stay reserved once the ledger forgot it. The next offer after it is freed holds it whole.
                Log.Debug($"offer {offer.Id.Value} holds only part of reservation {entry.Id} ({held}): releasing it once it is free");
                continue;
            }

            var volumes = held.Where(r => r.IsPersistentVolume()).ToList();
            var ids = new List<string>();
            if (volumes.Count > 0)
            {
                var destroy = OperationId(entry, "destroy");
                ids.Add(destroy);
                operations.Add(NodeTasks.DestroyOperation(volumes, destroy));
            }

            var unreserve = OperationId(entry, "unreserve", ids.Count);
            ids.Add(unreserve);
            var plain = held.Where(r => !r.IsPersistentVolume()).Concat(volumes.Select(v => v.WithoutVolume()));
            operations.Add(NodeTasks.UnreserveOperation(ResourceSet.Of(plain), unreserve));
            Save(entry with { State = LedgerState.Releasing, ReleaseSent = Now, Operations = [.. entry.Operations, .. ids] });
        }

        foreach (var resource in offer.Resources.Where(r => ReservationLabels.IsOurs(r, _options.Role, _options.Framework)))
        {
            if (ReservationLabels.EntryOf(resource) is { } id && !_ledger.ContainsKey(id) && _strangers.Add(id))
            {
                Log.Warning($"agent {offer.Hostname} offers resources labelled as this framework's (reservation '{id}') that the ledger does not know: leaving them alone");
            }
        }
    }

    /// <summary>Whether <paramref name="held"/> is all the entry reserved (its volume destroyed or not).</summary>
    private static bool HoldsWhole(ResourceSet held, LedgerEntry entry) =>
        ResourceSet.Of(held.Select(r => r.IsPersistentVolume() ? r.WithoutVolume() : r)).Contains(ResourceSet.Of(Decode(entry.Reserved)));

    /// <summary>Nodes that wait on this agent's reservation: launched again on exactly their reserved resources and volume.</summary>
    private void Relaunch(Offer offer, List<Offer.Types.Operation> operations)
    {
        foreach (var node in _nodes.Values.Where(n => n.AgentId == offer.AgentId.Value && n.Reservation is not null && WantsLaunch(n)).OrderBy(n => n.Index).ToList())
        {
            var entry = _ledger[node.Reservation!];
            var held = OfferMatcher.ReservedFor(offer, _options.Role, _options.Framework, entry.Id);
            var expected = NodeTasks.AfterCreate(Decode(entry.Reserved), entry.Volume is { } v ? Decode(v) : null);
            if (!held.Contains(expected))
            {
                if (held.IsEmpty && entry.State == LedgerState.Intended)
                {
                    // Never seen, and not here: the RESERVE did not happen (the scheduler died before or during its
                    // ACCEPT). Released if it ever shows up; the node is placed afresh.
                    Log.Info($"reservation {entry.Id} is not on agent {offer.Hostname}: placing the node afresh", Subject(node));
                    Forget(entry);
                    Save(node with { Reservation = null, Phase = NodePhase.Pending, AgentId = null, Hostname = null, Ports = new Dictionary<string, int>() });
                }
                else
                {
                    Log.Debug($"offer {offer.Id.Value} holds only part of reservation {entry.Id} ({held}); waiting", Subject(node));
                }

                continue;
            }

            if (entry.State == LedgerState.Intended)
            {
                Save(entry with { State = LedgerState.Confirmed });
            }

            var launched = NextIncarnation(node) with { Phase = NodePhase.Launching, Message = "launching on its reservation", Hostname = offer.Hostname };
            Save(launched);
            operations.Add(NodeTasks.LaunchOperation(TaskOf(_clusters[node.Cluster], launched, held, offer.AgentId.Value)));
        }
    }

    /// <summary>
    /// Nodes without a reservation: RESERVE + CREATE + LAUNCH where the offer's unreserved resources and the placement
    /// allow; RESERVE + CREATE alone for a node whose step only reserves (it is launched later, by Relaunch).
    /// </summary>
    private void Place(Offer offer, List<Offer.Types.Operation> operations)
    {
        var available = OfferMatcher.Unreserved(offer, _options.Role);
        foreach (var node in _nodes.Values.Where(n => n.Reservation is null).OrderBy(n => n.Cluster, StringComparer.Ordinal).ThenBy(n => n.Index).ToList())
        {
            var launch = WantsLaunch(node);
            if (!launch && !WantsReservation(node))
            {
                continue;
            }

            if (node.ReplacedFrom == offer.AgentId.Value)
            {
                continue;
            }

            var cluster = _clusters[node.Cluster];
            var shape = ShapeOf(cluster, node.Name);
            if (shape.Host is { } host && !string.Equals(host, offer.Hostname, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var others = NodesOf(node.Cluster).Where(n => n.Name != node.Name && n.AgentId is not null && n.Phase != NodePhase.Removed).ToList();
            if (OfferMatcher.PlacementRefusal(shape.Placement, offer,
                others.Count(n => n.AgentId == offer.AgentId.Value), others.Count(n => n.Hostname == offer.Hostname)) is { } refusal)
            {
                Log.Debug($"not on {offer.Hostname}: {refusal}", Subject(node));
                continue;
            }

            var needs = NodeNeeds.Of(shape, _options);
            if (PlannerOf(cluster).SpreadAcrossAgents && SpreadRefusal(offer, needs, others) is { } crowded)
            {
                Log.Debug($"not on {offer.Hostname}: {crowded}", Subject(node));
                continue;
            }

            if (OfferMatcher.Fit(needs, available, _options.Role, out var why) is not { } placement)
            {
                Log.Debug($"not on {offer.Hostname}: {why}", Subject(node));
                continue;
            }

            var (entryId, placements) = NewEntryId(node);
            var (reserved, volume) = _tasks.Reserve(placement, needs, _tasks.Reservation(node.Cluster, node.Name, entryId), entryId);
            var reserveId = $"{entryId}:reserve:0";
            var createId = $"{entryId}:create:1";
            var entry = new LedgerEntry
            {
                Id = entryId,
                Cluster = node.Cluster,
                Node = node.Name,
                AgentId = offer.AgentId.Value,
                Hostname = offer.Hostname,
                State = LedgerState.Intended,
                Reserved = [.. reserved.Select(Encode)],
                Volume = volume is null ? null : Encode(volume),
                Operations = volume is null ? [reserveId] : [reserveId, createId],
                Created = Now,
            };
            Save(entry);
            var placed = (launch ? NextIncarnation(node) : node) with
            {
                // Placed afresh after running elsewhere (its agent gone): where it was, for the kind to take over from.
                Previous = node.Previous ?? AddressOf(node),
                Phase = launch ? NodePhase.Launching : NodePhase.Pending,
                Reservation = entryId,
                Placements = placements,
                AgentId = offer.AgentId.Value,
                Hostname = offer.Hostname,
                Ports = placement.Ports,
                Message = launch ? $"reserving and launching on {offer.Hostname}" : $"reserving on {offer.Hostname}, to be launched by a later step",
            };
            Save(placed);
            operations.Add(NodeTasks.ReserveOperation(reserved, reserveId));
            if (volume is not null)
            {
                operations.Add(NodeTasks.CreateOperation(volume, createId));
            }

            if (launch)
            {
                operations.Add(NodeTasks.LaunchOperation(TaskOf(cluster, placed, NodeTasks.AfterCreate(reserved, volume), offer.AgentId.Value)));
            }

            available = available.Minus(placement.Unreserved);
        }
    }

    /// <summary>A new task identity, persisted with the launch: the task id is never reused.</summary>
    private NodeRecord NextIncarnation(NodeRecord node)
    {
        var incarnation = node.Incarnation + 1;
        var taskId = NodeTasks.TaskId(node.Cluster, node.Name, incarnation);
        return node with
        {
            Incarnation = incarnation,
            TaskId = taskId,
            ExecutorId = taskId,
            TaskState = null,
            Healthy = null,
            Generation = _clusters[node.Cluster].Generation,
            Version = _clusters[node.Cluster].Spec.Version,
        };
    }

    /// <summary>The node's task: its shape, and a NodeSpec its kind's planner completes from the rest of the cluster.</summary>
    private TaskInfo TaskOf(ClusterRecord cluster, NodeRecord node, ResourceSet reserved, string agentId)
    {
        // The node is saved with its new placement first, so its own address counts among its cluster's (a seed lists itself).
        var context = Context(cluster);
        return _tasks.Task(cluster, node, ShapeOf(cluster, node.Name), reserved, _framework!.Id, agentId,
            spec => PlannerOf(cluster).Decorate(spec, context, node));
    }

    /// <summary>Agents seen offering recently, with what they had unreserved: where a spread cluster's nodes could go.</summary>
    private readonly Dictionary<string, (DateTimeOffset Seen, ResourceSet Unreserved)> _agentOffers = new(StringComparer.Ordinal);

    /// <summary>How long an agent that stopped offering still counts for spreading (longer than a decline's refuse filter).</summary>
    private static readonly TimeSpan AgentMemory = TimeSpan.FromMinutes(10);

    private void RememberAgents(IReadOnlyList<Offer> offers)
    {
        foreach (var offer in offers)
        {
            _agentOffers[offer.AgentId.Value] = (Now, OfferMatcher.Unreserved(offer, _options.Role));
        }

        foreach (var stale in _agentOffers.Where(a => a.Value.Seen + AgentMemory < Now).Select(a => a.Key).ToList())
        {
            _agentOffers.Remove(stale);
        }
    }

    /// <summary>
    /// Spread (riak-mesos): a node goes on an agent only if no other agent that could take it holds fewer of the
    /// cluster's nodes, so agents get a second node only once every one has a first. The agents known are those
    /// that offered in the last minutes (the scheduler learns them again from offers after a restart).
    /// </summary>
    private string? SpreadRefusal(Offer offer, NodeNeeds needs, List<NodeRecord> others)
    {
        var here = others.Count(n => n.AgentId == offer.AgentId.Value);
        var fewest = _agentOffers
            .Where(a => others.Any(n => n.AgentId == a.Key) || OfferMatcher.Fit(needs, a.Value.Unreserved, _options.Role, out _) is not null)
            .Select(a => others.Count(n => n.AgentId == a.Key))
            .DefaultIfEmpty(here)
            .Min();
        return here > fewest ? $"holds {here} of the cluster's nodes while another agent that fits holds {fewest} (spread)" : null;
    }

    /// <summary>The persistence id and label of the node's next reservation: &lt;framework&gt;.&lt;cluster&gt;.&lt;node&gt;.&lt;n&gt;, unique in the ledger.</summary>
    private (string Id, int Placements) NewEntryId(NodeRecord node)
    {
        var placements = node.Placements;
        string id;
        do
        {
            id = $"{_options.Framework}.{node.Cluster}.{node.Name}.{placements}";
            placements++;
        }
        while (_ledger.ContainsKey(id));

        return (id, placements);
    }

    /// <summary>Whether the node waits for an offer to launch its task now.</summary>
    private bool WantsLaunch(NodeRecord node) =>
        node.Phase is NodePhase.Pending or NodePhase.Stopped
        && node.Goal == NodeGoal.Run
        && (node.NotBefore is null || node.NotBefore <= Now)
        && _clusters.ContainsKey(node.Cluster)
        && DrivingStep(node) is not null;

    /// <summary>Whether the node waits for an offer to be placed (reserved) without a task, its step asking only that.</summary>
    private bool WantsReservation(NodeRecord node) =>
        node is { Phase: NodePhase.Pending, Goal: NodeGoal.Run, Reservation: null }
        && _clusters.ContainsKey(node.Cluster)
        && InProgressStep(node, a => a is ReserveNode) is not null;

    /// <summary>The in-progress step that wants this node running, if any: nothing launches without a step asking.</summary>
    private Step? DrivingStep(NodeRecord node) => InProgressStep(node, a => a is RunNode or RestartNode or ReplaceNode);

    private Step? InProgressStep(NodeRecord node, Func<StepAction, bool> kind)
    {
        foreach (var plan in _plans.Values.Where(p => p.Cluster == node.Cluster))
        {
            foreach (var step in plan.Steps)
            {
                if (step.Status == StepStatus.InProgress && step.Action.Node == node.Name && kind(step.Action))
                {
                    return step;
                }
            }
        }

        return null;
    }

    /// <summary>Removed nodes go once nothing of theirs is left in the ledger.</summary>
    private void ForgetRemovedNodes()
    {
        foreach (var node in _nodes.Values.Where(n => n.Phase == NodePhase.Removed).ToList())
        {
            if (!_ledger.Values.Any(e => e.Cluster == node.Cluster && e.Node == node.Name))
            {
                Log.Info("removed: its reservation and volume are released", Subject(node));
                Forget(node);
            }
        }
    }

    private static string Encode(Resource resource) => Convert.ToBase64String(resource.ToByteArray());

    private static Resource Decode(string base64) => Resource.Parser.ParseFrom(Convert.FromBase64String(base64));

    private static IReadOnlyList<Resource> Decode(IReadOnlyList<string> base64) => [.. base64.Select(Decode)];

    private static string Describe(Offer.Types.Operation operation) => operation.Type switch
    {
        Offer.Types.Operation.Types.Type.Launch => "LAUNCH " + string.Join(",", operation.Launch.TaskInfos.Select(t => t.TaskId.Value)),
        Offer.Types.Operation.Types.Type.Reserve => $"RESERVE {ResourceSet.Of(operation.Reserve.Resources)}",
        Offer.Types.Operation.Types.Type.Create => $"CREATE {ResourceSet.Of(operation.Create.Volumes)}",
        Offer.Types.Operation.Types.Type.Destroy => $"DESTROY {ResourceSet.Of(operation.Destroy.Volumes)}",
        Offer.Types.Operation.Types.Type.Unreserve => $"UNRESERVE {ResourceSet.Of(operation.Unreserve.Resources)}",
        _ => operation.Type.ToString(),
    };
}
