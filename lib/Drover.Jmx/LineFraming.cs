namespace Drover.Jmx;

/// <summary>What <see cref="LineFraming.Find"/> found in the bytes received so far.</summary>
internal enum LineStatus
{
    /// <summary>A whole line: its length (without the '\n') is the result's Length.</summary>
    Line,

    /// <summary>No '\n' yet and still within the limit: read more.</summary>
    NeedMore,

    /// <summary>The line is longer than the limit, whether or not its '\n' has arrived.</summary>
    TooLong,
}

/// <summary>
/// The helper's framing: one JSON object per line, '\n'-terminated. A pure function over the bytes received so
/// far, so the reader never allocates for a line the limit already rules out.
/// </summary>
internal static class LineFraming
{
    /// <summary>The first line in <paramref name="received"/>, checked against <paramref name="maxLength"/> bytes.</summary>
    public static (LineStatus Status, int Length) Find(ReadOnlySpan<byte> received, int maxLength)
    {
        var scanned = Math.Min(received.Length, maxLength + 1);
        var newline = received[..scanned].IndexOf((byte)'\n');
        if (newline >= 0)
        {
            return newline <= maxLength ? (LineStatus.Line, newline) : (LineStatus.TooLong, 0);
        }

        return received.Length > maxLength ? (LineStatus.TooLong, 0) : (LineStatus.NeedMore, 0);
    }
}
