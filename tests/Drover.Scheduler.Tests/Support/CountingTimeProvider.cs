namespace Drover.Scheduler.Tests.Support;

/// <summary>
/// Another clock's time and timers, counting how often the timers made through it call back: a loop that re-arms
/// its timer for a deadline it cannot act on shows here as a count that grows without the clock moving.
/// </summary>
public sealed class CountingTimeProvider(TimeProvider inner) : TimeProvider
{
    private long _callbacks;

    /// <summary>Timer callbacks so far.</summary>
    public long Callbacks => Interlocked.Read(ref _callbacks);

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(s =>
        {
            Interlocked.Increment(ref _callbacks);
            callback(s);
        }, state, dueTime, period);
}
