namespace Drover.Posix;

/// <summary>
/// Lets code outside the executor's event loop (a probe running nodetool, an admin operation, a JMX helper)
/// start a child and await its exit, although <see cref="ChildReaper"/> is the only code that may wait for
/// children. The reaper's callback offers every exit to <see cref="TryDeliver"/> first; exits of pids spawned
/// here complete their task, every other exit goes on to the caller's own handling.
/// </summary>
/// <remarks>
/// A short-lived child can exit before <see cref="ProcessSpawner.Spawn"/> returns its pid. Spawning and
/// registering the waiter under one lock, which <see cref="TryDeliver"/> also takes, means the reaper can only
/// offer the exit once the waiter exists.
/// </remarks>
public static class ExitWaiters
{
    private static readonly object Gate = new();
    private static readonly Dictionary<int, TaskCompletionSource<ChildExit>> Waiting = [];

    /// <summary>How many spawned children have not been reported yet.</summary>
    public static int Pending
    {
        get
        {
            lock (Gate)
            {
                return Waiting.Count;
            }
        }
    }

    /// <summary>
    /// Spawns <paramref name="request"/>; <paramref name="exited"/> completes (asynchronously) with its exit.
    /// Starts the <see cref="ChildReaper"/> with this class as its only consumer when no one has started it
    /// (a tool or test process); a process with its own reaper callback must call <see cref="TryDeliver"/> from it.
    /// </summary>
    public static SpawnedProcess Spawn(SpawnRequest request, out Task<ChildExit> exited)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureReaper();
        lock (Gate)
        {
            var spawned = ProcessSpawner.Spawn(request);
            var source = new TaskCompletionSource<ChildExit>(TaskCreationOptions.RunContinuationsAsynchronously);
            Waiting[spawned.Pid] = source;
            exited = source.Task;
            return spawned;
        }
    }

    /// <summary>Completes the waiter of <paramref name="exit"/>'s pid; false when no one here waits for it.</summary>
    public static bool TryDeliver(ChildExit exit)
    {
        lock (Gate)
        {
            if (!Waiting.Remove(exit.Pid, out var source))
            {
                return false;
            }

            source.TrySetResult(exit);
            return true;
        }
    }

    private static void EnsureReaper()
    {
        if (ChildReaper.IsStarted)
        {
            return;
        }

        try
        {
            ChildReaper.Start(exit => TryDeliver(exit));
        }
        catch (InvalidOperationException)
        {
            // Someone started it in between; their callback is expected to offer exits here.
        }
    }
}
