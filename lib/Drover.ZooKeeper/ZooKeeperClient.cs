using System.Threading.Channels;
using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>
/// A ZooKeeper session, kept alive across connections to the servers of the connect string, with the
/// official client's guarantees: requests are pipelined and answered in order; watches are one-shot and
/// re-registered on every new connection; a lost connection fails the requests in flight with
/// <see cref="ConnectionLossException"/> while the session lives on; expiry is terminal
/// (<see cref="ZooKeeperState.Expired"/>) and needs a new client, i.e. a new session.
/// </summary>
public sealed partial class ZooKeeperClient : IAsyncDisposable
{
    private readonly ZooKeeperClientOptions _options;
    private readonly Chroot _chroot;
    private readonly Channel<Request> _outgoing;
    private readonly WatchManager _watches = new();
    private readonly Dispatcher _dispatcher;

    private ZooKeeperClient(ZooKeeperClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _chroot = Chroot.Of(options.Parsed.ChrootPath);
        _hosts = new HostProvider(options.Parsed.Servers, Random.Shared);
        _outgoing = Channel.CreateBounded<Request>(new BoundedChannelOptions(options.MaxQueuedRequests)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _dispatcher = new Dispatcher(OnCallbackError);
        _sessionId = options.SessionId;
        _password = options.SessionId != 0 ? options.SessionPassword.ToArray() : new byte[16];
        _authInfo.AddRange(options.AuthInfo);
    }

    /// <summary>The session state changed; raised on the dispatcher, in order with watch events.</summary>
    public event EventHandler<ZooKeeperState>? StateChanged;

    /// <summary>A watcher or <see cref="StateChanged"/> handler threw; the exception is reported here and delivery goes on.</summary>
    public event EventHandler<Exception>? CallbackFailed;

    /// <summary>
    /// Starts a session (or resumes <see cref="ZooKeeperClientOptions.SessionId"/>) and returns once it is
    /// connected. Servers are tried in turn until one accepts or <paramref name="cancellationToken"/> fires.
    /// Throws <see cref="SessionExpiredException"/> if the session to resume is gone and
    /// <see cref="AuthFailedException"/> if the credentials are refused.
    /// </summary>
    public static async Task<ZooKeeperClient> ConnectAsync(ZooKeeperClientOptions options, CancellationToken cancellationToken = default)
    {
        var client = new ZooKeeperClient(options);
        client.Start();
        try
        {
            await client.WaitForStateAsync(ZooKeeperState.Connected, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ZooKeeperState State => _state;

    /// <summary>The session id (0 before the first connection).</summary>
    public long SessionId => Interlocked.Read(ref _sessionId);

    /// <summary>The session password: with <see cref="SessionId"/>, what another client needs to resume this session.</summary>
    public byte[] SessionPassword
    {
        get
        {
            lock (_gate)
            {
                return [.. _password];
            }
        }
    }

    /// <summary>The session timeout the server granted (zero before the first connection).</summary>
    public TimeSpan SessionTimeout => TimeSpan.FromMilliseconds(Volatile.Read(ref _negotiatedTimeoutMs));

    /// <summary>The server of the current connection; null while disconnected.</summary>
    public ServerAddress? ConnectedServer => Volatile.Read(ref _connection)?.Server;

    /// <summary>The last zxid seen in a reply.</summary>
    public long LastZxid => Interlocked.Read(ref _lastZxid);

    /// <summary>The chroot of the connect string, or null.</summary>
    public string? ChrootPath => _chroot.Root;

    /// <summary>Creates a node and returns its actual path (with any sequence suffix).</summary>
    public Task<string> CreateAsync(string path, ReadOnlyMemory<byte> data, IReadOnlyList<Acl> acl, CreateMode mode, CancellationToken cancellationToken = default)
    {
        // Not async itself, so that invalid arguments throw at the call like every other method.
        var created = CreateWithStatAsync(path, data, acl, mode, cancellationToken);
        return PathOf(created);

        static async Task<string> PathOf(Task<CreateResult> created) => (await created.ConfigureAwait(false)).Path;
    }

    /// <summary>Creates a node and returns its actual path and its Stat.</summary>
    public Task<CreateResult> CreateWithStatAsync(string path, ReadOnlyMemory<byte> data, IReadOnlyList<Acl> acl, CreateMode mode, CancellationToken cancellationToken = default)
    {
        mode.Validate();
        ZooKeeperPath.Validate(path, mode.IsSequential());
        ValidateAcl(acl);
        return Submit(new CreateNodeRequest(path, _chroot.ToServer(path), data, acl, mode, _chroot), cancellationToken);
    }

    /// <summary>Deletes a node if its version matches (-1 matches any).</summary>
    public Task DeleteAsync(string path, int version = -1, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        return Submit(new DeleteNodeRequest(path, _chroot.ToServer(path), version), cancellationToken);
    }

    /// <summary>Sets a node's data if its version matches (-1 matches any) and returns the new Stat.</summary>
    public Task<Stat> SetDataAsync(string path, ReadOnlyMemory<byte> data, int version = -1, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        return Submit(new SetDataRequest(path, _chroot.ToServer(path), data, version), cancellationToken);
    }

    /// <summary>
    /// Reads a node's data and Stat. A <paramref name="watcher"/> is called once, on the node's next
    /// data change or deletion (and on session-state events until then).
    /// </summary>
    public Task<DataResult> GetDataAsync(string path, Action<WatchedEvent>? watcher = null, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        return Submit(new GetDataRequest(path, _chroot.ToServer(path)) { Watch = WatchOf(path, watcher) }, cancellationToken);
    }

    /// <summary>As <see cref="GetDataAsync(string, Action{WatchedEvent}?, CancellationToken)"/>, with the default watcher when <paramref name="watch"/>.</summary>
    public Task<DataResult> GetDataAsync(string path, bool watch, CancellationToken cancellationToken = default) =>
        GetDataAsync(path, DefaultWatcherIf(watch), cancellationToken);

    /// <summary>
    /// The node's Stat, or null when it does not exist. A <paramref name="watcher"/> is called once: on
    /// creation if the node is missing, on data change or deletion if it exists.
    /// </summary>
    public Task<Stat?> ExistsAsync(string path, Action<WatchedEvent>? watcher = null, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        return Submit(new ExistsRequest(path, _chroot.ToServer(path)) { Watch = WatchOf(path, watcher) }, cancellationToken);
    }

    /// <summary>As <see cref="ExistsAsync(string, Action{WatchedEvent}?, CancellationToken)"/>, with the default watcher when <paramref name="watch"/>.</summary>
    public Task<Stat?> ExistsAsync(string path, bool watch, CancellationToken cancellationToken = default) =>
        ExistsAsync(path, DefaultWatcherIf(watch), cancellationToken);

    /// <summary>
    /// The node's children (names) and Stat. A <paramref name="watcher"/> is called once, when a child
    /// is created or deleted or the node itself is deleted.
    /// </summary>
    public Task<ChildrenResult> GetChildrenAsync(string path, Action<WatchedEvent>? watcher = null, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        return Submit(new GetChildrenRequest(path, _chroot.ToServer(path)) { Watch = WatchOf(path, watcher) }, cancellationToken);
    }

    /// <summary>As <see cref="GetChildrenAsync(string, Action{WatchedEvent}?, CancellationToken)"/>, with the default watcher when <paramref name="watch"/>.</summary>
    public Task<ChildrenResult> GetChildrenAsync(string path, bool watch, CancellationToken cancellationToken = default) =>
        GetChildrenAsync(path, DefaultWatcherIf(watch), cancellationToken);

    /// <summary>
    /// Applies all operations atomically or none. On failure throws the typed exception of the first
    /// failing operation, with every result in <see cref="KeeperException.MultiResults"/>.
    /// </summary>
    public Task<IReadOnlyList<OpResult>> MultiAsync(IEnumerable<Op> ops, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ops);
        List<Op> list = [.. ops];
        foreach (var op in list)
        {
            ArgumentNullException.ThrowIfNull(op, nameof(ops));
            ValidateOp(op);
        }
        if (list.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<OpResult>>([]);
        }
        return Submit(new MultiRequest(list, _chroot), cancellationToken);
    }

    /// <summary>Waits until the server this client is connected to has caught up with the leader.</summary>
    public Task SyncAsync(string path, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        return Submit(new SyncRequest(path, _chroot.ToServer(path)), cancellationToken);
    }

    public Task<AclResult> GetAclAsync(string path, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        return Submit(new GetAclRequest(path, _chroot.ToServer(path)), cancellationToken);
    }

    /// <summary>Sets a node's ACL if its ACL version matches (-1 matches any).</summary>
    public Task<Stat> SetAclAsync(string path, IReadOnlyList<Acl> acl, int version = -1, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        ValidateAcl(acl);
        return Submit(new SetAclRequest(path, _chroot.ToServer(path), acl, version), cancellationToken);
    }

    /// <summary>
    /// Adds credentials to the session (e.g. scheme "digest", "user:password") and waits for the
    /// server's answer. They are sent again on every reconnection. A refusal makes the client
    /// <see cref="ZooKeeperState.AuthFailed"/>.
    /// </summary>
    public Task AddAuthAsync(string scheme, ReadOnlyMemory<byte> auth, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        var info = new AuthInfo(scheme, auth.ToArray());
        lock (_gate)
        {
            _authInfo.Add(info);
        }
        return Submit(new AuthRequest(info.Scheme, info.Data), cancellationToken);
    }

    private Action<WatchedEvent>? DefaultWatcherIf(bool watch)
    {
        if (!watch)
        {
            return null;
        }
        return _options.DefaultWatcher
            ?? throw new InvalidOperationException("watch: true needs ZooKeeperClientOptions.DefaultWatcher; pass a watcher instead.");
    }

    private static WatchRegistration? WatchOf(string path, Action<WatchedEvent>? watcher) =>
        watcher is null ? null : new WatchRegistration(path, watcher);

    private static void ValidateAcl(IReadOnlyList<Acl> acl)
    {
        ArgumentNullException.ThrowIfNull(acl);
        if (acl.Count == 0)
        {
            throw new InvalidAclException(null, "An ACL needs at least one entry.", null);
        }
        foreach (var entry in acl)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(acl));
            ArgumentNullException.ThrowIfNull(entry.Id, nameof(acl));
        }
    }

    private static void ValidateOp(Op op)
    {
        switch (op)
        {
            case Op.CreateOp create:
                create.Mode.Validate();
                ZooKeeperPath.Validate(create.Path, create.Mode.IsSequential());
                ValidateAcl(create.Acl);
                break;
            default:
                ZooKeeperPath.Validate(op.Path);
                break;
        }
    }

    private void OnCallbackError(Exception error) => CallbackFailed?.Invoke(this, error);
}
