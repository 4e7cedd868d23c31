using Drover.Executor.Supervision;
using Drover.V1;

namespace Drover.Executor.Tasks;

/// <summary>
/// Everything needed to start (and restart) one service process, derived once from a
/// TaskInfo: what to exec, with which environment, where, on which ports, and how to
/// react when it exits.
/// </summary>
public sealed record LaunchPlan
{
    public required string Executable { get; init; }

    /// <summary>The full argv, argv[0] included.</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    public required IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; }

    public required string WorkingDirectory { get; init; }

    /// <summary>Named ports from TaskInfo.discovery, each checked against the task's port resources.</summary>
    public required IReadOnlyDictionary<string, int> Ports { get; init; }

    public required RestartBudget Restart { get; init; }

    /// <summary>TaskInfo.kill_policy.grace_period, if the framework gave one.</summary>
    public TimeSpan? KillGracePeriod { get; init; }

    /// <summary>Where the service's stdout and stderr go: sandbox/tasks/&lt;task id&gt;/.</summary>
    public required string LogDirectory { get; init; }

    public required LogRotation Logs { get; init; }

    /// <summary>The personality's own checks, then TaskInfo.health_check.</summary>
    public IReadOnlyList<Health.HealthCheckDefinition> HealthChecks { get; init; } = [];

    /// <summary>The node this task runs, when it came as a NodeSpec; null for plain command tasks.</summary>
    public NodeSpec? Node { get; init; }

    /// <summary>Where rendered files go: &lt;sandbox&gt;/drover.</summary>
    public string? ConfigDirectory { get; init; }

    /// <summary>The personality's config files, written into <see cref="ConfigDirectory"/> before the first start.</summary>
    public IReadOnlyList<Personalities.RenderedFile> Files { get; init; } = [];

    /// <summary>Directories created before the first start (data, logs...).</summary>
    public IReadOnlyList<string> Directories { get; init; } = [];

    /// <summary>Graceful-stop steps run before SIGTERM when the task is killed.</summary>
    public IReadOnlyList<Personalities.StopStep> StopSteps { get; init; } = [];

    /// <summary>Admin operations by name.</summary>
    public IReadOnlyList<Personalities.AdminOperation> AdminOperations { get; init; } = [];

    /// <summary>Helpers living with the task, disposed after its terminal update.</summary>
    public IReadOnlyList<IAsyncDisposable> Resources { get; init; } = [];

    /// <summary>The plan of a task that could not be planned: nothing to run.</summary>
    public static LaunchPlan Invalid { get; } = new()
    {
        Executable = "",
        Arguments = [],
        Environment = [],
        WorkingDirectory = "",
        Ports = new Dictionary<string, int>(),
        Restart = RestartBudget.Never,
        LogDirectory = "",
        Logs = LogRotation.Default,
    };

    /// <summary>A readable one-liner of what runs, for the log (never the environment: it may hold secrets).</summary>
    public string Describe() => Arguments.Count >= 3 && Arguments[1] == "-c" && Executable == "/bin/sh"
        ? $"sh -c '{Arguments[2]}'"
        : string.Join(' ', Arguments);
}

/// <summary>Size-based rotation of a service's stdout/stderr files.</summary>
public sealed record LogRotation(long MaxBytes, int MaxFiles)
{
    public const long DefaultMaxBytes = 10 * 1024 * 1024;
    public const int DefaultMaxFiles = 5;

    public static readonly LogRotation Default = new(DefaultMaxBytes, DefaultMaxFiles);

    public static LogRotation From(LogSpec? spec) => new(
        spec is { MaxBytes: > 0 } ? (long)Math.Min(spec.MaxBytes, long.MaxValue) : DefaultMaxBytes,
        spec is { MaxFiles: > 0 } ? (int)Math.Min(spec.MaxFiles, 1000u) : DefaultMaxFiles);
}
