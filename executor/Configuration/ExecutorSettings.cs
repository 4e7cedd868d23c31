using System.Globalization;
using Drover.Mesos;

namespace Drover.Executor.Configuration;

/// <summary>
/// The environment contract between a Mesos agent and the executor it launches
/// (apache/mesos docs/executor-http-api.md, "Executor Environment Variables"), plus
/// Drover's own tuning knobs. Read once at start; a missing or malformed value is a
/// startup error naming the variable, because an executor that guesses its identity
/// would subscribe as somebody else.
/// </summary>
public sealed record ExecutorSettings
{
    /// <summary>Mesos' default kill grace period when neither KILL nor TaskInfo carries one.</summary>
    public static readonly TimeSpan DefaultKillGracePeriod = TimeSpan.FromSeconds(3);

    /// <summary>The agent's default for --executor_shutdown_grace_period.</summary>
    public static readonly TimeSpan DefaultShutdownGracePeriod = TimeSpan.FromSeconds(5);

    /// <summary>The agent's defaults for --recovery_timeout and --executor_reregistration_timeout.</summary>
    public static readonly TimeSpan DefaultRecoveryTimeout = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan DefaultSubscriptionBackoffMax = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the executor keeps trying its first SUBSCRIBE: the agent kills an executor that
    /// has not subscribed within --executor_registration_timeout (1 minute by default).
    /// </summary>
    public static readonly TimeSpan DefaultRegistrationTimeout = TimeSpan.FromMinutes(1);

    /// <summary>Failsafe: exit this long after the last task ended even if its update was never acknowledged.</summary>
    public static readonly TimeSpan DefaultTerminalAckTimeout = TimeSpan.FromSeconds(30);

    public required string FrameworkId { get; init; }
    public required string ExecutorId { get; init; }
    public required string AgentEndpoint { get; init; }
    public required string Sandbox { get; init; }
    public string? AgentId { get; init; }
    public bool Checkpoint { get; init; }
    public TimeSpan RecoveryTimeout { get; init; } = DefaultRecoveryTimeout;
    public TimeSpan SubscriptionBackoffMax { get; init; } = DefaultSubscriptionBackoffMax;
    public TimeSpan ShutdownGracePeriod { get; init; } = DefaultShutdownGracePeriod;
    public TimeSpan RegistrationTimeout { get; init; } = DefaultRegistrationTimeout;
    public TimeSpan TerminalAckTimeout { get; init; } = DefaultTerminalAckTimeout;

    /// <summary>Secret: sent as "Authorization: Bearer", never logged.</summary>
    public string? AuthenticationToken { get; init; }

    /// <summary>The agent's environment as the executor received it; services inherit it, minus secrets.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    public Uri AgentApiUri => new($"http://{AgentEndpoint}/api/v1/executor");

    /// <summary>Safe to log: no token, no environment (which holds the token too).</summary>
    public override string ToString() =>
        $"executor '{ExecutorId}' of framework '{FrameworkId}', agent {AgentEndpoint}, sandbox {Sandbox}, checkpoint {Checkpoint}, " +
        $"recovery timeout {Drover.Mesos.MesosDuration.Format(RecoveryTimeout)}, backoff max {Drover.Mesos.MesosDuration.Format(SubscriptionBackoffMax)}, shutdown grace {Drover.Mesos.MesosDuration.Format(ShutdownGracePeriod)}, " +
        $"authentication {(AuthenticationToken is null ? "off" : "on")}";

    /// <summary>Variables that must never reach a service's environment or a log line.</summary>
    public static readonly IReadOnlySet<string> SecretVariables = new HashSet<string>(StringComparer.Ordinal)
    {
        "MESOS_EXECUTOR_AUTHENTICATION_TOKEN",
    };

    public static ExecutorSettings FromEnvironment(IReadOnlyDictionary<string, string> env)
    {
        string Required(string name) =>
            env.TryGetValue(name, out var value) && value.Length > 0
                ? value
                : throw new ExecutorSettingsException($"{name} is not set: drover-executor must be launched by a Mesos agent (or a tool that sets the agent's executor environment)");

        TimeSpan Duration(string name, TimeSpan fallback)
        {
            if (!env.TryGetValue(name, out var text) || text.Length == 0)
            {
                return fallback;
            }

            return MesosDuration.TryParse(text, out var value) && value >= TimeSpan.Zero
                ? value
                : throw new ExecutorSettingsException($"{name}='{text}' is not a Mesos duration such as '15mins', '5secs' or '250ms'");
        }

        var endpoint = Required("MESOS_AGENT_ENDPOINT");
        if (!IsHostPort(endpoint))
        {
            throw new ExecutorSettingsException($"MESOS_AGENT_ENDPOINT='{endpoint}' is not ip:port");
        }

        var sandbox = env.TryGetValue("MESOS_SANDBOX", out var s) && s.Length > 0 ? s : Required("MESOS_DIRECTORY");
        return new ExecutorSettings
        {
            FrameworkId = Required("MESOS_FRAMEWORK_ID"),
            ExecutorId = Required("MESOS_EXECUTOR_ID"),
            AgentEndpoint = endpoint,
            Sandbox = sandbox,
            AgentId = env.TryGetValue("MESOS_SLAVE_ID", out var agent) ? agent : null,
            Checkpoint = ParseFlag(env, "MESOS_CHECKPOINT"),
            RecoveryTimeout = Duration("MESOS_RECOVERY_TIMEOUT", DefaultRecoveryTimeout),
            SubscriptionBackoffMax = Duration("MESOS_SUBSCRIPTION_BACKOFF_MAX", DefaultSubscriptionBackoffMax),
            ShutdownGracePeriod = Duration("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", DefaultShutdownGracePeriod),
            RegistrationTimeout = Duration("DROVER_REGISTRATION_TIMEOUT", DefaultRegistrationTimeout),
            TerminalAckTimeout = Duration("DROVER_TERMINAL_ACK_TIMEOUT", DefaultTerminalAckTimeout),
            AuthenticationToken = env.TryGetValue("MESOS_EXECUTOR_AUTHENTICATION_TOKEN", out var token) && token.Length > 0 ? token : null,
            Environment = env,
        };
    }

    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = (string?)entry.Value ?? "";
        }

        return result;
    }

    // A Mesos 1.12 agent writes "1"/"0" (as observed); stout's flag parser also takes true/false.
    private static bool ParseFlag(IReadOnlyDictionary<string, string> env, string name)
    {
        if (!env.TryGetValue(name, out var text))
        {
            return false;
        }

        return text.Trim().ToLowerInvariant() switch
        {
            "1" or "true" => true,
            "0" or "false" or "" => false,
            _ => throw new ExecutorSettingsException($"{name}='{text}' is not a boolean (1, 0, true or false)"),
        };
    }

    private static bool IsHostPort(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return colon > 0
            && int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is > 0 and < 65536;
    }
}

public sealed class ExecutorSettingsException(string message) : Exception(message);
