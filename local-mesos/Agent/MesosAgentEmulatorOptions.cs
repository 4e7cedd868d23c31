using Drover.Mesos.V1;

namespace Drover.LocalMesos.Agent;

/// <summary>
/// Who the emulated agent is and how it behaves. Defaults follow a Mesos 1.12 agent's own defaults
/// (agent flags and src/slave/constants.hpp) unless a test needs something faster; every setter checks
/// its value and names the allowed range.
/// </summary>
public sealed class MesosAgentEmulatorOptions
{
    /// <summary>Agent default <c>--executor_registration_timeout</c>.</summary>
    public static readonly TimeSpan DefaultRegistrationTimeout = TimeSpan.FromMinutes(1);

    /// <summary>src/slave/constants.hpp DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL: 30 minutes.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromMinutes(30);

    /// <summary>How long the emulator's waits (WaitFor..., Send... without a subscription) last unless told otherwise.</summary>
    public static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(15);

    public string FrameworkId { get; init => field = NotEmpty(value); } = "5d3c0a1e-8f7b-4c2d-9e6a-0b1c2d3e4f50-0000";

    public string ExecutorId { get; init => field = NotEmpty(value); } = "drover-executor-test";

    public string AgentId { get; init => field = NotEmpty(value); } = "5d3c0a1e-8f7b-4c2d-9e6a-0b1c2d3e4f50-S0";

    public string ContainerId { get; init => field = NotEmpty(value); } = Guid.NewGuid().ToString();

    /// <summary>AgentInfo.hostname; the agent reports its host name, the executor connects to the endpoint's IP.</summary>
    public string Hostname { get; init => field = NotEmpty(value); } = "localhost";

    /// <summary>Port to listen on; 0 picks a free one at the first start (a restart reuses it).</summary>
    public int Port
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 65535);
            field = value;
        }
    }

    /// <summary>FrameworkInfo.checkpoint, and MESOS_CHECKPOINT (with the recovery variables) for launched executors.</summary>
    public bool Checkpoint { get; init; } = true;

    /// <summary>FrameworkInfo.roles and the role of the framework.</summary>
    public string Role { get; init => field = NotEmpty(value); } = "drover";

    /// <summary>
    /// FrameworkInfo.capabilities. Add TASK_KILLING_STATE to have the executor send TASK_KILLING;
    /// MULTI_ROLE and RESERVATION_REFINEMENT are what Drover's scheduler subscribes with.
    /// </summary>
    public IReadOnlyList<FrameworkInfo.Types.Capability.Types.Type> FrameworkCapabilities { get; init => field = value ?? throw new ArgumentNullException(nameof(value)); } =
        [FrameworkInfo.Types.Capability.Types.Type.MultiRole, FrameworkInfo.Types.Capability.Types.Type.ReservationRefinement];

    /// <summary>Interval of HEARTBEAT events on a subscription; null sends none.</summary>
    public TimeSpan? HeartbeatInterval { get; init => field = PositiveOrNull(value); } = DefaultHeartbeatInterval;

    /// <summary>When set, every call must carry <c>Authorization: Bearer</c> this token (else 401), and launched executors get it as MESOS_EXECUTOR_AUTHENTICATION_TOKEN.</summary>
    public string? AuthenticationToken { get; init; }

    /// <summary>A launched executor that has not subscribed within this time is SIGKILLed, as the agent destroys its container. Null: never.</summary>
    public TimeSpan? RegistrationTimeout { get; init => field = PositiveOrNull(value); } = DefaultRegistrationTimeout;

    /// <summary>Whether each accepted UPDATE is answered with ACKNOWLEDGED (a scheduler that acknowledges at once). Changeable at run time.</summary>
    public bool AutoAcknowledge { get; init; } = true;

    /// <summary>Delay before an automatic ACKNOWLEDGED is sent.</summary>
    public TimeSpan AcknowledgeDelay { get; init => field = NonNegative(value); }

    /// <summary>Default timeout of the emulator's waits.</summary>
    public TimeSpan WaitTimeout { get; init => field = Positive(value); } = DefaultWaitTimeout;

    /// <summary>Resources of the executor (ExecutorInfo.resources): a task group's executor must hold cpus, mem and disk.</summary>
    public double ExecutorCpus { get; init => field = NonNegative(value); } = 0.1;

    public double ExecutorMemMb { get; init => field = NonNegative(value); } = 32;

    public double ExecutorDiskMb { get; init => field = NonNegative(value); } = 10;

    /// <summary>Replaces the generated ExecutorInfo of SUBSCRIBED (and of tasks built with <see cref="MesosAgentEmulator.NewTask"/>).</summary>
    public ExecutorInfo? ExecutorInfo { get; init; }

    /// <summary>Replaces the generated FrameworkInfo of SUBSCRIBED.</summary>
    public FrameworkInfo? FrameworkInfo { get; init; }

    /// <summary>Replaces the generated AgentInfo of SUBSCRIBED.</summary>
    public AgentInfo? AgentInfo { get; init; }

    private static string NotEmpty(string value) =>
        string.IsNullOrEmpty(value) ? throw new ArgumentException("must not be empty", nameof(value)) : value;

    private static TimeSpan Positive(TimeSpan value) =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "must be positive");

    private static TimeSpan? PositiveOrNull(TimeSpan? value) => value is null ? null : Positive(value.Value);

    private static TimeSpan NonNegative(TimeSpan value) =>
        value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "must not be negative");

    private static double NonNegative(double value) =>
        value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "must be a finite number >= 0");
}
