using Microsoft.Extensions.Logging;
using SchedulerLog = Drover.Logging.Log;

namespace Drover.Scheduler.Api;

/// <summary>
/// ASP.NET Core's warnings and errors (Kestrel's faults, a port already taken) into the scheduler's one log, in
/// its one line format; its information and debug chatter (a line per request) stays out.
/// </summary>
internal sealed class LogBridge : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = $"{category}: {formatter(state, exception)}" + (exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})");
            if (logLevel >= LogLevel.Error)
            {
                SchedulerLog.Error(message, "api");
            }
            else
            {
                SchedulerLog.Warning(message, "api");
            }
        }
    }
}
