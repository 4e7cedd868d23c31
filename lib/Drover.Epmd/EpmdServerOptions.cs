using Drover.Epmd.Protocol;

namespace Drover.Epmd;

/// <summary>Settings of one <see cref="EpmdServer"/>. Defaults are epmd's; each setter checks its value.</summary>
public sealed class EpmdServerOptions
{
    /// <summary>epmd closes a connection that is not a registration after 60 s without a byte (<c>CLOSE_TIMEOUT</c>).</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(EpmdLimits.CloseTimeoutSeconds);

    /// <summary>epmd serves at most <c>FD_SETSIZE</c> (1024) descriptors; we bound connections the same way.</summary>
    public const int DefaultMaxConnections = 1024;

    /// <summary>Connections one peer address may hold by default: a quarter of the whole, so one flooding peer leaves the rest to others.</summary>
    public const int DefaultMaxConnectionsPerAddress = 256;

    /// <summary>How long one call to the registry may take before the asking connection is closed.</summary>
    public static readonly TimeSpan DefaultRegistryTimeout = TimeSpan.FromSeconds(10);

    private string? _host;
    private TimeSpan _idleTimeout = DefaultIdleTimeout;
    private int _maxConnections = DefaultMaxConnections;
    private int _maxConnectionsPerAddress = DefaultMaxConnectionsPerAddress;
    private TimeSpan _registryTimeout = DefaultRegistryTimeout;

    /// <summary>
    /// The host this server answers for: the <c>host</c> part of the node names of the Erlang nodes that use
    /// it (the Mesos agent's host name in an executor). Registrations made here carry it. NAMES and DUMP list
    /// only registrations of this host, because an Erlang node asks the EPMD of the host named in the node
    /// name it wants; PORT_PLEASE2 sees this host's registrations in a per-host store and every host's in a
    /// per-cluster one (<see cref="IEpmdRegistry.NameScope"/>). Null (the default) means "not told": every
    /// server with a null host that shares a per-host registry serves one namespace; on a per-cluster
    /// registry a null host lists the whole cluster.
    /// </summary>
    public string? Host
    {
        get => _host;
        set
        {
            if (value is not null && (value.Length == 0 || value.Contains('\0', StringComparison.Ordinal)))
            {
                throw new ArgumentException($"Host must be null or a non-empty name without NUL; got '{value}'.", nameof(value));
            }
            _host = value;
        }
    }

    /// <summary>
    /// How long a connection that is not a registration may stay silent before it is closed (epmd's
    /// <c>-packet_timeout</c>, default 60 s). Registrations never time out: they live as long as their connection.
    /// </summary>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        set
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "IdleTimeout must be more than zero and at most one day.");
            }
            _idleTimeout = value;
        }
    }

    /// <summary>
    /// Connections open at once, 1..65536, default 1024. At the limit a newcomer takes the slot of the connection
    /// that has waited longest without a complete request (epmd would refuse it, so that a flood of silent
    /// connections shuts every lookup out); it is closed at once only when every connection is a registration
    /// or being answered.
    /// </summary>
    public int MaxConnections
    {
        get => _maxConnections;
        set
        {
            if (value < 1 || value > 65536)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "MaxConnections must be between 1 and 65536.");
            }
            _maxConnections = value;
        }
    }

    /// <summary>
    /// Connections one peer address may hold, 1..65536 (above <see cref="MaxConnections"/> it is no cap), default
    /// 256: a peer at its cap can only displace its own connections.
    /// </summary>
    public int MaxConnectionsPerAddress
    {
        get => _maxConnectionsPerAddress;
        set
        {
            if (value < 1 || value > 65536)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "MaxConnectionsPerAddress must be between 1 and 65536.");
            }
            _maxConnectionsPerAddress = value;
        }
    }

    /// <summary>
    /// epmd's <c>-relaxed_command_check</c> (or <c>ERL_EPMD_RELAXED_COMMAND_CHECK</c>): allow STOP_REQ, and
    /// KILL_REQ while nodes are registered. Off by default, as in epmd: STOP_REQ is then closed unanswered and
    /// KILL_REQ answered "NO" while this server holds a registration.
    /// </summary>
    public bool RelaxedCommandCheck { get; set; }

    /// <summary>Bound on each registry call made for a connection (and on the unregister at its end). Default 10 s.</summary>
    public TimeSpan RegistryTimeout
    {
        get => _registryTimeout;
        set
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromMinutes(10))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "RegistryTimeout must be more than zero and at most 10 minutes.");
            }
            _registryTimeout = value;
        }
    }
}
