using Microsoft.Win32.SafeHandles;

namespace Drover.Posix;

/// <summary>What one of a child's standard streams (0, 1, 2) is connected to.</summary>
public enum StdioKind
{
    /// <summary>/dev/null.</summary>
    Null,

    /// <summary>The same file as the spawning process' stream.</summary>
    Inherit,

    /// <summary>A new pipe; the caller gets the read end (write end for stdin).</summary>
    Pipe,

    /// <summary>A file, created if missing, appended to or truncated.</summary>
    File,

    /// <summary>An open descriptor the caller owns (e.g. one pipe for both stdout and stderr).</summary>
    Handle,
}

/// <summary>Where a child's stdin, stdout or stderr goes. Build with the static members.</summary>
public sealed record StdioTarget
{
    private StdioTarget(StdioKind kind, string? path = null, bool append = false, SafeFileHandle? handle = null)
    {
        Kind = kind;
        Path = path;
        Append = append;
        SharedHandle = handle;
    }

    public StdioKind Kind { get; }

    /// <summary>The file for <see cref="StdioKind.File"/>.</summary>
    public string? Path { get; }

    /// <summary>For <see cref="StdioKind.File"/>: append (true) or truncate (false).</summary>
    public bool Append { get; }

    /// <summary>For <see cref="StdioKind.Handle"/>: the descriptor duplicated onto the child's stream. It stays the caller's.</summary>
    public SafeFileHandle? SharedHandle { get; }

    public static StdioTarget Null { get; } = new(StdioKind.Null);

    public static StdioTarget Inherit { get; } = new(StdioKind.Inherit);

    public static StdioTarget Pipe { get; } = new(StdioKind.Pipe);

    public static StdioTarget File(string path, bool append = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new(StdioKind.File, path, append);
    }

    public static StdioTarget FromHandle(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return new(StdioKind.Handle, handle: handle);
    }

    public override string ToString() => Kind switch
    {
        StdioKind.File => $"File({Path}, {(Append ? "append" : "truncate")})",
        _ => Kind.ToString(),
    };
}
