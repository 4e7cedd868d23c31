namespace Drover.ZooKeeper;

/// <summary>
/// How a <see cref="ZooKeeperClient"/> connects. Each property checks its value when set and names the
/// allowed range.
/// </summary>
public sealed class ZooKeeperClientOptions
{
    /// <summary>
    /// The largest packet accepted from the server, in bytes: jute.maxbuffer's default in the 3.8
    /// client (ZKClientConfig.CLIENT_MAX_PACKET_LENGTH_DEFAULT = 0xfffff, "1 MB"). The server's own
    /// default limit for requests is the same value.
    /// </summary>
    public const int DefaultMaxPacketSize = 0xfffff;

    /// <summary>The smallest packet limit accepted: room for any fixed-size reply.</summary>
    public const int MinMaxPacketSize = 1024;

    /// <summary>Queued requests beyond this wait for room (back-pressure), they are not dropped.</summary>
    public const int DefaultMaxQueuedRequests = 4096;

    public static readonly TimeSpan DefaultSessionTimeout = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How often an "exhibitor:" connect string asks Exhibitor for the servers (Druid's default for Curator's provider).</summary>
    public static readonly TimeSpan DefaultExhibitorPollInterval = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan DefaultExhibitorRequestTimeout = TimeSpan.FromSeconds(5);

    private readonly string _connectString = "";
    private readonly ConnectString? _parsed;
    private readonly TimeSpan _sessionTimeout = DefaultSessionTimeout;
    private readonly TimeSpan _requestTimeout = DefaultRequestTimeout;
    private readonly int _maxPacketSize = DefaultMaxPacketSize;
    private readonly int _maxQueuedRequests = DefaultMaxQueuedRequests;
    private readonly IReadOnlyList<AuthInfo> _authInfo = [];
    private readonly byte[]? _sessionPassword;
    private readonly TimeSpan _exhibitorPollInterval = DefaultExhibitorPollInterval;
    private readonly TimeSpan _exhibitorRequestTimeout = DefaultExhibitorRequestTimeout;

    /// <summary>
    /// "host1:port1,host2:port2[/chroot]"; hosts without a port use 2181. Or
    /// "exhibitor:http://host1:8080,host2:8080[/chroot]": the servers are those Exhibitor lists at
    /// /exhibitor/v1/cluster/list, polled every <see cref="ExhibitorPollInterval"/> (see the README).
    /// </summary>
    public required string ConnectString
    {
        get => _connectString;
        init
        {
            _parsed = Drover.ZooKeeper.ConnectString.Parse(value);
            _connectString = value;
        }
    }

    /// <summary>
    /// The session timeout to ask for; the server bounds it to [2, 20] × its tickTime by default.
    /// From 1 ms to int.MaxValue ms.
    /// </summary>
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
    /// How long a sent request may wait for its reply before the connection is considered lost (the
    /// client then reconnects and the request fails with <see cref="ConnectionLossException"/>).
    /// <see cref="Timeout.InfiniteTimeSpan"/> disables the check; otherwise from 1 ms to int.MaxValue ms.
    /// </summary>
    public TimeSpan RequestTimeout
    {
        get => _requestTimeout;
        init
        {
            if (value != Timeout.InfiniteTimeSpan && (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue))
            {
                throw new ArgumentOutOfRangeException(nameof(RequestTimeout), value, "The request timeout must be from 1 ms to int.MaxValue ms, or infinite.");
            }
            _requestTimeout = value;
        }
    }

    /// <summary>
    /// The largest packet, in bytes (without the 4-byte length prefix), that the client sends or accepts.
    /// A larger reply is a fatal connection error; a larger request fails with
    /// <see cref="MarshallingErrorException"/> before it is sent. From 1024 to int.MaxValue - 4.
    /// </summary>
    public int MaxPacketSize
    {
        get => _maxPacketSize;
        init
        {
            if (value is < MinMaxPacketSize or > int.MaxValue - 4)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxPacketSize), value, $"The max packet size must be from {MinMaxPacketSize} to {int.MaxValue - 4} bytes.");
            }
            _maxPacketSize = value;
        }
    }

    /// <summary>How many requests may wait to be written before callers wait for room. From 1 to 1,000,000.</summary>
    public int MaxQueuedRequests
    {
        get => _maxQueuedRequests;
        init
        {
            if (value is < 1 or > 1_000_000)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxQueuedRequests), value, "The request queue bound must be from 1 to 1,000,000.");
            }
            _maxQueuedRequests = value;
        }
    }

    /// <summary>How often Exhibitor is asked for the servers (an "exhibitor:" connect string only). From 10 ms to 1 day.</summary>
    public TimeSpan ExhibitorPollInterval
    {
        get => _exhibitorPollInterval;
        init
        {
            if (value < TimeSpan.FromMilliseconds(10) || value > TimeSpan.FromDays(1))
            {
                throw new ArgumentOutOfRangeException(nameof(ExhibitorPollInterval), value, "The Exhibitor poll interval must be from 10 ms to 1 day.");
            }
            _exhibitorPollInterval = value;
        }
    }

    /// <summary>How long one Exhibitor instance may take to answer in full (connect, headers, body). From 10 ms to 5 minutes.</summary>
    public TimeSpan ExhibitorRequestTimeout
    {
        get => _exhibitorRequestTimeout;
        init
        {
            if (value < TimeSpan.FromMilliseconds(10) || value > TimeSpan.FromMinutes(5))
            {
                throw new ArgumentOutOfRangeException(nameof(ExhibitorRequestTimeout), value, "The Exhibitor request timeout must be from 10 ms to 5 minutes.");
            }
            _exhibitorRequestTimeout = value;
        }
    }

    /// <summary>Credentials sent on every connection, before any request.</summary>
    public IReadOnlyList<AuthInfo> AuthInfo
    {
        get => _authInfo;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            foreach (var auth in value)
            {
                ArgumentNullException.ThrowIfNull(auth, nameof(AuthInfo));
                ArgumentException.ThrowIfNullOrEmpty(auth.Scheme, nameof(AuthInfo));
                ArgumentNullException.ThrowIfNull(auth.Data, nameof(AuthInfo));
            }
            _authInfo = [.. value];
        }
    }

    /// <summary>A session to resume (with <see cref="SessionPassword"/>); 0 for a new session.</summary>
    public long SessionId { get; init; }

    /// <summary>The password of the session to resume.</summary>
    public ReadOnlyMemory<byte> SessionPassword
    {
        get => _sessionPassword;
        init => _sessionPassword = value.ToArray();
    }

    /// <summary>
    /// Receives every session-state event (Disconnected, SyncConnected, Expired, ...) and the events of
    /// watches set with <c>watch: true</c>.
    /// </summary>
    public Action<WatchedEvent>? DefaultWatcher { get; init; }

    internal ConnectString Parsed => _parsed ?? throw new InvalidOperationException("ConnectString is not set.");
}
