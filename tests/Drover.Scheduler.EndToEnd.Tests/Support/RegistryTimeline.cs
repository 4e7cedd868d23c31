using Drover.Registry;

namespace Drover.Scheduler.EndToEnd.Tests.Support;

/// <summary>One change of a node's registry record as a watcher saw it: its state, health and version then (Removed: the record is gone).</summary>
public sealed record RegistryEvent(long Sequence, DateTimeOffset At, string Node, DirectoryChangeKind Kind, NodeState? State, bool? Healthy, string? Version, string? TaskId)
{
    public override string ToString() => $"#{Sequence} {At:HH:mm:ss.fff} {Node} {Kind} {State} healthy={Healthy} version={Version} task={TaskId}";
}

/// <summary>
/// The executors' records of one cluster (<c>/drover/&lt;framework&gt;/clusters/&lt;c&gt;/nodes</c>) watched from the start of
/// a test, every change kept in the order ZooKeeper's watches delivered it: the order in which nodes came up,
/// turned healthy, changed version and went, as any client of the registry sees it.
/// </summary>
public sealed class RegistryTimeline : IAsyncDisposable
{
    private readonly ClusterWatcher _watcher;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<RegistryEvent> _events = [];
    private readonly Task _reading;

    private RegistryTimeline(ClusterWatcher watcher)
    {
        _watcher = watcher;
        _reading = Task.Run(ReadAsync);
    }

    public static async Task<RegistryTimeline> StartAsync(string connect, string framework, string cluster)
    {
        var watcher = new ClusterWatcher(new RegistryOptions { ConnectString = connect, Framework = framework }, cluster);
        await watcher.StartAsync();
        return new RegistryTimeline(watcher);
    }

    /// <summary>Every change so far.</summary>
    public IReadOnlyList<RegistryEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The first event at or after <paramref name="from"/> for <paramref name="node"/> that matches, or null.</summary>
    public RegistryEvent? First(string node, Func<RegistryEvent, bool> match, long from = 0) =>
        Events.FirstOrDefault(e => e.Sequence >= from && e.Node == node && match(e));

    public string Describe(long from = 0) => string.Join('\n', Events.Where(e => e.Sequence >= from));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watcher.DisposeAsync();
        try
        {
            await _reading;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        await foreach (var change in _watcher.WatchAsync(_stop.Token))
        {
            if (change.Kind == DirectoryChangeKind.Snapshot)
            {
                foreach (var (name, record) in change.Entries ?? new Dictionary<string, NodeRecord>())
                {
                    Add(name, DirectoryChangeKind.Snapshot, record);
                }

                continue;
            }

            Add(change.Name!, change.Kind, change.Kind == DirectoryChangeKind.Removed ? null : change.Value);
        }
    }

    private void Add(string node, DirectoryChangeKind kind, NodeRecord? record)
    {
        lock (_events)
        {
            _events.Add(new RegistryEvent(_events.Count, DateTimeOffset.UtcNow, node, kind, record?.State, record?.Healthy, record?.Version, record?.TaskId));
        }
    }
}
