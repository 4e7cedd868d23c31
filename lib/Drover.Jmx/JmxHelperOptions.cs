namespace Drover.Jmx;

/// <summary>
/// How to run the helper and how long to wait for it. <see cref="ForJar"/> builds the usual command
/// (<c>java [jvm options] -jar drover-jmx-helper.jar host:port [--credentials-stdin]</c>); any command that speaks
/// the same line protocol works (the tests run fakes). Values are checked when set.
/// </summary>
public sealed record JmxHelperOptions
{
    /// <summary>Longest reply line accepted from the helper (its own limit is the same).</summary>
    public const int DefaultMaxLineBytes = 1 << 20;

    /// <summary>A JMX read is one RMI round trip; 10 s means the JVM or the helper is stuck.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Small heap, no C2 compiler: the helper idles beside the service and does a few calls a minute.</summary>
    public static readonly IReadOnlyList<string> DefaultJvmOptions =
        ["-Xms8m", "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Djava.awt.headless=true"];

    private readonly TimeSpan _requestTimeout = DefaultRequestTimeout;
    private readonly TimeSpan _restartBackoff = TimeSpan.FromMilliseconds(250);
    private readonly TimeSpan _maxRestartBackoff = TimeSpan.FromSeconds(30);
    private readonly int _maxLineBytes = DefaultMaxLineBytes;

    /// <summary>Absolute path, or a name looked up on the PATH of <see cref="Environment"/>.</summary>
    public required string Executable { get; init; }

    /// <summary>The full argv, argv[0] included.</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>The helper's whole environment (PATH for a bare "java", JAVA_HOME...).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    public string WorkingDirectory { get; init; } = "/";

    /// <summary>Sent as the first stdin line; the command must then carry --credentials-stdin (ForJar adds it).</summary>
    public JmxCredentials? Credentials { get; init; }

    /// <summary>No reply within this: the request fails with <see cref="JmxTimeoutException"/> and the helper is restarted.</summary>
    public TimeSpan RequestTimeout
    {
        get => _requestTimeout;
        init => _requestTimeout = value > TimeSpan.Zero && value <= TimeSpan.FromHours(1)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(RequestTimeout), value, "must be more than 0 and at most 1 hour");
    }

    /// <summary>
    /// After the second failure in a row the helper is started again no sooner than this, doubling per
    /// further failure up to <see cref="MaxRestartBackoff"/>; the first restart is immediate.
    /// </summary>
    public TimeSpan RestartBackoff
    {
        get => _restartBackoff;
        init => _restartBackoff = value >= TimeSpan.Zero && value <= TimeSpan.FromMinutes(10)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(RestartBackoff), value, "must be between 0 and 10 minutes");
    }

    public TimeSpan MaxRestartBackoff
    {
        get => _maxRestartBackoff;
        init => _maxRestartBackoff = value >= TimeSpan.Zero && value <= TimeSpan.FromHours(1)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxRestartBackoff), value, "must be between 0 and 1 hour");
    }

    /// <summary>Longest reply line; a longer one breaks the helper with a clear error.</summary>
    public int MaxLineBytes
    {
        get => _maxLineBytes;
        init => _maxLineBytes = value is >= 64 and <= 64 << 20
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxLineBytes), value, "must be between 64 bytes and 64 MiB");
    }

    /// <summary>
    /// The shipped helper: <c>java</c> (a path, or "java" on PATH), the jar, and where the node's JMX listens
    /// (<c>host:port</c> or a full <c>service:jmx:</c> URL).
    /// </summary>
    public static JmxHelperOptions ForJar(
        string java,
        string helperJar,
        string target,
        IReadOnlyList<KeyValuePair<string, string>> environment,
        JmxCredentials? credentials = null,
        IReadOnlyList<string>? jvmOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(java);
        ArgumentException.ThrowIfNullOrEmpty(helperJar);
        ArgumentException.ThrowIfNullOrEmpty(target);
        List<string> argv = [java, .. jvmOptions ?? DefaultJvmOptions, "-jar", helperJar, target];
        if (credentials is not null)
        {
            argv.Add("--credentials-stdin");
        }

        return new JmxHelperOptions
        {
            Executable = java,
            Arguments = argv,
            Environment = environment,
            Credentials = credentials,
        };
    }
}
