using System.Globalization;
using System.Text;

namespace Drover.Logging;

/// <summary>
/// The log of Drover's own programs: one line per event on stderr, "timestamp level [subject] message", where the
/// subject is the task (executor) or the cluster and node (scheduler). For the executor stderr is the sandbox file
/// Mesos keeps, so an operator reads it with nothing but <c>less</c>. Secrets never reach this class: callers log
/// ids and outcomes, not tokens, passwords or digests.
/// </summary>
public static class Log
{
    private static readonly Lock Gate = new();
    private static readonly Stream Output = Console.OpenStandardError();
    private static readonly byte[] Buffer = new byte[8192];

    public static LogLevel Threshold { get; set; } = LogLevel.Info;

    /// <summary>Where lines go instead of stderr (tests); null: stderr.</summary>
    public static Action<string>? Sink { get; set; }

    public static void Debug(string message, string? subject = null) => Write(LogLevel.Debug, subject, message);

    public static void Info(string message, string? subject = null) => Write(LogLevel.Info, subject, message);

    public static void Warning(string message, string? subject = null) => Write(LogLevel.Warning, subject, message);

    public static void Error(string message, string? subject = null) => Write(LogLevel.Error, subject, message);

    public static void Write(LogLevel level, string? subject, string message)
    {
        if (level < Threshold)
        {
            return;
        }

        var line = Format(DateTimeOffset.UtcNow, level, subject, message);
        if (Sink is { } sink)
        {
            sink(line);
            return;
        }

        lock (Gate)
        {
            // Encode into a reused buffer: logging must not churn the heap of a 16 MiB executor.
            var max = Encoding.UTF8.GetMaxByteCount(line.Length);
            var bytes = max <= Buffer.Length ? Buffer : new byte[max];
            var count = Encoding.UTF8.GetBytes(line, bytes);
            try
            {
                Output.Write(bytes, 0, count);
                Output.Flush();
            }
            catch (IOException)
            {
                // stderr gone (sandbox removed): nothing sensible left to do with a log line.
            }
        }
    }

    public static string Format(DateTimeOffset time, LogLevel level, string? subject, string message)
    {
        var builder = new StringBuilder(64 + message.Length);
        builder.Append(time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        builder.Append(' ').Append(level switch
        {
            LogLevel.Debug => "DEBUG",
            LogLevel.Info => "INFO ",
            LogLevel.Warning => "WARN ",
            _ => "ERROR",
        });
        builder.Append(" [").Append(subject ?? "-").Append("] ");

        // One event, one line: a multi-line message (an exception, a process's output) is folded.
        foreach (var c in message)
        {
            builder.Append(c is '\n' or '\r' ? ' ' : c);
        }

        return builder.Append('\n').ToString();
    }
}
