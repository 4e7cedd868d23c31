namespace Drover.Epmd;

/// <summary>
/// The creation counters of unregistered names, oldest first (epmd's <c>nodes.unreg</c> FIFO). Not
/// thread-safe: the owner holds its lock.
/// </summary>
internal sealed class RetiredCounters
{
    private readonly LinkedList<(NodeKey Key, uint Counter)> _fifo = new();
    private readonly Dictionary<NodeKey, LinkedListNode<(NodeKey Key, uint Counter)>> _byKey = [];

    public int Count => _fifo.Count;

    public bool Contains(NodeKey key) => _byKey.ContainsKey(key);

    public void Add(NodeKey key, uint counter)
    {
        // A name is retired at most once at a time: it must be active to be unregistered.
        _byKey[key] = _fifo.AddLast((key, counter));
    }

    public bool TryTake(NodeKey key, out uint counter)
    {
        if (!_byKey.Remove(key, out var node))
        {
            counter = 0;
            return false;
        }
        _fifo.Remove(node);
        counter = node.Value.Counter;
        return true;
    }

    public uint TakeOldest()
    {
        var oldest = _fifo.First ?? throw new InvalidOperationException("No retired name to take.");
        _fifo.RemoveFirst();
        _byKey.Remove(oldest.Value.Key);
        return oldest.Value.Counter;
    }
}
