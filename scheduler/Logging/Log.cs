using System.Globalization;
using System.Text;

namespace Drover.Scheduler.Logging;

public enum LogLevel
{
    Debug,
    Info,
    Warning,
    Error,
}

/// <summary>
/// The scheduler's log: one line per event on stderr, "timestamp level [cluster/node] message". Secrets never
/// reach it (callers log ids and outcomes). Tests may redirect it with <see cref="Sink"/>.
/// </summary>
public static class Log
{
    private static readonly Lock Gate = new();
    private static readonly TextWriter Output = Console.Error;

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
            Output.Write(line);
            Output.Flush();
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
        foreach (var c in message)
        {
            builder.Append(c is '\n' or '\r' ? ' ' : c);
        }

        return builder.Append('\n').ToString();
    }
}
