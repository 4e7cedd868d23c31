using Drover.Executor.Health;

namespace Drover.Executor.Personalities;

/// <summary>What a personality decided for one node. See <see cref="IPersonality"/>.</summary>
public sealed record ServicePlan
{
    /// <summary>Absolute path of what to exec.</summary>
    public required string Executable { get; init; }

    /// <summary>The full argv, argv[0] included.</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>Variables added to (or replacing) <see cref="PersonalityContext.Environment"/>.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Files to write before the service starts, relative to <see cref="PersonalityContext.ConfigDirectory"/>.</summary>
    public IReadOnlyList<RenderedFile> Files { get; init; } = [];

    /// <summary>Directories to create (absolute: data, commitlog, logs...) before the service starts.</summary>
    public IReadOnlyList<string> Directories { get; init; } = [];

    /// <summary>Null: the sandbox.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The personality's own checks; they run beside TaskInfo.health_check, if the task has one.</summary>
    public IReadOnlyList<HealthCheckDefinition> HealthChecks { get; init; } = [];

    /// <summary>Run in order when the task is killed, before SIGTERM, within the kill grace period.</summary>
    public IReadOnlyList<StopStep> StopSteps { get; init; } = [];

    /// <summary>Operations an operator may ask for by name (framework MESSAGE with a drover.v1.AdminRequest).</summary>
    public IReadOnlyList<AdminOperation> AdminOperations { get; init; } = [];

    /// <summary>Helpers that live with the task (e.g. its JMX helper process); disposed after its terminal update.</summary>
    public IReadOnlyList<IAsyncDisposable> Resources { get; init; } = [];
}

/// <summary>A file to render: path relative to the config directory; Mode as octal permissions (0644, or 0755 for scripts).</summary>
public sealed record RenderedFile(string RelativePath, string Content, UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

/// <summary>One graceful-stop step (e.g. Cassandra's drain). A failure or timeout is logged and the kill goes on with SIGTERM.</summary>
public sealed record StopStep(string Name, TimeSpan Timeout, Func<CancellationToken, Task> RunAsync);

/// <summary>An admin operation; <see cref="RunAsync"/> gets the request's arguments and returns what to tell the operator.</summary>
public sealed record AdminOperation(
    string Name,
    string Description,
    TimeSpan Timeout,
    Func<IReadOnlyDictionary<string, string>, CancellationToken, Task<AdminResult>> RunAsync);

/// <summary>The outcome of an admin operation: success and its (bounded) output.</summary>
public readonly record struct AdminResult(bool Ok, string Output);
