using Drover.Mesos.V1;
using Drover.Logging;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.State;
using Google.Protobuf;
using Call = Drover.Mesos.V1.Scheduler.Call;
using TaskStatus = Drover.Mesos.V1.TaskStatus;
using Event = Drover.Mesos.V1.Scheduler.Event;

namespace Drover.Scheduler.Core;

/// <summary>Task status updates, operation feedback, and the executors' admin replies.</summary>
public sealed partial class SchedulerLoop
{
    private readonly Dictionary<string, AdminOperationView> _admin = new(StringComparer.Ordinal);
    private readonly Queue<string> _adminOrder = new();

    private async Task OnStatusUpdateAsync(TaskStatus status)
    {
        var taskId = status.TaskId.Value;
        var state = status.State;
        // Reconciliation answers "unknown to the agent" with TASK_GONE: the task is not there, the agent is fine.
        if (state == TaskState.TaskGone && status.Reason == TaskStatus.Types.Reason.Reconciliation)
        {
            state = TaskState.TaskUnknown;
        }

        Reconciled(taskId);
        var node = NodeOfTask(taskId);
        if (node is null)
        {
            if (!NodeLifecycle.IsTerminal(state))
            {
                // Not ours (any more): a task of a replaced node back from a partition, a launch we forgot in a crash.
                Log.Warning($"update {TaskStates.Name(state)} for task {taskId}, which no node runs: killing it");
                var kill = new Call { Type = Call.Types.Type.Kill, Kill = new Call.Types.Kill { TaskId = status.TaskId } };
                if (status.AgentId is { } agent)
                {
                    kill.Kill.AgentId = agent;
                }

                await SendAsync(kill).ConfigureAwait(false);
            }
            else
            {
                Log.Info($"task {taskId}, which no node runs, ended: {TaskStates.Name(state)}{(status.HasMessage ? ": " + status.Message : "")}");
            }

            await AcknowledgeAsync(status).ConfigureAwait(false);
            return;
        }

        var updated = Apply(node, status, state);
        Save(updated);
        if (updated.Phase != node.Phase)
        {
            Log.Info($"{node.Phase} -> {updated.Phase} on {TaskStates.Name(state)}{(status.HasMessage ? ": " + status.Message : "")}", Subject(updated));
        }

        // Acknowledged after the plans have moved (AfterEventAsync): the next step of a rolling update starts without
        // waiting for the master's answer to the ACKNOWLEDGE (bench/RESULTS.md, the rolling update).
        _acknowledgements.Add(status);
    }

    /// <summary>The ACKNOWLEDGEs of this event's updates, sent once their effect is stored (SendAsync commits first).</summary>
    private async Task AcknowledgeDeferredAsync()
    {
        if (_acknowledgements.Count == 0)
        {
            return;
        }

        var pending = _acknowledgements.ToArray();
        _acknowledgements.Clear();
        foreach (var status in pending)
        {
            await AcknowledgeAsync(status).ConfigureAwait(false);
        }
    }

    /// <summary>The node after a status of its task, with the ledger changes that follow (staged).</summary>
    private NodeRecord Apply(NodeRecord node, TaskStatus status, TaskState state)
    {
        var phase = NodeLifecycle.OnTaskState(node.Phase, state);
        var running = phase is NodePhase.Running or NodePhase.Leaving;
        var next = node with
        {
            Phase = phase,
            TaskState = TaskStates.Name(state),
            // The state itself is TaskState; the message is what the status said beyond it (a healthy TASK_RUNNING says nothing).
            Message = status.HasMessage ? status.Message : null,
            Healthy = status.HasHealthy ? status.Healthy : running ? node.Healthy : null,
            AgentId = node.AgentId ?? status.AgentId?.Value,
        };

        var entry = node.Reservation is { } id ? _ledger.GetValueOrDefault(id) : null;
        if (state is TaskState.TaskStarting or TaskState.TaskStaging or TaskState.TaskRunning && entry is { State: LedgerState.Intended })
        {
            // A task runs on it: the reservation and volume exist.
            Save(entry with { State = LedgerState.Confirmed });
        }

        if (phase == NodePhase.Running)
        {
            var healthy = next.Healthy == true || (_clusters.TryGetValue(node.Cluster, out var c) && !c.Spec.ExpectsHealth());
            next = next with { LostSince = null, Failures = healthy ? 0 : next.Failures, NotBefore = null, Previous = healthy ? null : next.Previous };
        }
        else if (phase == NodePhase.Lost)
        {
            next = next with { LostSince = node.LostSince ?? Now };
        }
        else if (phase == NodePhase.Stopped)
        {
            next = AfterTaskEnded(next, entry, state);
        }

        return next;
    }

    /// <summary>The task is no more: what becomes of the node and its reservation depends on why, and on its goal.</summary>
    private NodeRecord AfterTaskEnded(NodeRecord node, LedgerEntry? entry, TaskState state)
    {
        node = node with { LostSince = null, Healthy = null };
        if (NodeLifecycle.AgentGone(state) && node.AgentId is { } agent)
        {
            // The agent is gone for good, its reservations and volumes with it: nothing left to release there.
            foreach (var onAgent in _ledger.Values.Where(e => e.AgentId == agent).ToList())
            {
                Log.Info($"agent {agent} is gone: forgetting ledger entry {onAgent.Id}");
                Forget(onAgent);
            }

            entry = null;
            node = node with { Reservation = null };
        }
        else if (entry is { State: LedgerState.Intended } && state is TaskState.TaskDropped or TaskState.TaskError or TaskState.TaskUnknown)
        {
            // Launched together with its RESERVE and never seen running: the ACCEPT was likely dropped whole. If the
            // reservation exists after all, an offer will show it and it is released; the node goes elsewhere.
            Save(entry with { State = LedgerState.Abandoned });
            entry = null;
            node = node with { Reservation = null };
        }

        switch (node.Goal)
        {
            case NodeGoal.Remove:
                if (entry is not null)
                {
                    GiveUp(entry);
                }

                return node with { Phase = NodePhase.Removed, Reservation = null };
            case NodeGoal.Replace:
                if (entry is not null)
                {
                    GiveUp(entry);
                }

                return node with
                {
                    Phase = NodePhase.Pending,
                    Reservation = null,
                    ReplacedFrom = node.AgentId,
                    AgentId = null,
                    Hostname = null,
                    Ports = new Dictionary<string, int>(),
                    Goal = NodeGoal.Run,
                    Previous = node.Previous ?? AddressOf(node),
                };
            case NodeGoal.Restart:
                return node with { Phase = node.Reservation is null ? NodePhase.Pending : NodePhase.Stopped, Goal = NodeGoal.Run };
            default:
                var failures = node.Failures + 1;
                var backoff = failures <= 1 ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(
                    _options.RelaunchInitialBackoff.Ticks * (1L << Math.Min(failures - 2, 20)), _options.RelaunchMaxBackoff.Ticks));
                return node with
                {
                    Phase = node.Reservation is null ? NodePhase.Pending : NodePhase.Stopped,
                    Failures = failures,
                    NotBefore = backoff > TimeSpan.Zero ? Now + backoff : null,
                };
        }
    }

    /// <summary>ACKNOWLEDGE only updates that carry a uuid (the others are the master's and need none), after their effect is stored.</summary>
    private async Task AcknowledgeAsync(TaskStatus status)
    {
        if (!status.HasUuid || status.Uuid.IsEmpty || status.AgentId is null)
        {
            return;
        }

        await SendAsync(new Call
        {
            Type = Call.Types.Type.Acknowledge,
            Acknowledge = new Call.Types.Acknowledge { AgentId = status.AgentId, TaskId = status.TaskId, Uuid = status.Uuid },
        }).ConfigureAwait(false);
    }

    private async Task OnOperationStatusAsync(OperationStatus status)
    {
        var operationId = status.OperationId?.Value;
        var entry = operationId is null ? null : _ledger.Values.FirstOrDefault(e => e.Operations.Contains(operationId));
        var kind = operationId is null ? "" : OperationKind(operationId);
        if (entry is null)
        {
            Log.Debug($"operation {operationId} is {status.State}: no ledger entry (already settled)");
        }
        else
        {
            Log.Info($"operation {operationId} is {status.State}{(status.HasMessage ? ": " + status.Message : "")}");
            switch (status.State)
            {
                case OperationState.OperationFinished when kind is "reserve" or "create" && entry.State == LedgerState.Intended:
                    Save(entry with { State = LedgerState.Confirmed });
                    break;
                case OperationState.OperationFinished when kind == "unreserve":
                    Forget(entry);
                    ForgetRemovedNodes();
                    break;
                case OperationState.OperationFailed or OperationState.OperationError or OperationState.OperationDropped
                    when kind is "reserve" or "create" && entry.State == LedgerState.Intended:
                    ReservationFailed(entry);
                    break;
                case OperationState.OperationFailed or OperationState.OperationError or OperationState.OperationDropped
                    when kind is "destroy" or "unreserve":
                    // Try again on the next offer that holds it.
                    Save(entry with { ReleaseSent = null });
                    break;
                case OperationState.OperationGoneByOperator:
                    Forget(entry);
                    ForgetRemovedNodes();
                    break;
            }
        }

        if (status.Uuid is { } uuid && operationId is not null)
        {
            var ack = new Call
            {
                Type = Call.Types.Type.AcknowledgeOperationStatus,
                AcknowledgeOperationStatus = new Call.Types.AcknowledgeOperationStatus
                {
                    Uuid = uuid.Value,
                    OperationId = status.OperationId,
                },
            };
            if (status.AgentId is { } agent)
            {
                ack.AcknowledgeOperationStatus.AgentId = agent;
            }

            if (status.ResourceProviderId is { } provider)
            {
                ack.AcknowledgeOperationStatus.ResourceProviderId = provider;
            }

            await SendAsync(ack).ConfigureAwait(false);
        }
    }

    /// <summary>A RESERVE or CREATE was not applied: the node (if its task does not run) goes elsewhere.</summary>
    private void ReservationFailed(LedgerEntry entry)
    {
        Save(entry with { State = LedgerState.Abandoned });
        if (Node(entry.Cluster, entry.Node) is { } node && node.Reservation == entry.Id && node.Phase is not (NodePhase.Running or NodePhase.Starting))
        {
            Save(node with { Reservation = null, Phase = node.Goal == NodeGoal.Remove ? NodePhase.Removed : NodePhase.Pending, AgentId = null, Hostname = null, Ports = new Dictionary<string, int>() });
        }
    }

    /// <summary>Operation ids are &lt;entry&gt;:&lt;kind&gt;:&lt;n&gt;.</summary>
    private static string OperationKind(string operationId)
    {
        var parts = operationId.Split(':');
        return parts.Length >= 3 ? parts[^2] : "";
    }

    private static string OperationId(LedgerEntry entry, string kind, int extra = 0) => $"{entry.Id}:{kind}:{entry.Operations.Count + extra}";

    private void OnExecutorMessage(Event.Types.Message message)
    {
        V1.AdminReply reply;
        try
        {
            reply = V1.AdminReply.Parser.ParseFrom(message.Data);
        }
        catch (InvalidProtocolBufferException e)
        {
            Log.Warning($"executor {message.ExecutorId.Value} sent a message that is not an AdminReply ({message.Data.Length} bytes): {e.Message}");
            return;
        }

        if (!_admin.TryGetValue(reply.RequestId, out var view))
        {
            Log.Warning($"admin reply {reply.Outcome} for unknown request '{reply.RequestId}' from executor {message.ExecutorId.Value}");
            return;
        }

        var state = reply.Outcome switch
        {
            V1.AdminReply.Types.Outcome.Succeeded => AdminOperationState.Succeeded,
            V1.AdminReply.Types.Outcome.Failed => AdminOperationState.Failed,
            V1.AdminReply.Types.Outcome.Rejected => AdminOperationState.Rejected,
            V1.AdminReply.Types.Outcome.TimedOut => AdminOperationState.TimedOut,
            _ => AdminOperationState.Failed,
        };
        _admin[reply.RequestId] = view with { State = state, Output = reply.Output, Replied = Now };
        Log.Info($"admin operation {view.Operation} ({reply.RequestId}): {state}", $"{view.Cluster}/{view.Node}");
    }

    /// <summary>Sends an AdminRequest to the node's executor; false when the node has no running task to take it.</summary>
    private async Task<bool> SendAdminAsync(AdminOperationView view)
    {
        var node = Node(view.Cluster, view.Node);
        if (node is not { Phase: NodePhase.Running or NodePhase.Leaving, TaskId: { } taskId, AgentId: { } agentId })
        {
            return false;
        }

        var request = new V1.AdminRequest { RequestId = view.RequestId, TaskId = taskId, Operation = view.Operation };
        foreach (var (key, value) in view.Arguments)
        {
            request.Arguments[key] = value;
        }

        var outcome = await SendAsync(new Call
        {
            Type = Call.Types.Type.Message,
            Message = new Call.Types.Message
            {
                AgentId = new AgentID { Value = agentId },
                ExecutorId = new ExecutorID { Value = node.ExecutorId ?? taskId },
                Data = request.ToByteString(),
            },
        }).ConfigureAwait(false);
        if (outcome is not Master.CallOutcome.AcceptedOutcome)
        {
            return false;
        }

        _admin[view.RequestId] = view with { State = AdminOperationState.Sent };
        Log.Info($"admin operation {view.Operation} sent ({view.RequestId})", $"{view.Cluster}/{view.Node}");
        return true;
    }

    private AdminOperationView TrackAdmin(string cluster, string node, string operation, IReadOnlyDictionary<string, string> arguments, string? step, string? requestId = null)
    {
        var view = new AdminOperationView
        {
            RequestId = requestId ?? Guid.NewGuid().ToString("N"),
            Cluster = cluster,
            Node = node,
            Operation = operation,
            Arguments = arguments,
            State = AdminOperationState.Pending,
            Requested = Now,
            Step = step,
        };
        _admin[view.RequestId] = view;
        _adminOrder.Enqueue(view.RequestId);
        while (_adminOrder.Count > _options.AdminOperationsKept && _adminOrder.TryDequeue(out var old))
        {
            _admin.Remove(old);
        }

        return view;
    }

    private static string Subject(NodeRecord node) => $"{node.Cluster}/{node.Name}";

    /// <summary>Where the node runs (or ran), if it was ever placed.</summary>
    private static NodeAddress? AddressOf(NodeRecord node) => node.Hostname is { } host && node.Incarnation > 0 ? new NodeAddress(host, node.Ports) : null;
}

/// <summary>Mesos' names of task states (TASK_RUNNING), as operators know them.</summary>
public static class TaskStates
{
    private static readonly Dictionary<TaskState, string> Names = Enum.GetValues<TaskState>().ToDictionary(
        s => s,
        s => MesosReflection.Descriptor.EnumTypes.First(t => t.Name == "TaskState").FindValueByNumber((int)s)?.Name ?? s.ToString());

    public static string Name(TaskState state) => Names.GetValueOrDefault(state, state.ToString());
}
