namespace Drover.Mesos.Scheduler;

/// <summary>
/// Exponential backoff between subscription attempts: <c>initial</c>, doubling after each failure up to
/// <c>max</c>; reset once a subscription succeeds. Deterministic (no jitter), so tests with a fake clock know
/// exactly when the next attempt comes.
/// </summary>
public sealed class Backoff(TimeSpan initial, TimeSpan max)
{
    private int _failures;

    public int Failures => _failures;

    /// <summary>The delay before the next attempt, counting one more failure.</summary>
    public TimeSpan Next()
    {
        var delay = initial;
        for (var i = 0; i < _failures && delay < max; i++)
        {
            delay += delay;
        }

        _failures++;
        return delay < max ? delay : max;
    }

    public void Reset() => _failures = 0;
}
