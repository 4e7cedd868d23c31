using System.Globalization;
using System.Text;

namespace Drover.Executor.Logging;

public enum LogLevel
{
    Debug,
    Info,
    Warning,
    Error,
}

/// <summary>
/// The executor's own log: one line per event on stderr (the sandbox file `stderr` Mesos
/// keeps for the executor), "timestamp level [task] message", so an operator can read the
/// sandbox with nothing but `less`. Secrets never reach this class: callers log ids and
/// outcomes, not tokens, passwords or digests.
/// </summary>
public static class Log
{
    private static readonly Lock Gate = new();
    private static readonly Stream Output = Console.OpenStandardError();
    private static readonly byte[] Buffer = new byte[8192];

    public static LogLevel Threshold { get; set; } = LogLevel.Info;

    public static void Debug(string message, string? taskId = null) => Write(LogLevel.Debug, taskId, message);

    public static void Info(string message, string? taskId = null) => Write(LogLevel.Info, taskId, message);

    public static void Warning(string message, string? taskId = null) => Write(LogLevel.Warning, taskId, message);

    public static void Error(string message, string? taskId = null) => Write(LogLevel.Error, taskId, message);

    public static void Write(LogLevel level, string? taskId, string message)
    {
        if (level < Threshold)
        {
            return;
        }

        var line = Format(DateTimeOffset.UtcNow, level, taskId, message);
        lock (Gate)
        {
            // Encode into a reused buffer: logging must not churn the heap of a 16 MiB process.
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

    public static string Format(DateTimeOffset time, LogLevel level, string? taskId, string message)
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
        builder.Append(" [").Append(taskId ?? "-").Append("] ");

        // One event, one line: a multi-line message (an exception, a process's output) is folded.
        foreach (var c in message)
        {
            builder.Append(c switch
            {
                '\n' => ' ',
                '\r' => ' ',
                _ => c,
            });
        }

        return builder.Append('\n').ToString();
    }
}
