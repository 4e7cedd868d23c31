using System.Globalization;
using System.Net;
using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using Google.Protobuf;
using Event = Drover.Mesos.V1.Scheduler.Event;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.LocalMesos.Master;

/// <summary>
/// The emulated master's state and behaviour: frameworks, agents, offers, tasks, reservations and volumes, as a
/// Mesos 1.12 master keeps and handles them (src/master/master.cpp), scaled down to what a framework can observe.
/// Everything runs on <see cref="Loop"/>; the HTTP side (<see cref="MasterServer"/>) only parses and answers.
/// </summary>
/// <remarks>Split by concern: subscriptions (.Subscribe), calls (.Calls), ACCEPT and its operations (.Accept),
/// the allocator (.Allocation), executors and updates (.Executors), fault knobs (.Faults), JSON state (.State).</remarks>
internal sealed partial class MasterCore : IAsyncDisposable
{
    public const string Version = "1.12.0";

    private readonly LocalMesosOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, EmulatedAgent> _agents = new(StringComparer.Ordinal);
    private readonly List<EmulatedAgent> _agentOrder = [];
    private readonly Dictionary<string, FrameworkRecord> _frameworks = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removedFrameworks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Offer> _offers = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Framework, string Task), TaskRecord> _tasks = [];
    private readonly ITimer _allocationTimer;
    private readonly ITimer _heartbeatTimer;
    private long _nextOffer;
    private int _nextFramework;
    private int _allocationRound;
    private bool _allocationSoon;
    private int _rescindBeforeAccepts;

    public MasterCore(LocalMesosOptions options, TimeProvider time, string workDirectory)
    {
        _options = options;
        _time = time;
        Loop = new MasterLoop(Log);
        MasterId = NewMasterId();
        AgentIdPrefix = MasterId;
        for (var i = 0; i < options.Agents; i++)
        {
            AddAgent(i, workDirectory);
        }

        _allocationTimer = time.CreateTimer(_ => Loop.Post(Allocate), null, options.AllocationInterval, options.AllocationInterval);
        _heartbeatTimer = time.CreateTimer(_ => Loop.Post(Heartbeat), null, options.HeartbeatInterval, options.HeartbeatInterval);
    }

    public MasterLoop Loop { get; }

    /// <summary>The current master's id (a new one after each failover or restart, as a new master process has).</summary>
    public string MasterId { get; private set; }

    /// <summary>The leading master's info, set by the server before it serves; null while no master leads.</summary>
    public MasterInfo? Leader { get; set; }

    private string AgentIdPrefix { get; }

    public IReadOnlyList<string> AgentIds => _agentOrder.Select(a => a.Id).ToArray();

    public async ValueTask DisposeAsync()
    {
        await _allocationTimer.DisposeAsync().ConfigureAwait(false);
        await _heartbeatTimer.DisposeAsync().ConfigureAwait(false);
        var executors = await Loop.InvokeAsync(() =>
        {
            foreach (var framework in _frameworks.Values)
            {
                framework.Stream?.Abort();
            }

            return _agentOrder.SelectMany(a => a.Executors.Values).ToArray();
        }).ConfigureAwait(false);
        foreach (var executor in executors)
        {
            await DisposeExecutorAsync(executor).ConfigureAwait(false);
        }

        await Loop.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The agent's path for a role's volume (for tests and the demo).</summary>
    public Task<string> VolumePathAsync(string agentId, string role, string persistenceId) =>
        Loop.InvokeAsync(() => Agent(agentId).VolumePath(role, persistenceId));

    public Task<string> AgentWorkDirectoryAsync(string agentId) => Loop.InvokeAsync(() => Agent(agentId).WorkDirectory);

    internal static string NewMasterId() => Guid.NewGuid().ToString();

    private EmulatedAgent Agent(string agentId) =>
        _agents.TryGetValue(agentId, out var agent) ? agent : throw new ArgumentException($"no agent '{agentId}'", nameof(agentId));

    private void AddAgent(int index, string workDirectory)
    {
        var id = $"{AgentIdPrefix}-S{index.ToString(CultureInfo.InvariantCulture)}";
        var hostname = _options.HostnamePattern
            .Replace("{i1}", (index + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{i}", index.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        if (_options.HostnamePattern == "127.0.1.{i1}")
        {
            // Distinct loopback addresses: 127.0.1.1 ... 127.0.1.254, 127.0.2.1 ...
            hostname = $"127.0.{(1 + (index / 254)).ToString(CultureInfo.InvariantCulture)}.{(1 + (index % 254)).ToString(CultureInfo.InvariantCulture)}";
        }

        var resources = new List<Resource>(ResourceText.ParseScalars(_options.AgentResources)) { MesosResources.PortRanges(PortsOf(index)) };
        var info = new AgentInfo { Hostname = hostname, Port = 5051, Id = new AgentID { Value = id } };
        info.Resources.Add(resources.Select(r => r.Clone()));
        info.Attributes.Add(ResourceText.ParseAttributes(_options.Attributes, index));
        var agent = new EmulatedAgent(info, Path.Combine(workDirectory, "agents", index.ToString(CultureInfo.InvariantCulture)), ResourceSet.Of(resources));
        _agents.Add(id, agent);
        _agentOrder.Add(agent);
    }

    private RangeSet PortsOf(int index)
    {
        var range = _options.PortRange;
        if (!_options.SplitPortRange || _options.Agents <= 1)
        {
            return RangeSet.Of(range);
        }

        var width = (range.End - range.Begin + 1) / (ulong)_options.Agents;
        if (width == 0)
        {
            throw new ArgumentException($"the port range {range} is too small to split among {_options.Agents} agents");
        }

        var begin = range.Begin + ((ulong)index * width);
        return RangeSet.Of(new ValueRange(begin, begin + width - 1));
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    private void Log(string line) => _options.Log?.Invoke(line);

    private FrameworkRecord? Framework(string id) => _frameworks.TryGetValue(id, out var framework) ? framework : null;

    /// <summary>Sends an event on the framework's stream, if it has one.</summary>
    private static void Send(FrameworkRecord framework, Event @event) => framework.Stream?.Send(@event);

    private static Event UpdateEvent(TaskStatus status) => new()
    {
        Type = Event.Types.Type.Update,
        Update = new Event.Types.Update { Status = status },
    };

    /// <summary>A status the master itself makes (no uuid: nothing to acknowledge).</summary>
    private TaskStatus MasterStatus(string taskId, string? agentId, TaskState state, TaskStatus.Types.Reason reason, string message)
    {
        var status = new TaskStatus
        {
            TaskId = new TaskID { Value = taskId },
            State = state,
            Source = TaskStatus.Types.Source.Master,
            Reason = reason,
            Message = message,
            Timestamp = Now.ToUnixTimeMilliseconds() / 1000.0,
        };
        if (agentId is not null)
        {
            status.AgentId = new AgentID { Value = agentId };
        }

        return status;
    }

    private static ByteString NewUuid()
    {
        // Version 4 (random): what stout's UUID::random() makes, accepted by id::UUID::fromBytes.
        var bytes = Guid.NewGuid().ToByteArray(bigEndian: true);
        return ByteString.CopyFrom(bytes);
    }

    private static Resource.Types.AllocationInfo Allocation(string role) => new() { Role = role };

    /// <summary>The IPv4 address packed as MasterInfo.ip wants it (network order read as a little-endian uint32).</summary>
    internal static uint PackedIp(string host) =>
        IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? BitConverter.ToUInt32(ip.GetAddressBytes(), 0)
            : 0;
}
