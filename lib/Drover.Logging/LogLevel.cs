namespace Drover.Logging;

/// <summary>How much a line matters; lines under <see cref="Log.Threshold"/> are not written.</summary>
public enum LogLevel
{
    Debug,
    Info,
    Warning,
    Error,
}
