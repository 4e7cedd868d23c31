namespace Drover.Metrics.Http;

/// <summary>Limits of <see cref="MetricsServer"/>. Each setter checks its value and names the allowed range.</summary>
public sealed class MetricsServerOptions
{
    public const int DefaultMaxConnections = 16;
    public const int DefaultMaxConnectionsPerAddress = 8;
    public const int DefaultMaxRequestHeadBytes = 8 * 1024;
    public static readonly TimeSpan DefaultRequestHeadTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultKeepAliveTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultSendTimeout = TimeSpan.FromSeconds(30);

    private int _maxConnections = DefaultMaxConnections;
    private int _maxConnectionsPerAddress = DefaultMaxConnectionsPerAddress;
    private int _maxRequestHeadBytes = DefaultMaxRequestHeadBytes;
    private TimeSpan _requestHeadTimeout = DefaultRequestHeadTimeout;
    private TimeSpan _keepAliveTimeout = DefaultKeepAliveTimeout;
    private TimeSpan _sendTimeout = DefaultSendTimeout;
    private string _path = "/metrics";

    /// <summary>
    /// Connections open at once (1–1024). At the limit a newcomer takes the slot of an idle connection, else of
    /// the one waiting longest for a complete request; it is answered 503 only when every connection is being
    /// answered (<see cref="Drover.Net.ConnectionAdmission"/>).
    /// </summary>
    public int MaxConnections
    {
        get => _maxConnections;
        set => _maxConnections = InRange(value, 1, 1024, nameof(MaxConnections));
    }

    /// <summary>
    /// Connections one peer address may hold (1–1024; above <see cref="MaxConnections"/> it is no cap): a peer at
    /// its cap can only displace its own connections, so one flooding client leaves the other slots to the rest.
    /// </summary>
    public int MaxConnectionsPerAddress
    {
        get => _maxConnectionsPerAddress;
        set => _maxConnectionsPerAddress = InRange(value, 1, 1024, nameof(MaxConnectionsPerAddress));
    }

    /// <summary>Largest request line plus headers (256–65536 bytes); a longer head gets 431.</summary>
    public int MaxRequestHeadBytes
    {
        get => _maxRequestHeadBytes;
        set => _maxRequestHeadBytes = InRange(value, 256, 65536, nameof(MaxRequestHeadBytes));
    }

    /// <summary>
    /// Time from a request's first byte (or from the accept, for a connection's first request) to its complete
    /// head (10 ms – 5 min); a slower client gets 408, a new connection that sent nothing is closed quietly.
    /// </summary>
    public TimeSpan RequestHeadTimeout
    {
        get => _requestHeadTimeout;
        set => _requestHeadTimeout = InRange(value, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5), nameof(RequestHeadTimeout));
    }

    /// <summary>How long an idle kept-alive connection waits for its next request (10 ms – 1 h).</summary>
    public TimeSpan KeepAliveTimeout
    {
        get => _keepAliveTimeout;
        set => _keepAliveTimeout = InRange(value, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1), nameof(KeepAliveTimeout));
    }

    /// <summary>How long sending one response may take (10 ms – 10 min) before the connection is dropped.</summary>
    public TimeSpan SendTimeout
    {
        get => _sendTimeout;
        set => _sendTimeout = InRange(value, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10), nameof(SendTimeout));
    }

    /// <summary>The path that serves the metrics (default <c>/metrics</c>); any other path gets 404.</summary>
    public string Path
    {
        get => _path;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (!value.StartsWith('/') || value.AsSpan().ContainsAnyExceptInRange('!', '~') || value.Contains('?', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Path '{value}' must start with '/' and hold only visible ASCII without '?'.", nameof(value));
            }
            _path = value;
        }
    }

    private static T InRange<T>(T value, T min, T max, string name)
        where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min} and {max}.");
        }
        return value;
    }
}
