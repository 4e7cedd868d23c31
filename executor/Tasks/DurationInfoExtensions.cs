using Drover.Mesos.V1;

namespace Drover.Executor.Tasks;

/// <summary>Mesos' DurationInfo (nanoseconds) as a TimeSpan: the one conversion, for kill policies of tasks and of KILL events.</summary>
public static class DurationInfoExtensions
{
    public static TimeSpan ToTimeSpan(this DurationInfo duration)
    {
        ArgumentNullException.ThrowIfNull(duration);
        return TimeSpan.FromTicks(duration.Nanoseconds / 100);
    }
}
