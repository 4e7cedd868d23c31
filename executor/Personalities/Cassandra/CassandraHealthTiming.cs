using System.Globalization;
using Drover.Executor.Health;
using Drover.Executor.Tasks;
using Drover.Mesos;

namespace Drover.Executor.Personalities.Cassandra;

/// <summary>NodeSpec.config's `health.delay`, `health.interval`, `health.timeout`, `health.grace` (Mesos durations) and `health.consecutive_failures` over the defaults.</summary>
internal static class CassandraHealthTiming
{
    public static HealthCheckDefinition Apply(HealthCheckDefinition check, PersonalityContext context) => check with
    {
        Delay = Duration(context, "health.delay") ?? check.Delay,
        Interval = Duration(context, "health.interval") ?? check.Interval,
        Timeout = Duration(context, "health.timeout") ?? check.Timeout,
        Grace = Duration(context, "health.grace") ?? check.Grace,
        ConsecutiveFailures = Count(context, "health.consecutive_failures") ?? check.ConsecutiveFailures,
    };

    private static TimeSpan? Duration(PersonalityContext context, string key) =>
        !context.Node.Config.TryGetValue(key, out var text) ? null
        : MesosDuration.TryParse(text, out var value, out var error) ? value
        : throw new LaunchException($"NodeSpec.config['{key}'] = '{text}' is not a duration: {error}");

    private static int? Count(PersonalityContext context, string key) =>
        !context.Node.Config.TryGetValue(key, out var text) ? null
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value
        : throw new LaunchException($"NodeSpec.config['{key}'] = '{text}' is not a positive integer");
}
