using System.Threading.Channels;
using Drover.ZooKeeper;

namespace Drover.Testing.ZooKeeper;

/// <summary>A watcher that records what it is told, for tests to await and count.</summary>
public sealed class WatchRecorder
{
    private readonly Channel<WatchedEvent> _nodeEvents = Channel.CreateUnbounded<WatchedEvent>();
    private readonly List<WatchedEvent> _all = [];
    private readonly Lock _lock = new();

    public WatchRecorder()
    {
        Watcher = Record;
    }

    /// <summary>One delegate instance, so registering it twice on a path is one watch, as in ZooKeeper.</summary>
    public Action<WatchedEvent> Watcher { get; }

    public IReadOnlyList<WatchedEvent> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _all];
            }
        }
    }

    public IReadOnlyList<WatchedEvent> NodeEvents => [.. All.Where(e => e.Type != EventType.None)];

    public IReadOnlyList<KeeperState> States => [.. All.Where(e => e.Type == EventType.None).Select(e => e.State)];

    /// <summary>The next node event (session-state events are recorded but skipped).</summary>
    public Task<WatchedEvent> NextNodeEventAsync(TimeSpan? timeout = null) =>
        _nodeEvents.Reader.ReadAsync().AsTask().Within("a watch event", timeout);

    private void Record(WatchedEvent watchedEvent)
    {
        lock (_lock)
        {
            _all.Add(watchedEvent);
        }
        if (watchedEvent.Type != EventType.None)
        {
            _nodeEvents.Writer.TryWrite(watchedEvent);
        }
    }
}
