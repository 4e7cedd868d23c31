namespace Drover.LocalMesos.Agent;

/// <summary>
/// How <see cref="MesosAgentEmulator.LaunchExecutor"/> starts an executor. The environment is
/// built like the agent's (as a real Mesos 1.12 agent was observed to), nothing inherited from the test process; the
/// durations are written as Mesos duration strings ("15mins", "2secs", "5secs").
/// </summary>
public sealed class ExecutorLaunchOptions
{
    /// <summary>Agent default <c>--recovery_timeout</c>.</summary>
    public static readonly TimeSpan DefaultRecoveryTimeout = TimeSpan.FromMinutes(15);

    /// <summary>The agent's EXECUTOR_REREGISTER_TIMEOUT, passed as MESOS_SUBSCRIPTION_BACKOFF_MAX.</summary>
    public static readonly TimeSpan DefaultSubscriptionBackoffMax = TimeSpan.FromSeconds(2);

    /// <summary>Agent default <c>--executor_shutdown_grace_period</c>.</summary>
    public static readonly TimeSpan DefaultShutdownGracePeriod = TimeSpan.FromSeconds(5);

    /// <summary>The PATH the agent gives executors.</summary>
    public const string AgentPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Command-line arguments after the binary.</summary>
    public IReadOnlyList<string> Arguments { get; init => field = value ?? throw new ArgumentNullException(nameof(value)); } = [];

    /// <summary>MESOS_CHECKPOINT; null takes the emulator's <see cref="MesosAgentEmulatorOptions.Checkpoint"/>. Without it the recovery variables are not set, as the agent does.</summary>
    public bool? Checkpoint { get; init; }

    /// <summary>MESOS_RECOVERY_TIMEOUT (only with checkpointing).</summary>
    public TimeSpan RecoveryTimeout { get; init => field = Positive(value); } = DefaultRecoveryTimeout;

    /// <summary>MESOS_SUBSCRIPTION_BACKOFF_MAX (only with checkpointing).</summary>
    public TimeSpan SubscriptionBackoffMax { get; init => field = Positive(value); } = DefaultSubscriptionBackoffMax;

    /// <summary>MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD.</summary>
    public TimeSpan ShutdownGracePeriod { get; init => field = Positive(value); } = DefaultShutdownGracePeriod;

    /// <summary>MESOS_EXECUTOR_AUTHENTICATION_TOKEN; null takes the emulator's token (none if it has none).</summary>
    public string? AuthenticationToken { get; init; }

    /// <summary>Extra variables, applied last: they may also override any variable above (e.g. MESOS_RECOVERY_TIMEOUT=garbage).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init => field = value ?? throw new ArgumentNullException(nameof(value)); } = new Dictionary<string, string>();

    /// <summary>Variables to leave out of the agent's set (to test an executor facing a missing variable).</summary>
    public IReadOnlyList<string> RemoveVariables { get; init => field = value ?? throw new ArgumentNullException(nameof(value)); } = [];

    /// <summary>Where the agent work directory goes; null: a fresh temporary directory, deleted on dispose.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Start the executor in its own session and process group, as the agent's launcher does.</summary>
    public bool NewSession { get; init; } = true;

    /// <summary>Keep the sandbox when the process is disposed (for post-mortems).</summary>
    public bool KeepSandbox { get; init; }

    private static TimeSpan Positive(TimeSpan value) =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "must be positive");
}
