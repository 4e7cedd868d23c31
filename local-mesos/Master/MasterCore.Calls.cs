using Drover.Mesos.V1;
using TaskStatus = Drover.Mesos.V1.TaskStatus;
using Google.Protobuf;
using Call = Drover.Mesos.V1.Scheduler.Call;
using Event = Drover.Mesos.V1.Scheduler.Event;
using Response = Drover.Mesos.V1.Scheduler.Response;

namespace Drover.LocalMesos.Master;

internal sealed partial class MasterCore
{
    /// <summary>
    /// A validated call other than SUBSCRIBE, in the order of Master::Http::scheduler: the framework, the principal,
    /// the subscription, the stream id, then the call itself. Runs on the loop.
    /// </summary>
    public CallAnswer Handle(Call call, string? streamId, string? principal)
    {
        if (Framework(call.FrameworkId.Value) is not { } framework)
        {
            return CallAnswer.BadRequest("Framework cannot be found");
        }

        if (principal is not null && principal != framework.Info.Principal)
        {
            return CallAnswer.BadRequest($"Authenticated principal '{principal}' does not match principal '{framework.Info.Principal}' set in `FrameworkInfo`");
        }

        if (!framework.Connected)
        {
            return new CallAnswer(403, "Framework is not subscribed");
        }

        if (streamId is null)
        {
            return CallAnswer.BadRequest("All non-subscribe calls should include the 'Mesos-Stream-Id' header");
        }

        if (streamId != framework.Stream!.StreamId)
        {
            return CallAnswer.BadRequest($"The stream ID '{streamId}' included in this request didn't match the stream ID currently associated with framework ID {framework.Id}");
        }

        switch (call.Type)
        {
            case Call.Types.Type.Teardown:
                RemoveFramework(framework, "it asked for TEARDOWN");
                return CallAnswer.Accepted;
            case Call.Types.Type.Accept:
                Accept(framework, call.Accept);
                return CallAnswer.Accepted;
            case Call.Types.Type.Decline:
                Decline(framework, call.Decline.OfferIds, call.Decline.Filters);
                return CallAnswer.Accepted;
            case Call.Types.Type.AcceptInverseOffers or Call.Types.Type.DeclineInverseOffers or Call.Types.Type.Request:
                // No maintenance schedule here, hence no inverse offers; REQUEST is a no-op in Mesos' allocator too.
                return CallAnswer.Accepted;
            case Call.Types.Type.Revive:
                Revive(framework, call.Revive?.Roles ?? []);
                return CallAnswer.Accepted;
            case Call.Types.Type.Suppress:
                Suppress(framework, call.Suppress?.Roles ?? []);
                return CallAnswer.Accepted;
            case Call.Types.Type.Kill:
                Kill(framework, call.Kill);
                return CallAnswer.Accepted;
            case Call.Types.Type.Shutdown:
                ShutdownCall(framework, call.Shutdown);
                return CallAnswer.Accepted;
            case Call.Types.Type.Acknowledge:
                Acknowledge(framework, call.Acknowledge);
                return CallAnswer.Accepted;
            case Call.Types.Type.AcknowledgeOperationStatus:
                // Operation updates are final when sent (default resources apply at once); nothing waits for the ack.
                return CallAnswer.Accepted;
            case Call.Types.Type.Reconcile:
                Reconcile(framework, call.Reconcile);
                return CallAnswer.Accepted;
            case Call.Types.Type.ReconcileOperations:
                return new CallAnswer(200, "", new Response
                {
                    Type = Response.Types.Type.ReconcileOperations,
                    ReconcileOperations = new Response.Types.ReconcileOperations(),
                }.ToByteArray());
            case Call.Types.Type.Message:
                FrameworkMessage(framework, call.Message);
                return CallAnswer.Accepted;
            default:
                return new CallAnswer(501, "");
        }
    }

    private void Decline(FrameworkRecord framework, IEnumerable<OfferID> offerIds, Filters? filters)
    {
        foreach (var offerId in offerIds)
        {
            if (_offers.TryGetValue(offerId.Value, out var offer) && offer.FrameworkId.Value == framework.Id)
            {
                RemoveOffer(offer, filters ?? new Filters());
            }
        }
    }

    private void Revive(FrameworkRecord framework, IReadOnlyCollection<string> roles)
    {
        var which = roles.Count == 0 ? framework.Roles : roles;
        framework.Suppressed.ExceptWith(which);
        framework.Filters.RemoveAll(f => which.Contains(f.Role));
        AllocateSoon();
    }

    private static void Suppress(FrameworkRecord framework, IReadOnlyCollection<string> roles) =>
        framework.Suppressed.UnionWith(roles.Count == 0 ? framework.Roles : roles);

    private void Kill(FrameworkRecord framework, Call.Types.Kill kill)
    {
        if (!_tasks.TryGetValue((framework.Id, kill.TaskId.Value), out var task) || task.IsTerminal)
        {
            // Master::kill: an unknown task is answered by reconciliation.
            Log($"cannot kill unknown task {kill.TaskId.Value} of framework {framework.Id}: reconciling it");
            ReconcileOne(framework, kill.TaskId.Value, kill.AgentId?.Value);
            return;
        }

        var agent = _agents[task.AgentId];
        if (agent.State != AgentState.Active)
        {
            Log($"task {task.Id} is on unreachable agent {agent.Id}: the KILL waits for nothing (as the master's)");
            return;
        }

        if (!agent.Executors.TryGetValue((framework.Id, task.ExecutorId), out var executor))
        {
            return;
        }

        var grace = kill.KillPolicy?.GracePeriod is { } period ? TimeSpan.FromTicks(period.Nanoseconds / 100) : (TimeSpan?)null;
        executor.Enqueue(run => run.Emulator!.KillAsync(task.Id, grace), e => Log($"KILL of {task.Id} not delivered: {e.Message}"));
    }

    private void ShutdownCall(FrameworkRecord framework, Call.Types.Shutdown shutdown)
    {
        if (_agents.TryGetValue(shutdown.AgentId.Value, out var agent)
            && agent.Executors.TryGetValue((framework.Id, shutdown.ExecutorId.Value), out var executor))
        {
            ShutdownExecutor(agent, executor);
        }
    }

    private void Acknowledge(FrameworkRecord framework, Call.Types.Acknowledge acknowledge)
    {
        framework.Unacknowledged.RemoveAll(u => u.Status.Uuid == acknowledge.Uuid);
        if (_tasks.TryGetValue((framework.Id, acknowledge.TaskId.Value), out var task))
        {
            task.Pending.Remove(acknowledge.Uuid);
            if (task.IsTerminal && task.Pending.Count == 0)
            {
                _tasks.Remove((framework.Id, task.Id));
            }
        }
    }

    private void FrameworkMessage(FrameworkRecord framework, Call.Types.Message message)
    {
        if (_agents.TryGetValue(message.AgentId.Value, out var agent)
            && agent.State == AgentState.Active
            && agent.Executors.TryGetValue((framework.Id, message.ExecutorId.Value), out var executor))
        {
            var data = message.Data;
            executor.Enqueue(run => run.Emulator!.SendMessageAsync(data), e => Log($"MESSAGE to {executor.Id} not delivered: {e.Message}"));
        }
        else
        {
            Log($"dropping MESSAGE to executor {message.ExecutorId.Value} on agent {message.AgentId.Value}: not running there");
        }
    }

    /// <summary>Explicit (tasks listed) or implicit (none listed: every task the master knows) reconciliation.</summary>
    private void Reconcile(FrameworkRecord framework, Call.Types.Reconcile reconcile)
    {
        if (reconcile.Tasks.Count == 0)
        {
            foreach (var task in _tasks.Values.Where(t => t.FrameworkId == framework.Id).ToArray())
            {
                Send(framework, UpdateEvent(LatestForReconciliation(task)));
            }

            return;
        }

        foreach (var task in reconcile.Tasks)
        {
            ReconcileOne(framework, task.TaskId.Value, task.AgentId?.Value);
        }
    }

    private void ReconcileOne(FrameworkRecord framework, string taskId, string? agentId)
    {
        const Drover.Mesos.V1.TaskStatus.Types.Reason Reconciliation = Drover.Mesos.V1.TaskStatus.Types.Reason.Reconciliation;
        if (_tasks.TryGetValue((framework.Id, taskId), out var known))
        {
            Send(framework, UpdateEvent(LatestForReconciliation(known)));
            return;
        }

        TaskStatus status;
        if (agentId is not null && _agents.TryGetValue(agentId, out var agent))
        {
            status = agent.State == AgentState.Unreachable
                ? MasterStatus(taskId, agentId, framework.PartitionAware ? TaskState.TaskUnreachable : TaskState.TaskLost, Reconciliation, "Reconciliation: Task is unreachable")
                : MasterStatus(taskId, agentId, framework.PartitionAware ? TaskState.TaskGone : TaskState.TaskLost, Reconciliation, "Reconciliation: Task is unknown to the agent");
        }
        else
        {
            status = MasterStatus(taskId, agentId, framework.PartitionAware ? TaskState.TaskUnknown : TaskState.TaskLost, Reconciliation, "Reconciliation: Task is unknown");
        }

        Send(framework, UpdateEvent(status));
    }

    private TaskStatus LatestForReconciliation(TaskRecord task)
    {
        var status = task.Latest?.Clone() ?? MasterStatus(task.Id, task.AgentId, task.State, Drover.Mesos.V1.TaskStatus.Types.Reason.Reconciliation, "");
        status.State = task.State;
        status.Source = Drover.Mesos.V1.TaskStatus.Types.Source.Master;
        status.Reason = Drover.Mesos.V1.TaskStatus.Types.Reason.Reconciliation;
        status.Message = "Reconciliation: Latest task state";
        status.ClearUuid();
        status.AgentId ??= new AgentID { Value = task.AgentId };
        return status;
    }

    private void SendOperationStatus(FrameworkRecord framework, Offer.Types.Operation operation, OperationState state, string? agentId, string? message, bool withUuid)
    {
        if (operation.Id is null)
        {
            return;
        }

        var status = new OperationStatus { OperationId = operation.Id.Clone(), State = state };
        if (message is not null)
        {
            status.Message = message;
        }

        if (agentId is not null)
        {
            status.AgentId = new AgentID { Value = agentId };
        }

        if (withUuid)
        {
            status.Uuid = new UUID { Value = NewUuid() };
        }

        Send(framework, new Event
        {
            Type = Event.Types.Type.UpdateOperationStatus,
            UpdateOperationStatus = new Event.Types.UpdateOperationStatus { Status = status },
        });
    }
}
