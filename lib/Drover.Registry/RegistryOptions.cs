using Drover.ZooKeeper;

namespace Drover.Registry;

/// <summary>
/// Where the registry lives and how it talks to ZooKeeper (NodeSpec's ZooKeeperSpec). Each property
/// checks its value when set. <see cref="ToString"/> never shows the digest password.
/// </summary>
public sealed class RegistryOptions
{
    public static readonly TimeSpan DefaultSessionTimeout = TimeSpan.FromSeconds(10);

    /// <summary>First pause after a failed ZooKeeper write or connection; doubles up to <see cref="MaxBackoff"/>.</summary>
    public static readonly TimeSpan DefaultInitialBackoff = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(5);

    private readonly string _connectString = "";
    private readonly string _root = RegistryPaths.DefaultRoot;
    private readonly string _framework = "";
    private readonly TimeSpan _sessionTimeout = DefaultSessionTimeout;
    private readonly TimeSpan _initialBackoff = DefaultInitialBackoff;
    private readonly TimeSpan _maxBackoff = DefaultMaxBackoff;
    private readonly TimeSpan? _conflictTimeout;

    /// <summary>"host1:port1,host2:port2[/chroot]".</summary>
    public required string ConnectString
    {
        get => _connectString;
        init
        {
            // The client's own parser says what is wrong with it.
            _ = new ZooKeeperClientOptions { ConnectString = value };
            _connectString = value;
        }
    }

    /// <summary>The registry root, default "/drover" (below the connect string's chroot, if any).</summary>
    public string Root
    {
        get => _root;
        init
        {
            ZooKeeperPath.Validate(value);
            _root = value;
        }
    }

    /// <summary>The framework's name: one znode name under the root.</summary>
    public required string Framework
    {
        get => _framework;
        init
        {
            RegistryPaths.ValidateName(value, "framework name");
            _framework = value;
        }
    }

    /// <summary>The session timeout asked of ZooKeeper; the server may bound it. From 1 ms to int.MaxValue ms.</summary>
    public TimeSpan SessionTimeout
    {
        get => _sessionTimeout;
        init
        {
            if (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(SessionTimeout), value, "The session timeout must be from 1 ms to int.MaxValue ms.");
            }
            _sessionTimeout = value;
        }
    }

    /// <summary>
    /// The framework's digest identity. With it, every node the registry creates (parents included)
    /// is readable by anyone and writable only by this identity; without it, nodes are open (OPEN_ACL_UNSAFE).
    /// </summary>
    public DigestCredentials? Credentials { get; init; }

    /// <summary>From 1 ms to 1 minute, and not above <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff
    {
        get => _initialBackoff;
        init
        {
            if (value < TimeSpan.FromMilliseconds(1) || value > TimeSpan.FromMinutes(1))
            {
                throw new ArgumentOutOfRangeException(nameof(InitialBackoff), value, "The initial backoff must be from 1 ms to 1 minute.");
            }
            _initialBackoff = value;
        }
    }

    /// <summary>From 1 ms to 10 minutes.</summary>
    public TimeSpan MaxBackoff
    {
        get => _maxBackoff;
        init
        {
            if (value < TimeSpan.FromMilliseconds(1) || value > TimeSpan.FromMinutes(10))
            {
                throw new ArgumentOutOfRangeException(nameof(MaxBackoff), value, "The max backoff must be from 1 ms to 10 minutes.");
            }
            _maxBackoff = value;
        }
    }

    /// <summary>
    /// How long a registration waits for a node name held by another session (e.g. the session of a
    /// killed predecessor, which ZooKeeper ends only at its timeout) before its caller is told with
    /// <see cref="NodeConflictException"/>. The registry keeps trying after that. Default: twice the
    /// session timeout. From zero to one hour.
    /// </summary>
    public TimeSpan ConflictTimeout
    {
        get => _conflictTimeout ?? SessionTimeout * 2;
        init
        {
            if (value < TimeSpan.Zero || value > TimeSpan.FromHours(1))
            {
                throw new ArgumentOutOfRangeException(nameof(ConflictTimeout), value, "The conflict timeout must be from 0 to 1 hour.");
            }
            _conflictTimeout = value;
        }
    }

    public RegistryPaths Paths => new(Root, Framework);

    /// <summary>The ACL of every node the registry creates.</summary>
    public IReadOnlyList<Acl> Acl => Credentials is null
        ? Ids.OpenAclUnsafe
        : [new Acl(Perms.Read, Ids.AnyoneIdUnsafe), new Acl(Perms.All, Credentials.Id)];

    /// <summary>The client options of a new session: no session to resume, the credentials re-sent on every connection.</summary>
    public ZooKeeperClientOptions ClientOptions() => new()
    {
        ConnectString = ConnectString,
        SessionTimeout = SessionTimeout,
        AuthInfo = Credentials is null ? [] : [Credentials.AuthInfo],
    };

    public override string ToString() =>
        $"zk {ConnectString} root {Root} framework {Framework}, session {SessionTimeout.TotalSeconds:0.###} s, {(Credentials is null ? "no credentials (open ACL)" : Credentials.ToString())}";
}
