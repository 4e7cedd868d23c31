namespace Drover.Scheduler.State;

/// <summary>
/// Where the scheduler's state lives (ZooKeeper in production, memory in unit tests). The loop writes every
/// decision here, and awaits it, before the call to Mesos that acts on it.
/// </summary>
public interface IStateStore
{
    /// <summary>Everything stored, at start or takeover.</summary>
    Task<StoredState> LoadAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies the writes atomically: all or none. Throws <see cref="StateStoreException"/> when they cannot be
    /// applied (ZooKeeper unreachable past its retries, another writer, lost leadership); the loop then stops,
    /// and a scheduler restarted from the store continues where the last successful commit left it.
    /// </summary>
    Task CommitAsync(IReadOnlyList<StoreWrite> writes, CancellationToken cancellationToken = default);
}

/// <summary>The store cannot apply a commit; the scheduler must stop acting (fatal).</summary>
public sealed class StateStoreException : Exception
{
    public StateStoreException()
    {
    }

    public StateStoreException(string message)
        : base(message)
    {
    }

    public StateStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
