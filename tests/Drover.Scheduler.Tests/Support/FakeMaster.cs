using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using Drover.Scheduler.Master;
using Google.Protobuf;
using Call = Drover.Mesos.V1.Scheduler.Call;
using Event = Drover.Mesos.V1.Scheduler.Event;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.Scheduler.Tests.Support;

/// <summary>
/// An in-process Mesos master for the loop's unit tests, keeping what a real master keeps per agent (total
/// resources with their reservations and volumes, tasks and what they hold) and answering as the observed Mesos
/// 1.12 master does (mesos-facts): ACCEPT drops an operation whose resources the offer does not hold and goes on;
/// a launch on an offer it no longer has gets TASK_DROPPED (REASON_INVALID_OFFERS, no uuid); operations with an id
/// get UPDATE_OPERATION_STATUS; reconciliation of an unknown task answers TASK_GONE (with its agent) or
/// TASK_UNKNOWN; executors' updates carry a uuid. It outlives scheduler "processes": a test can crash one loop and
/// start another on the same master and store. Offers go out only when the test asks (<see cref="OfferAll"/>).
/// </summary>
public sealed class FakeMaster : IMaster
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FakeAgent> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Offer> _offers = new(StringComparer.Ordinal);
    private readonly List<Call> _calls = [];
    private Action<MasterSignal>? _deliver;
    private Func<Call>? _subscribeCall;
    private string? _down;
    private int _offerSerial;
    private int _delivered;

    public string Role { get; init; } = "drover";

    /// <summary>The id given at the first subscription (a test may pre-set the id the master knows).</summary>
    public string? FrameworkId { get; set; }

    /// <summary>Refuses subscriptions naming a framework id other than <see cref="FrameworkId"/>, as a master that removed the framework.</summary>
    public bool RefuseUnknownFrameworkId { get; set; }

    /// <summary>Launched tasks report healthy = true with TASK_RUNNING (false: no health field at all).</summary>
    public bool ReportHealthy { get; set; } = true;

    /// <summary>Launched tasks are left in TASK_STAGING (the test moves them on).</summary>
    public bool HoldLaunches { get; set; }

    /// <summary>Each admin request is answered with this outcome at once (null: the test replies itself).</summary>
    public V1.AdminReply.Types.Outcome? AutoReplyAdmin { get; set; } = V1.AdminReply.Types.Outcome.Succeeded;

    public bool Suppressed { get; private set; }

    /// <summary>Explicit reconciliation goes unanswered (a master that lost the request).</summary>
    public bool IgnoreReconcile { get; set; }

    /// <summary>The next ACCEPT finds its offer rescinded just before it arrived.</summary>
    public bool RescindOnNextAccept { get; set; }

    public int Subscriptions { get; private set; }

    /// <summary>Signals delivered to the scheduler so far (tests: settled when it stops moving).</summary>
    public int Delivered => Volatile.Read(ref _delivered);

    /// <summary>
    /// An executor outlives its task until <see cref="ExitExecutors"/>, keeping its share of the reservation (as a real
    /// executor does while it drains its acknowledgements): offers hold only the rest meanwhile.
    /// </summary>
    public bool ExecutorsLinger { get; set; }

    /// <summary>Every lingering executor exits, letting go of its resources.</summary>
    public void ExitExecutors()
    {
        lock (_gate)
        {
            foreach (var task in _agents.Values.SelectMany(a => a.Tasks.Values))
            {
                task.ExecutorLingers = false;
            }
        }
    }

    /// <summary>Throws from <see cref="SendAsync"/> before the call has any effect (a scheduler crash); null: none.</summary>
    public Func<Call, bool>? CrashBefore { get; set; }

    public FakeAgent AddAgent(string id, string hostname, double cpus = 8, double mem = 16384, double disk = 65536, ulong portsBegin = 31000, ulong portsEnd = 32000, params (string Name, string Value)[] attributes)
    {
        var agent = new FakeAgent(id, hostname, ResourceSet.Of(
            MesosResources.Scalar(MesosResources.Cpus, cpus),
            MesosResources.Scalar(MesosResources.Mem, mem),
            MesosResources.Scalar(MesosResources.Disk, disk),
            MesosResources.PortRanges(RangeSet.Of(new ValueRange(portsBegin, portsEnd)))), attributes);
        lock (_gate)
        {
            _agents[id] = agent;
        }

        return agent;
    }

    public FakeAgent Agent(string id)
    {
        lock (_gate)
        {
            return _agents[id];
        }
    }

    public IReadOnlyList<Call> Calls()
    {
        lock (_gate)
        {
            return [.. _calls];
        }
    }

    public IReadOnlyList<Call> Calls(Call.Types.Type type) => [.. Calls().Where(c => c.Type == type)];

    public void ClearCalls()
    {
        lock (_gate)
        {
            _calls.Clear();
        }
    }

    /// <summary>The current framework's tasks (task ids are per framework, as in Mesos).</summary>
    public IReadOnlyList<FakeTask> Tasks()
    {
        lock (_gate)
        {
            return [.. _agents.Values.SelectMany(a => a.Tasks.Values).Where(t => t.Framework == FrameworkId)];
        }
    }

    /// <summary>Every framework's tasks.</summary>
    public IReadOnlyList<FakeTask> AllTasks()
    {
        lock (_gate)
        {
            return [.. _agents.Values.SelectMany(a => a.Tasks.Values)];
        }
    }

    public IReadOnlyList<FakeTask> LiveTasks() => [.. AllTasks().Where(t => t.State is TaskState.TaskStaging or TaskState.TaskStarting or TaskState.TaskRunning or TaskState.TaskKilling or TaskState.TaskUnreachable)];

    // ---- IMaster -------------------------------------------------------------------------------------------

    public void Start(Func<Call> subscribeCall, Action<MasterSignal> deliver)
    {
        var call = subscribeCall();
        lock (_gate)
        {
            _deliver = deliver;
            _subscribeCall = subscribeCall;
            _down = null;
            _calls.Add(call);
            Subscriptions++;
        }

        var asked = call.Subscribe.FrameworkInfo.Id?.Value;
        if (asked is not null && RefuseUnknownFrameworkId && asked != FrameworkId)
        {
            Deliver(new MasterSignal.Refused(400, $"Framework {asked} has been removed"));
            return;
        }

        FrameworkId = asked ?? FrameworkId ?? "fw-" + Guid.NewGuid().ToString("N")[..8];
        Suppressed = call.Subscribe.SuppressedRoles.Contains(Role);
        Deliver(new MasterSignal.Connected("master@127.0.0.1:5050", "stream-" + Subscriptions));
        Send(new Event
        {
            Type = Event.Types.Type.Subscribed,
            Subscribed = new Event.Types.Subscribed
            {
                FrameworkId = new FrameworkID { Value = FrameworkId },
                HeartbeatIntervalSeconds = 15,
                MasterInfo = new MasterInfo { Id = "master-1", Ip = 0x0100007f, Port = 5050, Hostname = "localhost", Version = "1.12.0" },
            },
        });
    }

    public ValueTask<CallOutcome> SendAsync(Call call, CancellationToken cancellationToken = default)
    {
        if (CrashBefore?.Invoke(call) == true)
        {
            throw new SchedulerCrash($"crash before {call.Type}");
        }

        lock (_gate)
        {
            if (_down is { } reason)
            {
                return ValueTask.FromResult<CallOutcome>(new CallOutcome.NotConnected(reason));
            }

            _calls.Add(call.Clone());
        }

        switch (call.Type)
        {
            case Call.Types.Type.Accept:
                if (RescindOnNextAccept)
                {
                    RescindOnNextAccept = false;
                    Rescind(call.Accept.OfferIds[0]);
                }

                Accept(call.Accept);
                break;
            case Call.Types.Type.Decline:
                lock (_gate)
                {
                    foreach (var id in call.Decline.OfferIds)
                    {
                        _offers.Remove(id.Value);
                    }
                }

                break;
            case Call.Types.Type.Kill:
                Kill(call.Kill.TaskId.Value);
                break;
            case Call.Types.Type.Reconcile:
                Reconcile(call.Reconcile);
                break;
            case Call.Types.Type.Suppress:
                Suppressed = true;
                break;
            case Call.Types.Type.Revive:
                Suppressed = false;
                break;
            case Call.Types.Type.Message:
                OnMessage(call.Message);
                break;
        }

        return ValueTask.FromResult(CallOutcome.Accepted);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The scheduler process "died": its connection is gone (the master keeps everything else).</summary>
    public void Disconnect()
    {
        lock (_gate)
        {
            _deliver = null;
            _offers.Clear();
        }
    }

    /// <summary>The master goes away (the scheduler's connection drops; calls are not sent) until <see cref="Reconnect"/>.</summary>
    public void LoseConnection(string reason = "connection refused")
    {
        Deliver(new MasterSignal.Disconnected(reason));
        lock (_gate)
        {
            _down = reason;
            _offers.Clear();
        }
    }

    /// <summary>The master is back: the scheduler's connection subscribes again, as its client retries.</summary>
    public void Reconnect()
    {
        Func<Call> subscribeCall;
        Action<MasterSignal> deliver;
        lock (_gate)
        {
            subscribeCall = _subscribeCall ?? throw new InvalidOperationException("never started");
            deliver = _deliver ?? throw new InvalidOperationException("the scheduler is gone");
        }

        Start(subscribeCall, deliver);
    }

    // ---- offers --------------------------------------------------------------------------------------------

    /// <summary>One offer per reachable agent with what is free there (nothing while suppressed unless forced).</summary>
    public IReadOnlyList<Offer> OfferAll(bool force = false)
    {
        if ((Suppressed && !force) || Volatile.Read(ref _down) is not null)
        {
            return [];
        }

        var offers = new List<Offer>();
        lock (_gate)
        {
            foreach (var agent in _agents.Values.Where(a => a.Reachable && !_offers.Values.Any(o => o.AgentId.Value == a.Id)))
            {
                var free = agent.Free();
                if (free.IsEmpty)
                {
                    continue;
                }

                var offer = new Offer
                {
                    Id = new OfferID { Value = $"offer-{++_offerSerial}" },
                    FrameworkId = new FrameworkID { Value = FrameworkId ?? "" },
                    AgentId = new AgentID { Value = agent.Id },
                    Hostname = agent.Hostname,
                };
                offer.Resources.AddRange(free.Select(r => r.AllocatedTo(Role)));
                foreach (var (name, value) in agent.Attributes)
                {
                    offer.Attributes.Add(new Mesos.V1.Attribute { Name = name, Type = Value.Types.Type.Text, Text = new Value.Types.Text { Value = value } });
                }

                _offers[offer.Id.Value] = offer;
                offers.Add(offer);
            }
        }

        if (offers.Count > 0)
        {
            var e = new Event { Type = Event.Types.Type.Offers, Offers = new Event.Types.Offers() };
            e.Offers.Offers_.AddRange(offers);
            Send(e);
        }

        return offers;
    }

    /// <summary>The master takes an offer back (RESCIND): an ACCEPT that races it finds it gone.</summary>
    public void Rescind(OfferID id)
    {
        lock (_gate)
        {
            _offers.Remove(id.Value);
        }

        Send(new Event { Type = Event.Types.Type.Rescind, Rescind = new Event.Types.Rescind { OfferId = id } });
    }

    /// <summary>Forgets an outstanding offer without telling the scheduler (the rescind is still in flight).</summary>
    public void InvalidateOffer(OfferID id)
    {
        lock (_gate)
        {
            _offers.Remove(id.Value);
        }
    }

    private void Accept(Call.Types.Accept accept)
    {
        Offer? offer;
        lock (_gate)
        {
            offer = accept.OfferIds.Count == 1 && _offers.Remove(accept.OfferIds[0].Value, out var o) ? o : null;
        }

        if (offer is null)
        {
            // mesos-facts: 202, then TASK_DROPPED for each task, no uuid; the other operations silently dropped.
            foreach (var operation in accept.Operations.Where(o => o.Type == Offer.Types.Operation.Types.Type.Launch))
            {
                foreach (var task in operation.Launch.TaskInfos)
                {
                    Update(task.TaskId.Value, task.AgentId.Value, TaskState.TaskDropped, withUuid: false,
                        reason: TaskStatus.Types.Reason.InvalidOffers, message: $"Task launched with invalid offers: Offer {accept.OfferIds.FirstOrDefault()?.Value} is no longer valid");
                }
            }

            return;
        }

        var agent = Agent(offer.AgentId.Value);
        foreach (var operation in accept.Operations)
        {
            var applied = Apply(agent, operation);
            if (operation.Id is { } id)
            {
                SendOperationStatus(id.Value, agent.Id, applied ? OperationState.OperationFinished : OperationState.OperationFailed);
            }
        }

        foreach (var task in _started.ToList())
        {
            Update(task, TaskState.TaskStarting);
            if (!HoldLaunches)
            {
                Update(task, TaskState.TaskRunning, healthy: ReportHealthy ? true : null);
            }
        }

        _started.Clear();
    }

    private readonly List<FakeTask> _started = [];

    private bool Apply(FakeAgent agent, Offer.Types.Operation operation)
    {
        lock (_gate)
        {
            try
            {
                switch (operation.Type)
                {
                    case Offer.Types.Operation.Types.Type.Reserve:
                        var reserved = Strip(operation.Reserve.Resources);
                        agent.Convert(ResourceSet.Of(reserved.Select(r => r.WithoutTopReservation())), ResourceSet.Of(reserved));
                        return true;
                    case Offer.Types.Operation.Types.Type.Create:
                        var volumes = Strip(operation.Create.Volumes);
                        agent.Convert(ResourceSet.Of(volumes.Select(v => v.WithoutVolume())), ResourceSet.Of(volumes));
                        return true;
                    case Offer.Types.Operation.Types.Type.Destroy:
                        var destroyed = Strip(operation.Destroy.Volumes);
                        agent.Convert(ResourceSet.Of(destroyed), ResourceSet.Of(destroyed.Select(v => v.WithoutVolume())));
                        return true;
                    case Offer.Types.Operation.Types.Type.Unreserve:
                        var unreserved = Strip(operation.Unreserve.Resources);
                        agent.Convert(ResourceSet.Of(unreserved), ResourceSet.Of(unreserved.Select(r => r.WithoutTopReservation())));
                        return true;
                    case Offer.Types.Operation.Types.Type.Launch:
                        foreach (var task in operation.Launch.TaskInfos)
                        {
                            Launch(agent, task);
                        }

                        return true;
                    default:
                        return false;
                }
            }
            catch (ResourceException)
            {
                // "Dropping UNRESERVE operation ...": not in the offer (or not free); the master goes on with the rest.
                agent.Dropped.Add(operation.Clone());
                return false;
            }
        }
    }

    private void Launch(FakeAgent agent, TaskInfo task)
    {
        var resources = ResourceSet.Of(Strip(task.Resources)).Plus(ResourceSet.Of(Strip(task.Executor.Resources)));
        if (!agent.Free().Contains(resources) || task.Executor.Resources.Count == 0)
        {
            throw new ResourceException(ResourceErrorKind.NotContained, "task resources not free");
        }

        var fake = new FakeTask(task.Clone(), agent.Id, resources) { Framework = FrameworkId ?? "", ExecutorResources = ResourceSet.Of(Strip(task.Executor.Resources)) };
        agent.Tasks[fake.Framework + "/" + task.TaskId.Value] = fake;
        _started.Add(fake);
    }

    private void Kill(string taskId)
    {
        var task = Tasks().FirstOrDefault(t => t.Info.TaskId.Value == taskId);
        if (task is null || task.State is not (TaskState.TaskStaging or TaskState.TaskStarting or TaskState.TaskRunning))
        {
            return;
        }

        Update(task, TaskState.TaskKilling);
        Update(task, TaskState.TaskKilled);
    }

    private void Reconcile(Call.Types.Reconcile reconcile)
    {
        if (IgnoreReconcile && reconcile.Tasks.Count > 0)
        {
            return;
        }

        var tasks = Tasks();
        if (reconcile.Tasks.Count == 0)
        {
            foreach (var task in tasks.Where(t => t.State is not (TaskState.TaskKilled or TaskState.TaskFailed or TaskState.TaskFinished)))
            {
                Update(task.Info.TaskId.Value, task.AgentId, task.State, withUuid: false, reason: TaskStatus.Types.Reason.Reconciliation, healthy: task.Healthy);
            }

            return;
        }

        foreach (var item in reconcile.Tasks)
        {
            var known = tasks.FirstOrDefault(t => t.Info.TaskId.Value == item.TaskId.Value);
            if (known is not null)
            {
                // The master's latest status of the task, health included.
                Update(known.Info.TaskId.Value, known.AgentId, known.State, withUuid: false, reason: TaskStatus.Types.Reason.Reconciliation, healthy: known.Healthy);
            }
            else if (item.AgentId is { } agent)
            {
                Update(item.TaskId.Value, agent.Value, TaskState.TaskGone, withUuid: false, reason: TaskStatus.Types.Reason.Reconciliation, message: "Reconciliation: Task is unknown to the agent");
            }
            else
            {
                Update(item.TaskId.Value, null, TaskState.TaskUnknown, withUuid: false, reason: TaskStatus.Types.Reason.Reconciliation, message: "Reconciliation: Task is unknown");
            }
        }
    }

    private void OnMessage(Call.Types.Message message)
    {
        var request = V1.AdminRequest.Parser.ParseFrom(message.Data);
        lock (_gate)
        {
            AdminRequests.Add(request);
        }

        if (AdminResponder?.Invoke(request) is { } answer)
        {
            ReplyAdmin(request, answer.Outcome, answer.Output);
        }
        else if (AutoReplyAdmin is { } outcome)
        {
            ReplyAdmin(request, outcome, OutputOf(request));
        }
    }

    /// <summary>Answers an admin request its own way (null: as <see cref="AutoReplyAdmin"/> says, or not at all).</summary>
    public Func<V1.AdminRequest, (V1.AdminReply.Types.Outcome Outcome, string Output)?>? AdminResponder { get; set; }

    /// <summary>What an executor prints for the operation: Cassandra's host-id answers the task's own Host ID, stable per task.</summary>
    public static string OutputOf(V1.AdminRequest request) =>
        request.Operation == "host-id" ? HostIdOf(request.TaskId) : "done";

    /// <summary>A Host ID per task id (a node relaunched in place keeps its data, and so its id: the test decides by task).</summary>
    public static string HostIdOf(string taskId) =>
        new Guid(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(taskId)).AsSpan(0, 16)).ToString();

    public List<V1.AdminRequest> AdminRequests { get; } = [];

    public void ReplyAdmin(V1.AdminRequest request, V1.AdminReply.Types.Outcome outcome, string output)
    {
        var task = Tasks().First(t => t.Info.TaskId.Value == request.TaskId);
        var reply = new V1.AdminReply { RequestId = request.RequestId, TaskId = request.TaskId, Operation = request.Operation, Outcome = outcome, Output = output };
        Send(new Event
        {
            Type = Event.Types.Type.Message,
            Message = new Event.Types.Message
            {
                AgentId = new AgentID { Value = task.AgentId },
                ExecutorId = task.Info.Executor.ExecutorId,
                Data = reply.ToByteString(),
            },
        });
    }

    // ---- faults --------------------------------------------------------------------------------------------

    /// <summary>The task's service fails (TASK_FAILED from the executor), freeing its resources.</summary>
    public void Fail(string taskId) => Update(Tasks().First(t => t.Info.TaskId.Value == taskId), TaskState.TaskFailed);

    public void Update(FakeTask task, TaskState state, bool? healthy = null)
    {
        lock (_gate)
        {
            task.ExecutorLingers = ExecutorsLinger && task.Holds && state is TaskState.TaskKilled or TaskState.TaskFailed or TaskState.TaskFinished;
            task.State = state;
            task.Healthy = healthy ?? (state == TaskState.TaskRunning ? task.Healthy : null);
        }

        Update(task.Info.TaskId.Value, task.AgentId, state, withUuid: true, healthy: healthy, executor: task.Info.Executor.ExecutorId);
    }

    /// <summary>The agent is partitioned: its tasks become TASK_UNREACHABLE, FAILURE names it; it makes no offers.</summary>
    public void Partition(string agentId)
    {
        var agent = Agent(agentId);
        agent.Reachable = false;
        foreach (var task in agent.Tasks.Values.Where(t => t.State == TaskState.TaskRunning).ToList())
        {
            task.State = TaskState.TaskUnreachable;
            Update(task.Info.TaskId.Value, agentId, TaskState.TaskUnreachable, withUuid: false, reason: TaskStatus.Types.Reason.AgentDisconnected);
        }

        Send(new Event { Type = Event.Types.Type.Failure, Failure = new Event.Types.Failure { AgentId = new AgentID { Value = agentId } } });
    }

    /// <summary>The partitioned agent comes back with its tasks running (PARTITION_AWARE).</summary>
    public void Heal(string agentId)
    {
        var agent = Agent(agentId);
        agent.Reachable = true;
        foreach (var task in agent.Tasks.Values.Where(t => t.State == TaskState.TaskUnreachable).ToList())
        {
            Update(task, TaskState.TaskRunning, healthy: ReportHealthy ? true : null);
        }
    }

    private void Update(string taskId, string? agentId, TaskState state, bool withUuid, TaskStatus.Types.Reason? reason = null, string? message = null, bool? healthy = null, ExecutorID? executor = null)
    {
        var status = new TaskStatus
        {
            TaskId = new TaskID { Value = taskId },
            State = state,
            Source = withUuid ? TaskStatus.Types.Source.Executor : TaskStatus.Types.Source.Master,
        };
        if (agentId is not null)
        {
            status.AgentId = new AgentID { Value = agentId };
        }

        if (withUuid)
        {
            status.Uuid = ByteString.CopyFrom(Guid.NewGuid().ToByteArray());
        }

        if (reason is { } r)
        {
            status.Reason = r;
        }

        if (message is not null)
        {
            status.Message = message;
        }

        if (healthy is { } h)
        {
            status.Healthy = h;
        }

        if (executor is not null)
        {
            status.ExecutorId = executor;
        }

        Send(new Event { Type = Event.Types.Type.Update, Update = new Event.Types.Update { Status = status } });
    }

    private void SendOperationStatus(string operationId, string agentId, OperationState state) =>
        Send(new Event
        {
            Type = Event.Types.Type.UpdateOperationStatus,
            UpdateOperationStatus = new Event.Types.UpdateOperationStatus
            {
                Status = new OperationStatus
                {
                    OperationId = new OperationID { Value = operationId },
                    State = state,
                    AgentId = new AgentID { Value = agentId },
                    Uuid = new UUID { Value = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()) },
                },
            },
        });

    private void Send(Event e) => Deliver(new MasterSignal.Received(e));

    private void Deliver(MasterSignal signal)
    {
        Action<MasterSignal>? deliver;
        lock (_gate)
        {
            deliver = _down is null ? _deliver : null;
        }

        if (deliver is not null)
        {
            Interlocked.Increment(ref _delivered);
            deliver(signal);
        }
    }

    /// <summary>Resources as the agent keeps them: without the allocation info of offers and operations.</summary>
    private static List<Resource> Strip(IEnumerable<Resource> resources) => [.. resources.Select(r => r.WithoutAllocation())];
}

/// <summary>One agent: every resource in its current form (reserved, volume or not), and its tasks.</summary>
public sealed class FakeAgent(string id, string hostname, ResourceSet total, (string Name, string Value)[] attributes)
{
    public string Id { get; } = id;

    public string Hostname { get; } = hostname;

    public ResourceSet Total { get; private set; } = total;

    public (string Name, string Value)[] Attributes { get; } = attributes;

    public Dictionary<string, FakeTask> Tasks { get; } = new(StringComparer.Ordinal);

    public List<Offer.Types.Operation> Dropped { get; } = [];

    public bool Reachable { get; set; } = true;

    /// <summary>What no live task holds.</summary>
    public ResourceSet Free() => Tasks.Values.Aggregate(Total, (free, t) => t.Holds ? free.Minus(t.Resources) : t.ExecutorLingers ? free.Minus(t.ExecutorResources) : free);

    /// <summary>Replaces <paramref name="from"/> (which must be free) by <paramref name="to"/>, as RESERVE/CREATE/DESTROY/UNRESERVE do.</summary>
    public void Convert(ResourceSet from, ResourceSet to)
    {
        if (!Free().Contains(from))
        {
            throw new ResourceException(ResourceErrorKind.NotContained, $"{from} not free on {Id}");
        }

        Total = Total.Minus(from).Plus(to);
    }

    /// <summary>The reserved resources (and volumes) on the agent.</summary>
    public ResourceSet Reserved() => Total.Where(r => r.IsReserved());
}

public sealed class FakeTask(TaskInfo info, string agentId, ResourceSet resources)
{
    public TaskInfo Info { get; } = info;

    public string AgentId { get; } = agentId;

    public ResourceSet Resources { get; } = resources;

    public TaskState State { get; set; } = TaskState.TaskStaging;

    public string Framework { get; init; } = "";

    public bool? Healthy { get; set; }

    /// <summary>The executor's own part of <see cref="Resources"/>.</summary>
    public ResourceSet ExecutorResources { get; init; } = ResourceSet.Empty;

    /// <summary>The task has ended but its executor has not exited yet: it still holds <see cref="ExecutorResources"/>.</summary>
    public bool ExecutorLingers { get; set; }

    /// <summary>Whether it still holds its resources (terminal tasks and their executors have let go).</summary>
    public bool Holds => State is TaskState.TaskStaging or TaskState.TaskStarting or TaskState.TaskRunning or TaskState.TaskKilling or TaskState.TaskUnreachable;
}

/// <summary>Thrown by a fake effect to kill the scheduler loop at that instant.</summary>
public sealed class SchedulerCrash(string message) : Exception(message);
