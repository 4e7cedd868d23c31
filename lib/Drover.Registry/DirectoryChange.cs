namespace Drover.Registry;

/// <summary>Turns the bytes of the child <paramref name="name"/> into a record; throws <see cref="RecordFormatException"/> if they are not one.</summary>
public delegate T RecordDecoder<out T>(string name, ReadOnlyMemory<byte> data);

public enum DirectoryChangeKind
{
    /// <summary>Every valid entry, as a whole: the first item of a watch, and again if a watcher fell behind.</summary>
    Snapshot,

    /// <summary>A valid entry appeared (new, or a formerly invalid one that now parses).</summary>
    Added,

    /// <summary>A valid entry's data changed.</summary>
    Updated,

    /// <summary>An entry is gone (deleted, or its session ended).</summary>
    Removed,

    /// <summary>
    /// An entry's data is not a valid record (<see cref="DirectoryChange{T}.Error"/> says why). Treat it
    /// as absent: if it was valid before, it is no longer in the snapshot.
    /// </summary>
    Invalid,
}

/// <summary>One change of a watched directory.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Name">The child's name; null for a snapshot.</param>
/// <param name="Value">The new record (Added, Updated).</param>
/// <param name="Previous">The record before (Updated, Removed, Invalid), if it was valid.</param>
/// <param name="Error">Why the data is not a record (Invalid).</param>
/// <param name="Entries">Every valid entry (Snapshot).</param>
public sealed record DirectoryChange<T>(
    DirectoryChangeKind Kind,
    string? Name,
    T? Value = null,
    T? Previous = null,
    RecordFormatException? Error = null,
    IReadOnlyDictionary<string, T>? Entries = null)
    where T : class
{
    public override string ToString() => Kind switch
    {
        DirectoryChangeKind.Snapshot => $"snapshot of {Entries?.Count} entries",
        DirectoryChangeKind.Invalid => $"{Name}: invalid: {Error?.Message}",
        _ => $"{Name}: {Kind.ToString().ToLowerInvariant()}",
    };
}

/// <summary>Counters of a <see cref="DirectoryWatcher{T}"/> since it was made.</summary>
/// <param name="Reads">getChildren and getData requests answered.</param>
/// <param name="Resyncs">Full re-reads (the first one, after a lost connection or a new session).</param>
/// <param name="InvalidRecords">Times an entry's data did not parse.</param>
/// <param name="ReadFailures">Reads that failed and were retried.</param>
/// <param name="Lagged">Times a watch fell more than its queue limit behind and was sent a snapshot instead.</param>
public readonly record struct DirectoryWatcherStatistics(long Reads, long Resyncs, long InvalidRecords, long ReadFailures, long Lagged);

/// <summary>Whether a <see cref="DirectoryWatcher{T}"/>'s copy is known to match ZooKeeper.</summary>
public enum WatchFreshness
{
    /// <summary>Never read yet: there is no copy.</summary>
    Unread,

    /// <summary>Read, connected, every watch armed: a change in ZooKeeper reaches the copy.</summary>
    Live,

    /// <summary>
    /// The copy is the last one read, but ZooKeeper cannot be heard (disconnected, session ended) or a read
    /// failed: it may be behind until the watcher is live again.
    /// </summary>
    Stale,
}
