using Drover.Mesos.Scheduler;
using Drover.Mesos.V1;
using Drover.Testing;
using Google.Protobuf;
using Call = Drover.Mesos.V1.Scheduler.Call;
using Event = Drover.Mesos.V1.Scheduler.Event;
using TaskStatus = Drover.Mesos.V1.TaskStatus;
using Capability = Drover.Mesos.V1.FrameworkInfo.Types.Capability.Types.Type;

namespace Drover.LocalMesos.Tests.Support;

/// <summary>
/// A scheduler made of the real <see cref="SchedulerClient"/> and nothing else: it subscribes as Drover's scheduler
/// does (role drover, MULTI_ROLE, RESERVATION_REFINEMENT, PARTITION_AWARE, TASK_KILLING_STATE), keeps every event, and
/// lets a test wait for the one it expects. Waits fail with the events seen so far.
/// </summary>
public sealed class SchedulerHarness : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    public const string Role = "drover";
    public const string Principal = "drover";

    private readonly List<SchedulerClientEvent> _events = [];
    private readonly Task _pump;

    private SchedulerHarness(SchedulerClient client, FrameworkInfo info)
    {
        Client = client;
        Info = info;
        _pump = Task.Run(async () =>
        {
            await foreach (var @event in client.Events.ReadAllAsync())
            {
                lock (_events)
                {
                    _events.Add(@event);
                    if (@event is Received { Event.Type: Event.Types.Type.Subscribed } subscribed)
                    {
                        Info.Id = subscribed.Event.Subscribed.FrameworkId.Clone();
                    }
                }
            }
        });
    }

    public SchedulerClient Client { get; }

    /// <summary>The FrameworkInfo sent at each SUBSCRIBE; its id is set once SUBSCRIBED gave one.</summary>
    public FrameworkInfo Info { get; }

    public string FrameworkId => Info.Id?.Value ?? throw new InvalidOperationException("not subscribed yet");

    public static FrameworkInfo DefaultInfo(double failoverTimeoutSeconds = 3600)
    {
        var info = new FrameworkInfo { User = "root", Name = "drover-test", Principal = Principal, Checkpoint = true, FailoverTimeout = failoverTimeoutSeconds };
        info.Roles.Add(Role);
        foreach (var capability in new[] { Capability.MultiRole, Capability.ReservationRefinement, Capability.PartitionAware, Capability.TaskKillingState })
        {
            info.Capabilities.Add(new FrameworkInfo.Types.Capability { Type = capability });
        }

        return info;
    }

    public static SchedulerHarness Start(MasterAddress masters, FrameworkInfo? info = null, BasicCredentials? credentials = null, TimeProvider? time = null)
    {
        var client = new SchedulerClient(
            new SchedulerClientOptions { Masters = masters, Credentials = credentials, InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromSeconds(1) },
            time ?? TimeProvider.System);
        var harness = new SchedulerHarness(client, info ?? DefaultInfo());
        client.Start(harness.SubscribeCall);
        return harness;
    }

    public Call SubscribeCall()
    {
        lock (_events)
        {
            var call = new Call { Type = Call.Types.Type.Subscribe, Subscribe = new Call.Types.Subscribe { FrameworkInfo = Info.Clone() } };
            if (Info.Id is not null)
            {
                call.FrameworkId = Info.Id.Clone();
            }

            return call;
        }
    }

    public IReadOnlyList<SchedulerClientEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public IEnumerable<Event> Received => Events.OfType<Received>().Select(r => r.Event);

    /// <summary>The first client event at or after <paramref name="from"/> matching <paramref name="predicate"/>.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool> predicate, string what, int from = 0)
        where T : SchedulerClientEvent
    {
        T? found = null;
        try
        {
            await Eventually.TrueAsync(() => (found = Events.Skip(from).OfType<T>().FirstOrDefault(predicate)) is not null, what, Wait);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nevents so far:\n  {string.Join("\n  ", Events.Select(Describe))}", e);
        }

        return found!;
    }

    public async Task<Event> WaitForEventAsync(Func<Event, bool> predicate, string what, int from = 0) =>
        (await WaitForAsync<Received>(r => predicate(r.Event), what, from)).Event;

    public Task<Event> WaitForEventAsync(Event.Types.Type type, int from = 0) => WaitForEventAsync(e => e.Type == type, type.ToString(), from);

    /// <summary>The next offer (at or after <paramref name="from"/>) on <paramref name="agentId"/> (any agent if null) matching <paramref name="predicate"/>.</summary>
    public async Task<Offer> WaitForOfferAsync(Func<Offer, bool>? predicate = null, string what = "an offer", int from = 0, string? agentId = null)
    {
        var @event = await WaitForEventAsync(e => e.Type == Event.Types.Type.Offers && e.Offers.Offers_.Any(Matches), what, from);
        return @event.Offers.Offers_.First(Matches);

        bool Matches(Offer o) => (agentId is null || o.AgentId.Value == agentId) && (predicate?.Invoke(o) ?? true);
    }

    public async Task<TaskStatus> WaitForUpdateAsync(string taskId, TaskState state, int from = 0) =>
        (await WaitForEventAsync(e => e.Type == Event.Types.Type.Update && e.Update.Status.TaskId.Value == taskId && e.Update.Status.State == state, $"{taskId} {state}", from)).Update.Status;

    public int Mark => Events.Count;

    public ValueTask<CallOutcome> SendAsync(Call call) => Client.SendAsync(call);

    public ValueTask<CallOutcome> AcceptAsync(IEnumerable<OfferID> offers, params Offer.Types.Operation[] operations)
    {
        var accept = new Call.Types.Accept { Filters = new Filters { RefuseSeconds = 0 } };
        accept.OfferIds.Add(offers.Select(o => o.Clone()));
        accept.Operations.Add(operations);
        return SendAsync(new Call { Type = Call.Types.Type.Accept, Accept = accept });
    }

    public ValueTask<CallOutcome> AcceptAsync(Offer offer, params Offer.Types.Operation[] operations) => AcceptAsync([offer.Id], operations);

    public async Task AcknowledgeAsync(TaskStatus status)
    {
        var outcome = await SendAsync(new Call
        {
            Type = Call.Types.Type.Acknowledge,
            Acknowledge = new Call.Types.Acknowledge { AgentId = status.AgentId.Clone(), TaskId = status.TaskId.Clone(), Uuid = status.Uuid },
        });
        Assert.True(outcome.IsAccepted, $"ACKNOWLEDGE: {outcome}");
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _pump;
    }

    private static string Describe(SchedulerClientEvent e) => e switch
    {
        Received { Event: var ev } when ev.Type == Event.Types.Type.Update => $"UPDATE {ev.Update.Status.TaskId.Value} {ev.Update.Status.State} {ev.Update.Status.Message}",
        Received { Event: var ev } when ev.Type == Event.Types.Type.UpdateOperationStatus => $"UPDATE_OPERATION_STATUS {ev.UpdateOperationStatus.Status.State} {ev.UpdateOperationStatus.Status.Message}",
        Received { Event: var ev } when ev.Type == Event.Types.Type.Offers => $"OFFERS {ev.Offers.Offers_.Count}",
        Received { Event: var ev } => ev.Type.ToString(),
        _ => e.ToString(),
    };

    /// <summary>Operations as Drover's scheduler builds them.</summary>
    public static class Ops
    {
        public static Offer.Types.Operation Reserve(string? id, IEnumerable<Resource> resources)
        {
            var op = new Offer.Types.Operation { Type = Offer.Types.Operation.Types.Type.Reserve, Reserve = new Offer.Types.Operation.Types.Reserve() };
            op.Reserve.Resources.Add(resources);
            return WithId(op, id);
        }

        public static Offer.Types.Operation Unreserve(string? id, IEnumerable<Resource> resources)
        {
            var op = new Offer.Types.Operation { Type = Offer.Types.Operation.Types.Type.Unreserve, Unreserve = new Offer.Types.Operation.Types.Unreserve() };
            op.Unreserve.Resources.Add(resources);
            return WithId(op, id);
        }

        public static Offer.Types.Operation Create(string? id, params Resource[] volumes)
        {
            var op = new Offer.Types.Operation { Type = Offer.Types.Operation.Types.Type.Create, Create = new Offer.Types.Operation.Types.Create() };
            op.Create.Volumes.Add(volumes);
            return WithId(op, id);
        }

        public static Offer.Types.Operation Destroy(string? id, params Resource[] volumes)
        {
            var op = new Offer.Types.Operation { Type = Offer.Types.Operation.Types.Type.Destroy, Destroy = new Offer.Types.Operation.Types.Destroy() };
            op.Destroy.Volumes.Add(volumes);
            return WithId(op, id);
        }

        public static Offer.Types.Operation LaunchGroup(ExecutorInfo executor, params TaskInfo[] tasks)
        {
            var group = new TaskGroupInfo();
            group.Tasks.Add(tasks);
            return new Offer.Types.Operation
            {
                Type = Offer.Types.Operation.Types.Type.LaunchGroup,
                LaunchGroup = new Offer.Types.Operation.Types.LaunchGroup { Executor = executor, TaskGroup = group },
            };
        }

        private static Offer.Types.Operation WithId(Offer.Types.Operation op, string? id)
        {
            if (id is not null)
            {
                op.Id = new OperationID { Value = id };
            }

            return op;
        }
    }

    public static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);
}
