using Drover.Posix.Interop;

namespace Drover.Posix;

/// <summary>
/// Finds the file to execute before spawning, so a missing or unusable executable gives a message that
/// names it (posix_spawn's own ENOENT cannot tell a missing executable from a missing working directory).
/// </summary>
internal static class ExecutableResolver
{
    // What glibc's execvp searches when the environment has no PATH.
    internal const string DefaultSearchPath = "/bin:/usr/bin";

    /// <summary>The absolute path to execute; throws <see cref="ProcessSpawnException"/> when there is none.</summary>
    public static string Resolve(string executable, IReadOnlyList<KeyValuePair<string, string>> environment, string workingDirectory)
    {
        if (executable.Contains('/', StringComparison.Ordinal))
        {
            var path = Path.IsPathRooted(executable) ? executable : Path.Combine(workingDirectory, executable);
            var errno = Check(path);
            if (errno != 0)
            {
                throw new ProcessSpawnException(executable, errno, $"'{path}' {Explain(errno)}");
            }

            return path;
        }

        var searchPath = FindPath(environment) ?? DefaultSearchPath;
        var firstError = Errno.ENOENT;
        foreach (var entry in searchPath.Split(':'))
        {
            // An empty PATH entry means the current directory, which for the child is its working directory.
            var directory = entry.Length == 0 ? workingDirectory : Path.Combine(workingDirectory, entry);
            var candidate = Path.Combine(directory, executable);
            var errno = Check(candidate);
            if (errno == 0)
            {
                return candidate;
            }

            // execvp reports EACCES when a file was found but could not be run, ENOENT when none was found.
            if (errno == Errno.EACCES)
            {
                firstError = Errno.EACCES;
            }
        }

        var reason = firstError == Errno.EACCES
            ? $"found in PATH '{searchPath}' but not executable"
            : $"not found in PATH '{searchPath}'";
        throw new ProcessSpawnException(executable, firstError, reason);
    }

    private static string? FindPath(IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        // getenv returns the first match; do the same.
        foreach (var pair in environment)
        {
            if (pair.Key == "PATH")
            {
                return pair.Value;
            }
        }

        return null;
    }

    private static unsafe int Check(string path)
    {
        if (Directory.Exists(path))
        {
            return Errno.EACCES;
        }

        if (!File.Exists(path))
        {
            return Errno.ENOENT;
        }

        using var strings = new NativeStrings();
        return Libc.access(strings.String(path), Libc.X_OK) == 0 ? 0 : System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
    }

    private static string Explain(int errno) => errno switch
    {
        Errno.ENOENT => "does not exist",
        Errno.EACCES => "is not an executable file",
        _ => "cannot be executed",
    };
}
