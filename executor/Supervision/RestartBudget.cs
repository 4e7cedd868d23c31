namespace Drover.Executor.Supervision;

/// <summary>
/// How many times a failed service is restarted in place before its task fails: at most
/// <see cref="MaxRestarts"/> within a sliding <see cref="Window"/>, the n-th restart after
/// InitialBackoff * 2^(n-1), capped at <see cref="MaxBackoff"/>. A clean exit (status 0)
/// is never restarted: the task finished.
/// </summary>
public sealed record RestartBudget(int MaxRestarts, TimeSpan Window, TimeSpan InitialBackoff, TimeSpan MaxBackoff)
{
    /// <summary>Plain command tasks behave as under Mesos' own executors: no restarts.</summary>
    public static readonly RestartBudget Never = new(0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>Service nodes without an explicit policy: three restarts in five minutes, 1 s doubling to 30 s.</summary>
    public static readonly RestartBudget DefaultForNodes = new(3, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    public static RestartBudget From(Drover.V1.RestartPolicy? spec)
    {
        if (spec is null)
        {
            return DefaultForNodes;
        }

        static TimeSpan Or(Google.Protobuf.WellKnownTypes.Duration? d, TimeSpan fallback) =>
            d is null ? fallback : d.ToTimeSpan() is var t && t >= TimeSpan.Zero ? t : fallback;

        var initial = Or(spec.InitialBackoff, DefaultForNodes.InitialBackoff);
        var max = Or(spec.MaxBackoff, DefaultForNodes.MaxBackoff);
        return new RestartBudget(
            (int)Math.Min(spec.MaxRestarts, 1000u),
            Or(spec.Window, DefaultForNodes.Window),
            initial,
            max < initial ? initial : max);
    }

    public TimeSpan BackoffFor(int restartNumber)
    {
        var backoff = InitialBackoff;
        for (var i = 1; i < restartNumber && backoff < MaxBackoff; i++)
        {
            backoff += backoff;
        }

        return backoff > MaxBackoff ? MaxBackoff : backoff;
    }
}

/// <summary>The restarts a task has had, for the sliding window (times on the executor loop's monotonic clock).</summary>
public sealed class RestartHistory
{
    private readonly Queue<TimeSpan> _restarts = new();

    public int Total { get; private set; }

    /// <summary>Decides whether a failure at <paramref name="now"/> may be restarted, and records it if so.</summary>
    public bool TryRecordRestart(RestartBudget policy, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        while (_restarts.Count > 0 && now - _restarts.Peek() > policy.Window)
        {
            _restarts.Dequeue();
        }

        if (_restarts.Count >= policy.MaxRestarts)
        {
            return false;
        }

        _restarts.Enqueue(now);
        Total++;
        return true;
    }

    public int InWindow => _restarts.Count;
}
