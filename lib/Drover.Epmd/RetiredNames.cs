namespace Drover.Epmd;

/// <summary>
/// The "old/unused" part of this server's DUMP: names whose registration through this server ended,
/// oldest first, with their last port and descriptor, kept under epmd's rules (a name registered again
/// leaves the list; past <see cref="Protocol.EpmdLimits.MaxRetiredNames"/> a new name pushes the oldest out).
/// Not thread-safe: the server holds its lock.
/// </summary>
internal sealed class RetiredNames
{
    private readonly LinkedList<(string Name, ushort Port, int Fd)> _fifo = new();

    public IEnumerable<(string Name, ushort Port, int Fd)> OldestFirst => _fifo;

    public void Retire(string name, ushort port, int fd) => _fifo.AddLast((name, port, fd));

    public void Registered(string name)
    {
        for (var node = _fifo.First; node is not null; node = node.Next)
        {
            if (string.Equals(node.Value.Name, name, StringComparison.Ordinal))
            {
                _fifo.Remove(node);
                return;
            }
        }
        if (_fifo.Count > Protocol.EpmdLimits.MaxRetiredNames)
        {
            _fifo.RemoveFirst();
        }
    }
}
