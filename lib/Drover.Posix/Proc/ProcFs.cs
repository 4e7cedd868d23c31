using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using Drover.Posix.Interop;

namespace Drover.Posix.Proc;

/// <summary>Allocation-free access to /proc: pid lists, stat texts, descriptor counts.</summary>
internal static unsafe class ProcFs
{
    /// <summary>Large enough for any stat text up to rss (comm is at most 64 bytes, numbers 20 digits).</summary>
    public const int StatBufferSize = 2048;

    /// <summary>
    /// Reads /proc/&lt;pid&gt;/stat into <paramref name="buffer"/>. Returns the byte count, or -1 when the
    /// process is gone (it may vanish between the directory listing and the read, or during the read).
    /// </summary>
    public static int ReadStat(int pid, Span<byte> buffer)
    {
        Span<byte> path = stackalloc byte[40];
        var length = FormatPath(path, pid, "/stat"u8);
        fixed (byte* pathPtr = path)
        {
            var fd = Libc.open(pathPtr, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            if (fd < 0)
            {
                return VanishedOrThrow("open", pid);
            }

            try
            {
                var total = 0;
                fixed (byte* bufferPtr = buffer)
                {
                    while (total < buffer.Length)
                    {
                        var read = Libc.read(fd, bufferPtr + total, (nuint)(buffer.Length - total));
                        if (read == 0)
                        {
                            break;
                        }

                        if (read < 0)
                        {
                            if (Marshal.GetLastPInvokeError() == Errno.EINTR)
                            {
                                continue;
                            }

                            return VanishedOrThrow("read", pid);
                        }

                        total += (int)read;
                    }
                }

                return total;
            }
            finally
            {
                _ = Libc.close(fd);
            }
        }
    }

    /// <summary>Reads and parses one process' stat; false when it is gone. Malformed text throws.</summary>
    public static bool TryReadStat(int pid, Span<byte> buffer, out ProcStat stat, out int length)
    {
        length = ReadStat(pid, buffer);
        if (length < 0)
        {
            stat = default;
            return false;
        }

        return ProcStat.TryParse(buffer[..length], out stat)
            ? true
            : throw new InvalidDataException($"/proc/{pid}/stat is not in the expected format");
    }

    /// <summary>
    /// Lists the numeric entries of /proc into a pooled array (grown as needed; the caller returns it to
    /// <see cref="ArrayPool{T}.Shared"/>). Returns how many were written.
    /// </summary>
    public static int ListPids(ref int[] pids)
    {
        nint dir;
        fixed (byte* path = "/proc\0"u8)
        {
            dir = Libc.opendir(path);
        }

        if (dir == 0)
        {
            throw PosixException.FromLastError("opendir", "/proc");
        }

        try
        {
            var count = 0;
            byte* entry;
            while ((entry = Libc.readdir64(dir)) != null)
            {
                var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(entry + Libc.DirentNameOffset);
                if (!Utf8Parser.TryParse(name, out int pid, out var consumed) || consumed != name.Length || pid <= 0)
                {
                    continue;
                }

                if (count == pids.Length)
                {
                    var bigger = ArrayPool<int>.Shared.Rent(pids.Length * 2);
                    pids.AsSpan().CopyTo(bigger);
                    ArrayPool<int>.Shared.Return(pids);
                    pids = bigger;
                }

                pids[count++] = pid;
            }

            return count;
        }
        finally
        {
            _ = Libc.closedir(dir);
        }
    }

    /// <summary>Open descriptors of a process (entries of /proc/&lt;pid&gt;/fd); 0 when gone or not readable.</summary>
    public static int CountDescriptors(int pid)
    {
        Span<byte> path = stackalloc byte[40];
        FormatPath(path, pid, "/fd"u8);
        nint dir;
        fixed (byte* pathPtr = path)
        {
            dir = Libc.opendir(pathPtr);
        }

        if (dir == 0)
        {
            return 0;
        }

        try
        {
            var count = 0;
            byte* entry;
            while ((entry = Libc.readdir64(dir)) != null)
            {
                var name = entry + Libc.DirentNameOffset;
                var dot = name[0] == (byte)'.' && (name[1] == 0 || (name[1] == (byte)'.' && name[2] == 0));
                if (!dot)
                {
                    count++;
                }
            }

            return count;
        }
        finally
        {
            _ = Libc.closedir(dir);
        }
    }

    /// <summary>"/proc/&lt;pid&gt;&lt;suffix&gt;\0" into <paramref name="path"/>; returns the length without the NUL.</summary>
    private static int FormatPath(Span<byte> path, int pid, ReadOnlySpan<byte> suffix)
    {
        "/proc/"u8.CopyTo(path);
        Utf8Formatter.TryFormat(pid, path[6..], out var digits);
        var length = 6 + digits;
        suffix.CopyTo(path[length..]);
        length += suffix.Length;
        path[length] = 0;
        return length;
    }

    private static int VanishedOrThrow(string call, int pid)
    {
        var errno = Marshal.GetLastPInvokeError();
        return errno is Errno.ENOENT or Errno.ESRCH
            ? -1
            : throw new PosixException(call, errno, $"/proc/{pid}/stat");
    }
}
