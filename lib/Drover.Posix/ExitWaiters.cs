namespace Drover.Posix;

/// <summary>
/// Lets code outside the executor's event loop (a probe running nodetool, an admin operation, a JMX helper)
/// start a child and await its exit, although <see cref="ChildReaper"/> is the only code that may wait for
/// children. The reaper's callback offers every exit to <see cref="TryDeliver"/> first; exits of pids spawned
/// here complete their task, every other exit goes on to the caller's own handling.
/// </summary>
/// <remarks>
/// <para>Without a reaper (a tool or a test process, which may also run System.Diagnostics.Process children
/// that a waitpid(-1) would steal) each child spawned here gets a thread of its own that waits for that pid
/// only. If a reaper starts later and takes the status first, it offers it here, and the pid's thread, told
/// ECHILD, simply ends.</para>
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
    /// A process running <see cref="ChildReaper"/> must offer every exit to <see cref="TryDeliver"/> from the
    /// reaper's callback (the executor does); without a reaper the pid is waited for by a thread of its own.
    /// </summary>
    public static SpawnedProcess Spawn(SpawnRequest request, out Task<ChildExit> exited)
    {
        ArgumentNullException.ThrowIfNull(request);
        SpawnedProcess spawned;
        lock (Gate)
        {
            spawned = ProcessSpawner.Spawn(request);
            var source = new TaskCompletionSource<ChildExit>(TaskCreationOptions.RunContinuationsAsynchronously);
            Waiting[spawned.Pid] = source;
            exited = source.Task;
        }

        if (!ChildReaper.IsStarted)
        {
            var pid = spawned.Pid;
            new Thread(() => WaitFor(pid)) { IsBackground = true, Name = $"drover-wait-{pid}" }.Start();
        }

        return spawned;
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

    private static unsafe void WaitFor(int pid)
    {
        int status;
        int result;
        do
        {
            result = Interop.Libc.waitpid(pid, &status, Interop.Libc.__WALL);
        }
        while (result < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == (int)Errno.EINTR);

        if (result == pid)
        {
            TryDeliver(ChildExit.FromWaitStatus(pid, status));
        }

        // ECHILD: a reaper started meanwhile took the status and offered it here already.
    }
}
