namespace Drover.Mesos.Scheduler;

/// <summary>How the client reaches the masters and how patient it is. Every setter checks its value and names the allowed range.</summary>
public sealed record SchedulerClientOptions
{
    /// <summary>Time to connect and get SUBSCRIBE's response headers and first event.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>First retry delay; mesos' scheduler library starts at its registration backoff factor.</summary>
    public static readonly TimeSpan DefaultInitialBackoff = TimeSpan.FromSeconds(1);

    /// <summary>Longest retry delay.</summary>
    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Missed heartbeats before the stream is given up (mesos' scheduler library: 5).</summary>
    public const int DefaultMissedHeartbeatsBeforeReconnect = 5;

    /// <summary>
    /// Mesos 1.9.0: operation feedback for reservations and volumes on agent default resources came with 1.9
    /// (UPDATE_OPERATION_STATUS with agent_id), and Drover relies on it with MULTI_ROLE and RESERVATION_REFINEMENT.
    /// </summary>
    public const string DefaultMinimumMasterVersion = "1.9.0";

    /// <summary>Interval assumed until SUBSCRIBED says otherwise (the master's default).</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(15);

    /// <summary>Redirects followed in a row before the attempt counts as failed (two masters pointing at each other).</summary>
    public const int MaxRedirects = 5;

    public required MasterAddress Masters { get; init => field = value ?? throw new ArgumentNullException(nameof(value)); }

    public BasicCredentials? Credentials { get; init; }

    public TimeSpan ConnectTimeout { get; init => field = Positive(value); } = DefaultConnectTimeout;

    public TimeSpan InitialBackoff { get; init => field = Positive(value); } = DefaultInitialBackoff;

    public TimeSpan MaxBackoff { get; init => field = Positive(value); } = DefaultMaxBackoff;

    public int MissedHeartbeatsBeforeReconnect
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 100);
            field = value;
        }
    } = DefaultMissedHeartbeatsBeforeReconnect;

    public string MinimumMasterVersion
    {
        get;
        init => field = MasterVersion.TryParse(value) is null
            ? throw new ArgumentException($"'{value}' is not a Mesos version such as 1.9.0", nameof(value))
            : value;
    } = DefaultMinimumMasterVersion;

    /// <summary>ZooKeeper session timeout for zk:// detection.</summary>
    public TimeSpan ZooKeeperSessionTimeout { get; init => field = Positive(value); } = TimeSpan.FromSeconds(10);

    /// <summary>Largest event accepted on the stream (an OFFERS event from thousands of agents is a few MiB).</summary>
    public int MaxEventSize
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1024);
            field = value;
        }
    } = 64 * 1024 * 1024;

    /// <summary>Events queued for the owner beyond this make the client wait (it stops reading the stream).</summary>
    public int EventQueueCapacity
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 10_000;

    private static TimeSpan Positive(TimeSpan value) =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "must be positive");
}
