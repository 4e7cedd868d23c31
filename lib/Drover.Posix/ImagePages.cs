using System.Globalization;
using Drover.Posix.Interop;

namespace Drover.Posix;

/// <summary>One mapping of the program's image that <see cref="ImagePages.Release"/> may drop: its address range and what of it is resident.</summary>
public readonly record struct ImageMapping(ulong Start, ulong End, string Permissions, long ResidentKiB);

/// <summary>
/// The resident pages of the program's own image: its code and read-only data, mapped from the executable file.
/// Start-up runs a large part of the code once (and the kernel maps the cached pages around every fault, 64 KiB at a
/// time), after which an idle program touches a small part of it; the rest stays counted in its RSS for its whole
/// life. <see cref="Release"/> drops those mappings' page table entries (madvise MADV_DONTNEED): the pages stay in the
/// page cache, shared with every other process of the same file, and a page touched again is mapped again from there
/// (a minor fault, no I/O). Only mappings that cannot hold private data are touched: read-only ones (r-xp, r--p)
/// without a single anonymous (copy-on-write) page, so nothing can be lost.
/// </summary>
public static class ImagePages
{
    /// <summary>
    /// From the lines of /proc/PID/smaps: the mappings of <paramref name="imagePath"/> that are read-only and hold no
    /// anonymous page. Lines that do not parse are skipped (a mapping whose size lines are missing is not chosen).
    /// </summary>
    public static IReadOnlyList<ImageMapping> Releasable(IEnumerable<string> smapsLines, string imagePath)
    {
        ArgumentNullException.ThrowIfNull(smapsLines);
        ArgumentNullException.ThrowIfNull(imagePath);
        var chosen = new List<ImageMapping>();
        Candidate? current = null;
        foreach (var line in smapsLines)
        {
            if (TryParseHeader(line, out var header))
            {
                Close(current, chosen);
                current = header.Path == imagePath && header.Permissions is "r-xp" or "r--p" ? header : null;
                continue;
            }

            if (current is { } open && TryParseSize(line, out var key, out var kib))
            {
                current = key switch
                {
                    "Rss" => open with { ResidentKiB = kib },
                    "Anonymous" => open with { AnonymousKiB = kib },
                    _ => open,
                };
            }
        }

        Close(current, chosen);
        return chosen;
    }

    /// <summary>
    /// Drops the resident pages of this process's image (<see cref="Releasable"/> of /proc/self/smaps) and returns
    /// how many KiB were resident in the mappings dropped. A mapping the kernel refuses is left as it is.
    /// </summary>
    public static unsafe long Release()
    {
        if (Environment.ProcessPath is not { } image || !File.Exists("/proc/self/smaps"))
        {
            return 0;
        }

        long released = 0;
        foreach (var mapping in Releasable(File.ReadLines("/proc/self/smaps"), image))
        {
            if (Libc.madvise((void*)mapping.Start, (nuint)(mapping.End - mapping.Start), Libc.MADV_DONTNEED) == 0)
            {
                released += mapping.ResidentKiB;
            }
        }

        return released;
    }

    private sealed record Candidate(ulong Start, ulong End, string Permissions, string Path, long ResidentKiB = -1, long AnonymousKiB = -1);

    private static void Close(Candidate? candidate, List<ImageMapping> chosen)
    {
        if (candidate is { ResidentKiB: >= 0, AnonymousKiB: 0 } && candidate.End > candidate.Start)
        {
            chosen.Add(new ImageMapping(candidate.Start, candidate.End, candidate.Permissions, candidate.ResidentKiB));
        }
    }

    // "55e2212d9000-55e221852000 r-xp 00000000 08:01 1234   /path/with maybe spaces": range, permissions, offset, device, inode, path.
    private static bool TryParseHeader(string line, out Candidate header)
    {
        header = null!;
        var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5 || fields[0].EndsWith(':'))
        {
            return false;
        }

        var dash = fields[0].IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0
            || !ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end)
            || fields[1].Length != 4)
        {
            return false;
        }

        header = new Candidate(start, end, fields[1], fields.Length == 6 ? fields[5].Trim() : "");
        return true;
    }

    // "Rss:                4636 kB"
    private static bool TryParseSize(string line, out string key, out long kib)
    {
        key = "";
        kib = 0;
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 3 || !fields[0].EndsWith(':') || fields[2] != "kB"
            || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out kib))
        {
            return false;
        }

        key = fields[0][..^1];
        return true;
    }
}
