using System.Globalization;
using Drover.Executor.Health;
using Drover.Executor.Tasks;
using Drover.Mesos;

namespace Drover.Executor.Personalities.Riak;

/// <summary>
/// The timing of the /ping check: Riak's defaults here, NodeSpec.config's `health.delay`, `health.interval`,
/// `health.timeout`, `health.grace` (Mesos durations) and `health.consecutive_failures` over them.
/// </summary>
internal static class RiakHealthTiming
{
    /// <summary>The HTTP listener opens late in Riak's boot, after riak_core and riak_kv started.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>/ping is answered by the HTTP listener without touching vnodes: a slow answer is a sick node.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>A node that loads a large bitcask keydir or repairs leveldb takes a while before it listens.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(120);

    public const int ConsecutiveFailures = 3;

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
