using Drover.Scheduler.Operations;

namespace Drover.Scheduler.EndToEnd.Tests.Support;

/// <summary>
/// The scheduler's API read every 50 ms while a scenario runs, every answer kept: what an operator watching
/// <c>GET /v1/state</c> saw, in order. Orders of events (this node healthy before that one launched) are asserted
/// over the whole sequence, not over one final state.
/// </summary>
public sealed class SnapshotRecorder : IAsyncDisposable
{
    private readonly List<SchedulerSnapshot> _seen = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private SnapshotRecorder(SchedulerProcess scheduler) => _loop = Task.Run(() => RecordAsync(scheduler));

    public static SnapshotRecorder Start(SchedulerProcess scheduler) => new(scheduler);

    /// <summary>Every snapshot read so far, oldest first.</summary>
    public IReadOnlyList<SchedulerSnapshot> Seen
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    /// <summary>Stops reading; returns what was seen.</summary>
    public async Task<IReadOnlyList<SchedulerSnapshot>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        return Seen;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RecordAsync(SchedulerProcess scheduler)
    {
        while (!_stop.IsCancellationRequested)
        {
            if (await scheduler.StateOrNullAsync() is { } snapshot)
            {
                lock (_seen)
                {
                    _seen.Add(snapshot);
                }
            }

            try
            {
                await Task.Delay(50, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
