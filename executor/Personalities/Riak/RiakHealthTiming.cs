namespace Drover.Executor.Personalities.Riak;

/// <summary>
/// The defaults of the /ping check; NodeSpec.config's `health.*` keys override them (<see cref="HealthOverrides"/>).
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
}
