using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>
/// The client's side of ZooKeeper's one-shot watches (ZKWatchManager): which watchers wait on which
/// client path, and which of them an event consumes. Registrations happen on the connection's reader,
/// in wire order with the notifications, so a watch is never registered after the event that ends it.
/// </summary>
internal sealed class WatchManager
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _exist = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _child = new(StringComparer.Ordinal);

    public void Register(WatchKind kind, string clientPath, Action<WatchedEvent> watcher)
    {
        lock (_lock)
        {
            var map = kind switch
            {
                WatchKind.Data => _data,
                WatchKind.Exist => _exist,
                _ => _child,
            };
            if (!map.TryGetValue(clientPath, out var set))
            {
                set = [];
                map[clientPath] = set;
            }
            set.Add(watcher);
        }
    }

    /// <summary>Removes and returns the watchers a node event triggers.</summary>
    public HashSet<Action<WatchedEvent>> Materialize(EventType type, string clientPath)
    {
        var result = new HashSet<Action<WatchedEvent>>();
        lock (_lock)
        {
            switch (type)
            {
                case EventType.NodeCreated:
                case EventType.NodeDataChanged:
                    Take(_data, clientPath, result);
                    Take(_exist, clientPath, result);
                    break;
                case EventType.NodeChildrenChanged:
                    Take(_child, clientPath, result);
                    break;
                case EventType.NodeDeleted:
                    Take(_data, clientPath, result);
                    Take(_exist, clientPath, result);
                    Take(_child, clientPath, result);
                    break;
            }
        }
        return result;
    }

    /// <summary>Every registered watcher, for a session-state event; <paramref name="clear"/> when the session is over.</summary>
    public HashSet<Action<WatchedEvent>> All(bool clear)
    {
        var result = new HashSet<Action<WatchedEvent>>();
        lock (_lock)
        {
            foreach (var map in new[] { _data, _exist, _child })
            {
                foreach (var set in map.Values)
                {
                    result.UnionWith(set);
                }
                if (clear)
                {
                    map.Clear();
                }
            }
        }
        return result;
    }

    /// <summary>The paths of every watch, to re-register on a new connection.</summary>
    public (List<string> Data, List<string> Exist, List<string> Child) Paths()
    {
        lock (_lock)
        {
            return ([.. _data.Keys], [.. _exist.Keys], [.. _child.Keys]);
        }
    }

    private static void Take(Dictionary<string, HashSet<Action<WatchedEvent>>> map, string path, HashSet<Action<WatchedEvent>> into)
    {
        if (map.Remove(path, out var set))
        {
            into.UnionWith(set);
        }
    }
}
