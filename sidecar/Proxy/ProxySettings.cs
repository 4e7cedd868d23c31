using System.Net;

namespace Drover.Sidecar.Proxy;

/// <summary>What happens to a node's open connections when it leaves the registry or stops serving.</summary>
public enum NodeLossPolicy
{
    /// <summary>They go on until either end closes them (a node that is only unhealthy may still answer).</summary>
    Keep,

    /// <summary>They are closed at once, so clients reconnect (to another node).</summary>
    Close,
}

/// <summary>One proxy listener: a (cluster, port name) and how to balance it. Each property checks its value when set.</summary>
public sealed record ProxySettings
{
    public const int DefaultMaxConnections = 4096;
    public const int DefaultConnectAttempts = 3;
    public const int DefaultBufferSize = 16 * 1024;
    public const int DefaultBacklog = 512;
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(2);

    private readonly int _maxConnections = DefaultMaxConnections;
    private readonly int _connectAttempts = DefaultConnectAttempts;
    private readonly int _bufferSize = DefaultBufferSize;
    private readonly int _backlog = DefaultBacklog;
    private readonly TimeSpan _connectTimeout = DefaultConnectTimeout;
    private readonly string _cluster = "";
    private readonly string _portName = "";

    public required string Cluster
    {
        get => _cluster;
        init
        {
            Registry.RegistryPaths.ValidateName(value, "cluster name");
            _cluster = value;
        }
    }

    /// <summary>The node port to forward to, by its name in the endpoint record ("http", "pb", "native"...).</summary>
    public required string PortName
    {
        get => _portName;
        init
        {
            if (string.IsNullOrWhiteSpace(value) || value.Length > 255)
            {
                throw new ArgumentException($"A port name must be 1 to 255 characters (got '{value}').", nameof(PortName));
            }
            _portName = value;
        }
    }

    public required IPEndPoint Listen { get; init; }

    public BalanceMode Balance { get; init; } = BalanceMode.RoundRobin;

    public NodeLossPolicy OnNodeLoss { get; init; } = NodeLossPolicy.Keep;

    /// <summary>Open client connections at most; from 1 to 1,000,000.</summary>
    public int MaxConnections
    {
        get => _maxConnections;
        init => _maxConnections = InRange(value, 1, 1_000_000, nameof(MaxConnections));
    }

    /// <summary>How long one connect to a node may take before the next node is tried; from 1 ms to 5 minutes.</summary>
    public TimeSpan ConnectTimeout
    {
        get => _connectTimeout;
        init
        {
            if (value < TimeSpan.FromMilliseconds(1) || value > TimeSpan.FromMinutes(5))
            {
                throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), value, "The connect timeout must be from 1 ms to 5 minutes.");
            }
            _connectTimeout = value;
        }
    }

    /// <summary>Nodes tried for one client connection (each at most once); from 1 to 100.</summary>
    public int ConnectAttempts
    {
        get => _connectAttempts;
        init => _connectAttempts = InRange(value, 1, 100, nameof(ConnectAttempts));
    }

    /// <summary>Bytes each direction of a connection reads at once; from 1 KiB to 1 MiB.</summary>
    public int BufferSize
    {
        get => _bufferSize;
        init => _bufferSize = InRange(value, 1024, 1024 * 1024, nameof(BufferSize));
    }

    /// <summary>The listen backlog; from 1 to 65535.</summary>
    public int Backlog
    {
        get => _backlog;
        init => _backlog = InRange(value, 1, 65535, nameof(Backlog));
    }

    /// <summary>"cluster/port": the listener's name in logs and metrics.</summary>
    public string Name => $"{Cluster}/{PortName}";

    private static int InRange(int value, int min, int max, string name) =>
        value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be from {min} to {max}.");
}
