using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Drover.ZooKeeper;

namespace Drover.Registry;

/// <summary>
/// A local copy of one ZooKeeper directory — its children and their data, decoded — kept fresh by a
/// child watch on the directory and a data watch on each child. Watches are one-shot and re-armed by
/// each read; after a reconnection the client's SetWatches keeps them; after a lost read or a new
/// session (expiry) everything is read again and the difference is emitted. A child whose data does
/// not decode is reported as <see cref="DirectoryChangeKind.Invalid"/> and the watcher goes on.
/// <para>
/// One loop owns the copy: watch callbacks (on the client's dispatcher) only queue a signal for it.
/// Each <see cref="WatchAsync"/> gets the snapshot first, then the changes after it.
/// </para>
/// </summary>
public class DirectoryWatcher<T> : IAsyncDisposable
    where T : class
{
    /// <summary>A watch that falls this far behind gets one snapshot instead of the changes it missed.</summary>
    public const int SubscriberQueueLimit = 1024;

    private readonly RegistrySession _session;
    private readonly bool _ownsSession;
    private readonly RecordDecoder<T> _decode;
    private readonly Channel<Signal> _signals = Channel.CreateUnbounded<Signal>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<WatchedEvent> _watcher;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly List<Channel<DirectoryChange<T>>> _subscribers = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private bool _disposed;
    private long _reads;
    private long _resyncs;
    private long _invalid;
    private long _readFailures;
    private long _lagged;
    private WatchFreshness _freshness;

    /// <summary>Watches <paramref name="path"/> on a shared session.</summary>
    public DirectoryWatcher(RegistrySession session, string path, RecordDecoder<T> decode)
        : this(session, ownsSession: false, path, decode)
    {
    }

    protected DirectoryWatcher(RegistrySession session, bool ownsSession, string path, RecordDecoder<T> decode)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(decode);
        ZooKeeperPath.Validate(path);
        _session = session;
        _ownsSession = ownsSession;
        Path = path;
        _decode = decode;
        _watcher = OnWatch;
        _session.Changed += OnSessionChanged;
    }

    public string Path { get; }

    /// <summary>The session this watcher reads through.</summary>
    public RegistrySession Session => _session;

    /// <summary>A ZooKeeper read failed; the watcher retries (and re-reads everything). Handlers must be quick and must not throw.</summary>
    public event EventHandler<Exception>? ReadFailed;

    /// <summary>
    /// <see cref="Freshness"/> changed. Raised from the watcher's loop, after the changes that led to it
    /// were published; handlers must be quick and must not throw.
    /// </summary>
    public event EventHandler<WatchFreshness>? FreshnessChanged;

    /// <summary>Whether the copy is known to match ZooKeeper now (see <see cref="WatchFreshness"/>).</summary>
    public WatchFreshness Freshness
    {
        get
        {
            lock (_gate)
            {
                return _freshness;
            }
        }
    }

    /// <summary>The valid entries now (empty before the first read completes).</summary>
    public IReadOnlyDictionary<string, T> Snapshot
    {
        get
        {
            lock (_gate)
            {
                return ValidEntries();
            }
        }
    }

    /// <summary>The entries whose data is not a valid record, and why.</summary>
    public IReadOnlyDictionary<string, RecordFormatException> Invalid
    {
        get
        {
            lock (_gate)
            {
                return _entries.Where(e => e.Value.Error is not null).ToDictionary(e => e.Key, e => e.Value.Error!, StringComparer.Ordinal);
            }
        }
    }

    public DirectoryWatcherStatistics Statistics => new(
        Interlocked.Read(ref _reads),
        Interlocked.Read(ref _resyncs),
        Interlocked.Read(ref _invalid),
        Interlocked.Read(ref _readFailures),
        Interlocked.Read(ref _lagged));

    /// <summary>Starts watching (once) and returns when the directory has been read a first time.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _loop ??= Task.Run(RunAsync);
        }
        return _ready.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The snapshot, then an <see cref="DirectoryChangeKind.Invalid"/> change for each entry that is there but
    /// does not parse, then every change after it, until <paramref name="cancellationToken"/> fires or the
    /// watcher is disposed. Starts the watcher if needed.
    /// </summary>
    public async IAsyncEnumerable<DirectoryChange<T>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        var queue = Channel.CreateUnbounded<DirectoryChange<T>>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            queue.Writer.TryWrite(new DirectoryChange<T>(DirectoryChangeKind.Snapshot, null, Entries: ValidEntries()));
            // The entries that are there but do not parse: a new watch hears of them too.
            foreach (var (name, entry) in _entries)
            {
                if (entry.Error is not null)
                {
                    queue.Writer.TryWrite(new DirectoryChange<T>(DirectoryChangeKind.Invalid, name, Error: entry.Error));
                }
            }
            _subscribers.Add(queue);
        }
        try
        {
            while (await queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (queue.Reader.TryRead(out var change))
                {
                    yield return change;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(queue);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            loop = _loop;
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryComplete();
            }
        }
        _session.Changed -= OnSessionChanged;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }
        _ready.TrySetException(new ObjectDisposedException(GetType().Name));
        if (_ownsSession)
        {
            await _session.DisposeAsync().ConfigureAwait(false);
        }
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task RunAsync()
    {
        var backoff = new Backoff(_session.Options.InitialBackoff, _session.Options.MaxBackoff);
        var resync = true;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (resync)
                {
                    await ResyncAsync(_stop.Token).ConfigureAwait(false);
                    resync = false;
                    backoff.Reset();
                    SetFreshness(WatchFreshness.Live);
                    _ready.TrySetResult();
                }
                var signal = await _signals.Reader.ReadAsync(_stop.Token).ConfigureAwait(false);
                resync = signal.Kind switch
                {
                    SignalKind.Resync => true,
                    // A late event of an ended session's client says nothing about the live one.
                    SignalKind.Disconnected => _session.Current is { State: ZooKeeperState.Connected or ZooKeeperState.ConnectedReadOnly } ? false : Stale(),
                    SignalKind.Reconnected => await ConfirmAsync(_stop.Token).ConfigureAwait(false),
                    _ => await HandleAsync(signal, _stop.Token).ConfigureAwait(false),
                };
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A watch may not be armed now: read everything again once ZooKeeper answers.
                Interlocked.Increment(ref _readFailures);
                Stale();
                RaiseReadFailed(e);
                resync = true;
                try
                {
                    await Task.Delay(backoff.Next(), _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Back on the same session after a disconnection: the client's SetWatches re-armed every watch with
    /// the last zxid seen, so what changed meanwhile fires now. One round trip after it, those
    /// notifications have been queued (ZooKeeper answers in order and the client calls watchers before
    /// it completes later replies): from then on the copy is live again. Returns false (no re-read).
    /// </summary>
    private async Task<bool> ConfirmAsync(CancellationToken stop)
    {
        var client = await _session.GetClientAsync(stop).ConfigureAwait(false);
        await client.ExistsAsync(Path, watcher: null, stop).ConfigureAwait(false);
        lock (_gate)
        {
            if (_freshness != WatchFreshness.Stale)
            {
                // Unread: the first read makes it live; Live: nothing was missed.
                return false;
            }
        }
        SetFreshness(WatchFreshness.Live);
        return false;
    }

    /// <summary>The copy may be behind: ZooKeeper cannot be heard, or a read failed. Returns false (no re-read by itself).</summary>
    private bool Stale()
    {
        lock (_gate)
        {
            if (_freshness != WatchFreshness.Live)
            {
                // Unread stays unread: there is no copy to be stale yet.
                return false;
            }
        }
        SetFreshness(WatchFreshness.Stale);
        return false;
    }

    private void SetFreshness(WatchFreshness freshness)
    {
        lock (_gate)
        {
            if (_freshness == freshness)
            {
                return;
            }
            _freshness = freshness;
        }
        try
        {
            FreshnessChanged?.Invoke(this, freshness);
        }
        catch (Exception)
        {
            // A faulty handler must not stop the watcher; handlers are documented not to throw.
        }
    }

    /// <summary>Reads the whole directory and emits what differs from the copy.</summary>
    private async Task ResyncAsync(CancellationToken stop)
    {
        Interlocked.Increment(ref _resyncs);
        var client = await _session.GetClientAsync(stop).ConfigureAwait(false);
        var names = await ListAsync(client, stop).ConfigureAwait(false);
        var data = await ReadAllAsync(client, names, stop).ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var gone in _entries.Keys.Where(name => !data.ContainsKey(name)).ToList())
            {
                RemoveUnsynchronized(gone);
            }
            foreach (var (name, bytes) in data)
            {
                ApplyUnsynchronized(name, bytes);
            }
        }
    }

    /// <summary>Handles one watch signal; returns true if everything must be read again.</summary>
    private async Task<bool> HandleAsync(Signal signal, CancellationToken stop)
    {
        var client = await _session.GetClientAsync(stop).ConfigureAwait(false);
        switch (signal.Kind)
        {
            case SignalKind.Children:
                var names = await ListAsync(client, stop).ConfigureAwait(false);
                List<string> added;
                lock (_gate)
                {
                    foreach (var gone in _entries.Keys.Where(name => !names.Contains(name)).ToList())
                    {
                        RemoveUnsynchronized(gone);
                    }
                    added = [.. names.Where(name => !_entries.ContainsKey(name))];
                }
                var data = await ReadAllAsync(client, added, stop).ConfigureAwait(false);
                lock (_gate)
                {
                    foreach (var (name, bytes) in data)
                    {
                        ApplyUnsynchronized(name, bytes);
                    }
                }
                return false;
            case SignalKind.Data:
                var read = await ReadAllAsync(client, [signal.Name!], stop).ConfigureAwait(false);
                lock (_gate)
                {
                    if (read.TryGetValue(signal.Name!, out var bytes))
                    {
                        ApplyUnsynchronized(signal.Name!, bytes);
                    }
                    else
                    {
                        RemoveUnsynchronized(signal.Name!);
                    }
                }
                return false;
            case SignalKind.Gone:
                lock (_gate)
                {
                    RemoveUnsynchronized(signal.Name!);
                }
                return false;
            default:
                return true;
        }
    }

    /// <summary>The children, with a child watch; a missing directory is empty, with a creation watch.</summary>
    private async Task<HashSet<string>> ListAsync(ZooKeeperClient client, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                var children = await client.GetChildrenAsync(Path, _watcher, stop).ConfigureAwait(false);
                Interlocked.Increment(ref _reads);
                return new HashSet<string>(children.Children, StringComparer.Ordinal);
            }
            catch (NoNodeException)
            {
                if (await client.ExistsAsync(Path, _watcher, stop).ConfigureAwait(false) is null)
                {
                    return new HashSet<string>(StringComparer.Ordinal);
                }
                // Created between the two reads: list it.
            }
        }
    }

    /// <summary>Reads the children's data, each with a data watch, pipelined; a child deleted meanwhile is left out.</summary>
    private async Task<Dictionary<string, byte[]>> ReadAllAsync(ZooKeeperClient client, IReadOnlyCollection<string> names, CancellationToken stop)
    {
        var reads = names.Select(name => (Name: name, Read: client.GetDataAsync(RegistryPaths.Join(Path, name), _watcher, stop))).ToList();
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, read) in reads)
        {
            try
            {
                result[name] = (await read.ConfigureAwait(false)).Data;
                Interlocked.Increment(ref _reads);
            }
            catch (NoNodeException)
            {
            }
        }
        return result;
    }

    private void ApplyUnsynchronized(string name, byte[] data)
    {
        _entries.TryGetValue(name, out var old);
        if (old is not null && old.Data.AsSpan().SequenceEqual(data))
        {
            return;
        }
        var entry = Decode(name, data);
        _entries[name] = entry;
        if (entry.Error is not null)
        {
            Interlocked.Increment(ref _invalid);
            PublishUnsynchronized(new DirectoryChange<T>(DirectoryChangeKind.Invalid, name, Previous: old?.Value, Error: entry.Error));
        }
        else if (old?.Value is null)
        {
            PublishUnsynchronized(new DirectoryChange<T>(DirectoryChangeKind.Added, name, entry.Value));
        }
        else
        {
            PublishUnsynchronized(new DirectoryChange<T>(DirectoryChangeKind.Updated, name, entry.Value, old.Value));
        }
    }

    private void RemoveUnsynchronized(string name)
    {
        if (_entries.Remove(name, out var old))
        {
            PublishUnsynchronized(new DirectoryChange<T>(DirectoryChangeKind.Removed, name, Previous: old.Value));
        }
    }

    private Entry Decode(string name, byte[] data)
    {
        var path = RegistryPaths.Join(Path, name);
        try
        {
            return new Entry(data, _decode(name, data), null);
        }
        catch (RecordFormatException e)
        {
            return new Entry(data, null, new RecordFormatException($"{path}: {e.Message}", e) { Path = path });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A decoder that throws anything else is still only one bad entry.
            return new Entry(data, null, new RecordFormatException($"{path}: the decoder failed: {e.GetType().Name}: {e.Message}", e) { Path = path });
        }
    }

    private void PublishUnsynchronized(DirectoryChange<T> change)
    {
        foreach (var subscriber in _subscribers)
        {
            if (subscriber.Reader.Count >= SubscriberQueueLimit)
            {
                // Fallen behind: what it missed is replaced by the state it would reach.
                while (subscriber.Reader.TryRead(out _))
                {
                }
                Interlocked.Increment(ref _lagged);
                subscriber.Writer.TryWrite(new DirectoryChange<T>(DirectoryChangeKind.Snapshot, null, Entries: ValidEntries()));
                continue;
            }
            subscriber.Writer.TryWrite(change);
        }
    }

    private Dictionary<string, T> ValidEntries() =>
        _entries.Where(e => e.Value.Value is not null).ToDictionary(e => e.Key, e => e.Value.Value!, StringComparer.Ordinal);

    // On the client's dispatcher: only queue a signal for the loop.
    private void OnWatch(WatchedEvent watched)
    {
        if (watched.Type == EventType.None)
        {
            // Session states. A disconnection (or the end of the session) makes the copy stale; a
            // reconnection to the same session makes it live again once SetWatches has had its effect;
            // a new session comes through OnSessionChanged and re-reads everything.
            var session = watched.State switch
            {
                KeeperState.SyncConnected or KeeperState.ConnectedReadOnly => SignalKind.Reconnected,
                KeeperState.Disconnected or KeeperState.Expired or KeeperState.AuthFailed or KeeperState.Closed => SignalKind.Disconnected,
                _ => (SignalKind?)null,
            };
            if (session is { } signal)
            {
                _signals.Writer.TryWrite(new Signal(signal, null));
            }
            return;
        }
        if (watched.Path is null)
        {
            return;
        }
        if (watched.Path == Path)
        {
            _signals.Writer.TryWrite(new Signal(SignalKind.Children, null));
            return;
        }
        var name = ChildName(watched.Path);
        if (name is null)
        {
            return;
        }
        var kind = watched.Type == EventType.NodeDeleted ? SignalKind.Gone : SignalKind.Data;
        _signals.Writer.TryWrite(new Signal(kind, name));
    }

    private string? ChildName(string path)
    {
        var prefix = Path == "/" ? "/" : Path + "/";
        return path.StartsWith(prefix, StringComparison.Ordinal) && path.Length > prefix.Length && path.IndexOf('/', prefix.Length) < 0
            ? path[prefix.Length..]
            : null;
    }

    private void OnSessionChanged(object? sender, RegistrySessionEvent sessionEvent)
    {
        if (sessionEvent.Kind == RegistrySessionEventKind.Started && sessionEvent.Generation > 1)
        {
            // A new session has none of our watches: read everything again.
            _signals.Writer.TryWrite(new Signal(SignalKind.Resync, null));
        }
    }

    private void RaiseReadFailed(Exception error)
    {
        try
        {
            ReadFailed?.Invoke(this, error);
        }
        catch (Exception)
        {
            // A faulty handler must not stop the watcher; handlers are documented not to throw.
        }
    }

    private enum SignalKind
    {
        Resync,
        Children,
        Data,
        Gone,
        Disconnected,
        Reconnected,
    }

    private readonly record struct Signal(SignalKind Kind, string? Name);

    private sealed record Entry(byte[] Data, T? Value, RecordFormatException? Error);
}
