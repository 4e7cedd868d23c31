using Drover.Posix;

namespace Drover.Executor.Runtime;

/// <summary>
/// Gives memory back once the executor goes quiet. What start-up and a burst of launches allocate stays
/// resident in the GC's regions long after it is garbage, and the code they ran stays mapped, and the
/// executor then idles for days beside its service: after <paramref name="quiet"/> without an event, one
/// aggressive collection decommits what is free, and the image's code and read-only pages are unmapped
/// (<see cref="ImagePages.Release"/>: they stay in the page cache, and what the idle executor still runs
/// comes back at its first touch). It runs again only after new activity, so an idle executor does no work.
/// </summary>
/// <param name="activity">A number that changes whenever the executor handles an event.</param>
/// <param name="trim">What to do when quiet; null: <see cref="TrimNow"/>.</param>
public sealed class IdleTrimmer(Func<long> activity, TimeSpan quiet, TimeProvider time, Action? trim = null) : IDisposable
{
    private readonly Action _trim = trim ?? (static () => TrimNow());
    private ITimer? _timer;
    private long _seen = -1;
    private bool _trimmed;

    /// <summary>How many times it trimmed.</summary>
    public int Trims { get; private set; }

    public IdleTrimmer Start()
    {
        _timer = time.CreateTimer(static state => ((IdleTrimmer)state!).Tick(), this, quiet, quiet);
        return this;
    }

    /// <summary>One look: activity since the last one defers the trim; a quiet period earns one.</summary>
    public void Tick()
    {
        var now = activity();
        if (now != _seen)
        {
            _seen = now;
            _trimmed = false;
            return;
        }

        if (!_trimmed)
        {
            _trimmed = true;
            Trims++;
            _trim();
        }
    }

    /// <summary>
    /// A blocking, compacting, decommitting full collection, then the image's pages released; returns the KiB of
    /// the image that were resident.
    /// </summary>
    public static long TrimNow()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return ImagePages.Release();
    }

    public void Dispose() => _timer?.Dispose();
}
