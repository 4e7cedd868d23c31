namespace Drover.Testing.Net;

/// <summary>Open file descriptors of a process, counted in <c>/proc/&lt;pid&gt;/fd</c>.</summary>
public static class OpenDescriptors
{
    public static int Count() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

    public static int Count(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
}
