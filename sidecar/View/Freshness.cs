using Drover.Registry;

namespace Drover.Sidecar.View;

/// <summary>
/// How current a part of the view is. Live: ZooKeeper is heard and every watch is armed, so the view is
/// ZooKeeper's state now. Stale: the last state read, last known to match ZooKeeper at
/// <see cref="ConfirmedAt"/>. Unread: nothing was ever read (ZooKeeper not reached since start).
/// </summary>
public readonly record struct Freshness(WatchFreshness State, DateTimeOffset? ConfirmedAt)
{
    public static readonly Freshness Unread = new(WatchFreshness.Unread, null);

    public static readonly Freshness Live = new(WatchFreshness.Live, null);

    public bool IsLive => State == WatchFreshness.Live;

    public bool HasData => State != WatchFreshness.Unread;

    public static Freshness StaleSince(DateTimeOffset since) => new(WatchFreshness.Stale, since);

    /// <summary>When the data last matched ZooKeeper: now while live, null if never read.</summary>
    public DateTimeOffset? ConfirmedAsOf(DateTimeOffset now) => State switch
    {
        WatchFreshness.Live => now,
        WatchFreshness.Stale => ConfirmedAt,
        _ => null,
    };

    /// <summary>How old the data may be: zero while live, the time since it was confirmed when stale.</summary>
    public TimeSpan Age(DateTimeOffset now) => State == WatchFreshness.Stale && ConfirmedAt is { } at && now > at ? now - at : TimeSpan.Zero;

    /// <summary>The next freshness when the watcher reports <paramref name="state"/> at <paramref name="now"/>.</summary>
    public Freshness Then(WatchFreshness state, DateTimeOffset now) => state switch
    {
        WatchFreshness.Live => Live,
        // Stale keeps the moment it first became stale: that is when it was last confirmed.
        WatchFreshness.Stale => State switch
        {
            WatchFreshness.Live => StaleSince(now),
            WatchFreshness.Stale => this,
            _ => this,
        },
        _ => this,
    };

    public override string ToString() => State switch
    {
        WatchFreshness.Live => "live",
        WatchFreshness.Stale => $"stale since {ConfirmedAt:O}",
        _ => "unread",
    };
}
