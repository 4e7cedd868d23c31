namespace Drover.Executor.Tasks;

/// <summary>Paths a task names relative to a directory it must not leave (its sandbox, its config directory).</summary>
public static class SandboxPath
{
    /// <summary>
    /// <paramref name="relative"/> under <paramref name="root"/>, normalized; null when it leaves
    /// <paramref name="root"/> ("..", an absolute path). The root itself counts as inside.
    /// </summary>
    public static string? Resolve(string root, string relative)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(relative);
        var full = Path.GetFullPath(Path.Combine(root, relative));
        var inside = Path.GetFullPath(root).TrimEnd('/') + "/";
        return (full + "/").StartsWith(inside, StringComparison.Ordinal) ? full : null;
    }
}
