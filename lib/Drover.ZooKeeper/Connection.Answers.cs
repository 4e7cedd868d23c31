using System.Diagnostics;
using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>
/// Replies handed to their callers on the connection's thread, in wire order. The caller's continuation (what
/// follows its <c>await</c>) runs right there, before the thread reads on: at one request in flight the
/// caller's next request leaves from this thread too, and a round trip wakes no thread but this one. Two
/// rules keep that safe.
/// <list type="bullet">
/// <item>A reply read while the dispatcher still holds watch events or state changes waits for them
/// (ZooKeeper's order: a watcher hears of a change before a caller sees a reply that reflects it); a marker
/// posted behind them clears it and wakes the thread.</item>
/// <item>Caller code that holds the thread for <see cref="StallLimit"/> or more (it blocks, or works long) is
/// left to itself: the watchdog starts a new thread that serves the connection from then on, and the old
/// one ends when the caller's code returns to it. A continuation that waits synchronously for another reply
/// therefore costs a stall, never a deadlock.</item>
/// </list>
/// </summary>
internal sealed partial class Connection
{
    /// <summary>How long caller code may hold the connection's thread before another thread takes over.</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromMilliseconds(20);

    // Under _lock: replies read and not yet handed to their callers, in wire order.
    private readonly Queue<Request> _answered = new();
    private readonly TaskCompletionSource _served = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Replies read so far (written by the serving thread alone) and replies cleared to be handed over (every
    // callback queued before them has run): numbers in wire order, so "cleared" is a count.
    private long _readCount;
    private long _clearedCount;
    // Under _lock: replies handed over so far.
    private long _handedCount;
    // Under _lock: the generation of the thread that serves the connection; a thread of an older one stops.
    private int _generation;
    // Under _lock: when the serving thread went into caller code (Stopwatch timestamp); 0 while it is not in it.
    private long _inCallerCodeSince;
    // Under _lock: no thread serves any more (the connection broke).
    private bool _stopped;

    /// <summary>On the serving thread: a reply parsed into its request, to hand over once cleared.</summary>
    private void Answered(IConnectionOwner owner, Request request)
    {
        var number = ++_readCount;
        lock (_lock)
        {
            _answered.Enqueue(request);
        }
        if (owner.Callbacks.IsBusy)
        {
            owner.Callbacks.Post(() =>
            {
                ClearUpTo(number);
                _waker.Wake();
            });
        }
        else
        {
            // Nothing queued means every earlier marker has run too: the count moves on from number - 1.
            ClearUpTo(number);
        }
    }

    private void ClearUpTo(long number)
    {
        var cleared = Volatile.Read(ref _clearedCount);
        while (cleared < number)
        {
            var seen = Interlocked.CompareExchange(ref _clearedCount, number, cleared);
            if (seen == cleared)
            {
                return;
            }
            cleared = seen;
        }
    }

    /// <summary>
    /// On the serving thread: hands the cleared replies to their callers, in order. False when meanwhile
    /// the connection got another serving thread (this one was held too long) or none (it broke): this
    /// thread then stops, touching nothing more.
    /// </summary>
    private bool HandOver(int generation)
    {
        while (true)
        {
            Request? request;
            lock (_lock)
            {
                if (_generation != generation)
                {
                    return false;
                }
                if (_handedCount >= Volatile.Read(ref _clearedCount) || !_answered.TryDequeue(out request))
                {
                    return true;
                }
                _handedCount++;
                _inCallerCodeSince = Stopwatch.GetTimestamp();
            }
            request.Publish();
            lock (_lock)
            {
                if (_generation == generation)
                {
                    // Else the mark is the next thread's, or nobody's.
                    _inCallerCodeSince = 0;
                }
            }
        }
    }

    /// <summary>From the watchdog: caller code has held the serving thread too long, so a new thread serves from now on.</summary>
    private void TakeOverIfStalled()
    {
        lock (_lock)
        {
            if (_inCallerCodeSince == 0 || _stopped || Stopwatch.GetElapsedTime(_inCallerCodeSince) < StallLimit)
            {
                return;
            }
            _inCallerCodeSince = 0;
            StartServing(++_generation);
        }
    }

    /// <summary>
    /// The connection broke, and its serving thread has stopped or is held in caller code (and left to
    /// it): replies read and not handed over go to their callers behind the callbacks queued before them,
    /// and the session may go on.
    /// </summary>
    private void StopServing(IConnectionOwner owner)
    {
        List<Request> left;
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }
            _stopped = true;
            _generation++;
            left = [.. _answered];
            _answered.Clear();
        }
        foreach (var request in left)
        {
            owner.Callbacks.Post(request.PublishLater);
        }
        _served.TrySetResult();
    }

    /// <summary>Whether replies are awaited or being handed over: the watchdog then looks more often.</summary>
    private bool Busy()
    {
        lock (_lock)
        {
            return _pending.Count > 0 || _answered.Count > 0 || _inCallerCodeSince != 0;
        }
    }
}
