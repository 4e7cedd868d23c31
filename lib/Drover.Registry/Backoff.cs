namespace Drover.Registry;

/// <summary>Exponential backoff with jitter: each delay is drawn from [d/2, d], d doubling up to the cap.</summary>
internal sealed class Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private TimeSpan _next;

    public Backoff(TimeSpan initial, TimeSpan max)
    {
        _initial = initial;
        _max = max;
        _next = initial;
    }

    public TimeSpan Next()
    {
        var current = _next < _max ? _next : _max;
        _next = TimeSpan.FromTicks(Math.Min(_max.Ticks, current.Ticks * 2));
        // Jitter keeps many executors that lost the same ZooKeeper from retrying in step.
        return TimeSpan.FromTicks(current.Ticks / 2 + Random.Shared.NextInt64(current.Ticks / 2 + 1));
    }

    public void Reset() => _next = _initial;
}
