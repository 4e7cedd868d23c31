namespace Drover.ZooKeeper;

/// <summary>
/// Validates znode paths as the official client does (PathUtils.validatePath) so a bad path is an
/// <see cref="ArgumentException"/> at the call site, not a server error later.
/// </summary>
public static class ZooKeeperPath
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="path"/> is a valid absolute znode path.</summary>
    /// <param name="path">The path.</param>
    /// <param name="isSequential">A sequential create may end with '/': the server appends the counter.</param>
    public static void Validate(string path, bool isSequential = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        var problem = Problem(isSequential ? path + "1" : path);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid path string \"{path}\": {problem}.", nameof(path));
        }
    }

    private static string? Problem(string path)
    {
        if (path.Length == 0)
        {
            return "path length must be > 0";
        }
        if (path[0] != '/')
        {
            return "path must start with / character";
        }
        if (path.Length == 1)
        {
            return null;
        }
        if (path[^1] == '/')
        {
            return "path must not end with / character";
        }
        for (var i = 1; i < path.Length; i++)
        {
            var problem = CharProblem(path, i);
            if (problem is not null)
            {
                return $"{problem} @{i}";
            }
        }
        return null;
    }

    private static string? CharProblem(string path, int i)
    {
        var c = path[i];
        var last = path[i - 1];
        var endsSegment = i + 1 == path.Length || path[i + 1] == '/';
        if (c == '\0')
        {
            return "null character not allowed";
        }
        if (c == '/' && last == '/')
        {
            return "empty node name specified";
        }
        if (c == '.' && last == '.' && path[i - 2] == '/' && endsSegment)
        {
            return "relative paths not allowed";
        }
        if (c == '.' && last == '/' && endsSegment)
        {
            return "relative paths not allowed";
        }
        if (c is (> '\u0000' and <= '\u001f') or (>= '\u007f' and <= '\u009F') or (>= '\ud800' and <= '\uf8ff') or >= '\ufff0')
        {
            return "invalid character";
        }
        return null;
    }
}
