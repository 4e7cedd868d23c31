using System.Globalization;
using Drover.Executor.Health;
using Drover.Executor.Tasks;
using Drover.Mesos;

namespace Drover.Executor.Personalities;

/// <summary>
/// The timing of a personality's own check, overridable from NodeSpec.config: `health.delay`,
/// `health.interval`, `health.timeout`, `health.grace` (Mesos durations such as "10secs") and
/// `health.consecutive_failures` (a positive integer). A bad value fails the launch, naming the key.
/// </summary>
public static class HealthOverrides
{
    public const string DelayKey = "health.delay";
    public const string IntervalKey = "health.interval";
    public const string TimeoutKey = "health.timeout";
    public const string GraceKey = "health.grace";
    public const string ConsecutiveFailuresKey = "health.consecutive_failures";

    public static HealthCheckDefinition Apply(HealthCheckDefinition check, PersonalityContext context)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(context);
        return check with
        {
            Delay = Duration(context, DelayKey) ?? check.Delay,
            Interval = Duration(context, IntervalKey) ?? check.Interval,
            Timeout = Duration(context, TimeoutKey) ?? check.Timeout,
            Grace = Duration(context, GraceKey) ?? check.Grace,
            ConsecutiveFailures = Count(context, ConsecutiveFailuresKey) ?? check.ConsecutiveFailures,
        };
    }

    /// <summary>NodeSpec.config[<paramref name="key"/>] as a non-negative Mesos duration, or null when absent.</summary>
    public static TimeSpan? Duration(PersonalityContext context, string key)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Node.Config.TryGetValue(key, out var text))
        {
            return null;
        }

        if (!MesosDuration.TryParse(text, out var value, out var error))
        {
            throw new LaunchException($"NodeSpec.config['{key}'] = '{text}' is not a duration: {error}");
        }

        return value >= TimeSpan.Zero
            ? value
            : throw new LaunchException($"NodeSpec.config['{key}'] = '{text}' is negative");
    }

    private static int? Count(PersonalityContext context, string key)
    {
        if (!context.Node.Config.TryGetValue(key, out var text))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new LaunchException($"NodeSpec.config['{key}'] = '{text}' is not a positive integer");
    }
}
