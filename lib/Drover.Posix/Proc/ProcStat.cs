namespace Drover.Posix.Proc;

/// <summary>
/// The fields of /proc/&lt;pid&gt;/stat this library uses, parsed from the raw bytes without allocating.
/// </summary>
/// <remarks>
/// Layout (proc(5)): <c>pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
/// utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss ...</c>.
/// comm is the executable name as the process set it: up to 16 bytes (longer for kernel workers) that may
/// contain spaces, parentheses and even newlines, so it ends at the <em>last</em> ')' of the text; everything
/// after it is numbers and the one-letter state.
/// </remarks>
internal readonly struct ProcStat
{
    public int Pid { get; init; }
    public int ParentPid { get; init; }
    public int ProcessGroupId { get; init; }
    public int SessionId { get; init; }
    public char State { get; init; }
    public ulong UserTicks { get; init; }
    public ulong SystemTicks { get; init; }
    public int Threads { get; init; }
    public ulong StartTimeTicks { get; init; }
    public long RssPages { get; init; }

    /// <summary>Where comm sits in the parsed text.</summary>
    public int CommandStart { get; init; }

    public int CommandLength { get; init; }

    // Field numbers (1-based, as in proc(5)) after the state, up to the last one we read.
    private const int FirstNumericField = 4;   // ppid
    private const int LastNeededField = 24;     // rss

    /// <summary>
    /// Parses one stat text. Returns false for anything that is not a complete, well-formed stat up to and
    /// including the rss field (truncated, garbage, numbers out of range); never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out ProcStat stat)
    {
        stat = default;
        var open = text.IndexOf((byte)'(');
        var close = text.LastIndexOf((byte)')');
        if (open < 2 || close < open || text[open - 1] != (byte)' ')
        {
            return false;
        }

        if (!TryParseNumber(text[..(open - 1)], out var pid) || pid <= 0 || pid > int.MaxValue)
        {
            return false;
        }

        // ") S " : the state is one letter between single spaces.
        var rest = text[(close + 1)..];
        if (rest.Length < 4 || rest[0] != (byte)' ' || rest[2] != (byte)' ' || !IsStateLetter(rest[1]))
        {
            return false;
        }

        Span<long> fields = stackalloc long[LastNeededField + 1];
        rest = rest[3..];
        for (var field = FirstNumericField; field <= LastNeededField; field++)
        {
            var end = rest.IndexOfAny((byte)' ', (byte)'\n');
            // The last field we need must be followed by a separator, or a truncated number would pass.
            if (end < 0 || !TryParseNumber(rest[..end], out fields[field]))
            {
                return false;
            }

            rest = rest[(end + 1)..];
        }

        if (!FitsInt(fields[4]) || !FitsInt(fields[5]) || !FitsInt(fields[6]) || !FitsInt(fields[20])
            || fields[14] < 0 || fields[15] < 0 || fields[22] < 0)
        {
            return false;
        }

        stat = new ProcStat
        {
            Pid = (int)pid,
            ParentPid = (int)fields[4],
            ProcessGroupId = (int)fields[5],
            SessionId = (int)fields[6],
            State = (char)text[close + 2],
            UserTicks = (ulong)fields[14],
            SystemTicks = (ulong)fields[15],
            Threads = (int)fields[20],
            StartTimeTicks = (ulong)fields[22],
            RssPages = fields[24],
            CommandStart = open + 1,
            CommandLength = close - open - 1,
        };
        return true;
    }

    private static bool IsStateLetter(byte b) => b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z';

    private static bool FitsInt(long value) => value is >= int.MinValue and <= int.MaxValue;

    /// <summary>An optional '-' and 1 to 19 decimal digits, nothing else.</summary>
    private static bool TryParseNumber(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        var negative = digits.Length > 0 && digits[0] == (byte)'-';
        if (negative)
        {
            digits = digits[1..];
        }

        if (digits.Length is 0 or > 19)
        {
            return false;
        }

        long result = 0;
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            var next = (result * 10) + (b - '0');
            if (next < result)
            {
                return false; // overflow of 19-digit numbers above long.MaxValue
            }

            result = next;
        }

        value = negative ? -result : result;
        return true;
    }
}
