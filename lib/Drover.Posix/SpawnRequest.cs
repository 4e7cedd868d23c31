namespace Drover.Posix;

/// <summary>Everything needed to start one process; nothing is taken from the spawning process implicitly.</summary>
public sealed record SpawnRequest
{
    /// <summary>
    /// An absolute path, a path relative to <see cref="WorkingDirectory"/> (contains a slash), or a bare name
    /// looked up like execvp does in the PATH of <see cref="Environment"/> (not the spawner's PATH).
    /// </summary>
    public required string Executable { get; init; }

    /// <summary>The full argv, argv[0] included.</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>The child's whole environment; nothing is inherited.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    public required string WorkingDirectory { get; init; }

    public StdioTarget Stdin { get; init; } = StdioTarget.Null;

    public StdioTarget Stdout { get; init; } = StdioTarget.Inherit;

    public StdioTarget Stderr { get; init; } = StdioTarget.Inherit;

    /// <summary>setsid in the child: its own session and process group (pgid = pid), so a group signal reaches the whole service.</summary>
    public bool NewSession { get; init; } = true;

    /// <summary>The shell form: /bin/sh -c <paramref name="command"/>, as Mesos runs a shell CommandInfo.</summary>
    public static SpawnRequest Shell(
        string command,
        IReadOnlyList<KeyValuePair<string, string>> environment,
        string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new SpawnRequest
        {
            Executable = "/bin/sh",
            Arguments = ["sh", "-c", command],
            Environment = environment,
            WorkingDirectory = workingDirectory,
        };
    }
}
