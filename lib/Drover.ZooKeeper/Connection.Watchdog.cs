using System.Diagnostics;
using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>The clock: pings when nothing was sent for a while; a connection that stays quiet or leaves a request unanswered too long is lost.</summary>
internal sealed partial class Connection
{
    /// <summary>
    /// Sends a ping when nothing was sent for the ping interval (checked every tenth of the read timeout,
    /// so a ping leaves at most 0.6 × the read timeout after the last send); declares the connection lost
    /// when the server went quiet for the read timeout (pings keep a live server talking) or left the
    /// oldest request unanswered past the request timeout.
    /// </summary>
    private async Task WatchdogAsync(ConnectionTimings timings)
    {
        var period = TimeSpan.FromMilliseconds(Math.Clamp(timings.ReadTimeout.TotalMilliseconds / 10, 5, 250));
        var busyPeriod = period < StallLimit / 2 ? period : StallLimit / 2;
        while (true)
        {
            await Task.Delay(Busy() ? busyPeriod : period, _broken.Token).ConfigureAwait(false);
            TakeOverIfStalled();
            var silence = Stopwatch.GetElapsedTime(Volatile.Read(ref _lastReceived));
            if (silence > timings.ReadTimeout)
            {
                throw Break(new ZooKeeperTimeoutException(TimeoutKind.ServerSilent, timings.ReadTimeout,
                    $"Nothing heard from {Server} for {silence.TotalMilliseconds:0} ms (read timeout {timings.ReadTimeout.TotalMilliseconds:0} ms, two thirds of the session timeout)."));
            }
            if (Stopwatch.GetElapsedTime(Volatile.Read(ref _lastSent)) >= timings.PingInterval)
            {
                SendPing();
            }
            var oldest = OldestPending();
            if (oldest is not null && timings.RequestTimeout != Timeout.InfiniteTimeSpan)
            {
                var waited = Stopwatch.GetElapsedTime(oldest.SentAt);
                if (waited > timings.RequestTimeout)
                {
                    throw Break(new ZooKeeperTimeoutException(TimeoutKind.RequestUnanswered, timings.RequestTimeout,
                        $"{oldest.OpCode} (xid {oldest.Xid}) got no reply from {Server} in {waited.TotalMilliseconds:0} ms (request timeout {timings.RequestTimeout.TotalMilliseconds:0} ms)."));
                }
            }
        }
    }

    private Request? OldestPending()
    {
        lock (_lock)
        {
            return _pending.TryPeek(out var request) ? request : null;
        }
    }
}
