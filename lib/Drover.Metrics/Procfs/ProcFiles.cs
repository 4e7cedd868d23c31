using System.Buffers.Text;

namespace Drover.Metrics.Procfs;

/// <summary>The fields of <c>/proc/[pid]/stat</c> the process collector needs (proc(5), numbered as there).</summary>
internal readonly record struct ProcStat(
    long UserTicks,        // (14) utime
    long SystemTicks,      // (15) stime
    long Threads,          // (20) num_threads
    long StartTicks,       // (22) starttime, clock ticks after boot
    long VirtualBytes,     // (23) vsize
    long ResidentPages);   // (24) rss

/// <summary>
/// Pure parsers for the /proc files behind the process metrics. Each takes the file's bytes and
/// returns false on anything it does not recognise; none throws on bad input.
/// </summary>
internal static class ProcFiles
{
    /// <summary>
    /// Parses <c>/proc/[pid]/stat</c>. The command name (field 2) is in parentheses and may itself
    /// contain spaces and parentheses, so fields are counted from the last <c>')'</c>.
    /// </summary>
    public static bool TryParseStat(ReadOnlySpan<byte> text, out ProcStat stat)
    {
        stat = default;
        var close = text.LastIndexOf((byte)')');
        if (close < 0)
        {
            return false;
        }
        // Field 3 (state) is the first token after ")"; we need up to field 24.
        Span<long> fields = stackalloc long[25];
        var rest = text[(close + 1)..];
        for (var field = 3; field <= 24; field++)
        {
            rest = rest.TrimStart((byte)' ');
            // Every field we read is followed by more, so an unterminated one is a truncated file.
            var end = rest.IndexOfAny((byte)' ', (byte)'\n');
            if (end <= 0)
            {
                return false;
            }
            var token = rest[..end];
            if (field != 3 && !TryParseWhole(token, out fields[field]))
            {
                return false;
            }
            rest = rest[end..];
        }
        stat = new ProcStat(fields[14], fields[15], fields[20], fields[22], fields[23], fields[24]);
        return true;
    }

    /// <summary>Finds the <c>btime</c> line of <c>/proc/stat</c>: the boot time in seconds since the epoch.</summary>
    public static bool TryParseBootTime(ReadOnlySpan<byte> text, out long bootTime)
    {
        bootTime = 0;
        foreach (var range in text.Split((byte)'\n'))
        {
            var line = text[range];
            if (line.StartsWith("btime "u8))
            {
                return TryParseWhole(line["btime "u8.Length..].Trim((byte)' '), out bootTime);
            }
        }
        return false;
    }

    /// <summary>
    /// Reads the soft limit of one row of <c>/proc/[pid]/limits</c> (e.g. "Max open files").
    /// "unlimited" is RLIM64_INFINITY, 2^64 - 1, as procfs (and so the Go client) reports it.
    /// </summary>
    public static bool TryParseSoftLimit(ReadOnlySpan<byte> text, ReadOnlySpan<byte> rowName, out double softLimit)
    {
        softLimit = 0;
        foreach (var range in text.Split((byte)'\n'))
        {
            var line = text[range];
            if (!line.StartsWith(rowName) || line.Length == rowName.Length || line[rowName.Length] != (byte)' ')
            {
                continue;
            }
            var rest = line[rowName.Length..].TrimStart((byte)' ');
            var end = rest.IndexOf((byte)' ');
            var token = end < 0 ? rest : rest[..end];
            if (token.SequenceEqual("unlimited"u8))
            {
                softLimit = ulong.MaxValue;
                return true;
            }
            if (Utf8Parser.TryParse(token, out ulong value, out var consumed) && consumed == token.Length)
            {
                softLimit = value;
                return true;
            }
            return false;
        }
        return false;
    }

    private static bool TryParseWhole(ReadOnlySpan<byte> token, out long value) =>
        Utf8Parser.TryParse(token, out value, out var consumed) && consumed == token.Length && token.Length > 0;
}
