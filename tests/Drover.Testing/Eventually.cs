namespace Drover.Testing;

/// <summary>Polls a condition until it holds or a deadline passes: tests wait for facts, not for time.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How often the condition is asked again: the wait ends at most this long after the fact holds. It is the
    /// poll of the wait, not a wait for time: the deadline alone decides failure.
    /// </summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        TrueAsync(condition, () => what, timeout);

    /// <summary>
    /// As above, with the description made when the wait fails: it can show what the peer has printed by then
    /// (a node's output, a server's counters).
    /// </summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var deadline = new CancellationTokenSource(limit);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw TimedOut(limit, what());
            }
            await Task.Delay(PollInterval);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), () => what, timeout);

    public static Task TrueAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>
    /// The blocking form, for synchronous tests (process supervision tests polling /proc): the same wait as
    /// <see cref="TrueAsync(Func{Task{bool}}, Func{string}, TimeSpan?)"/>, run off the test's synchronization context
    /// and blocked on.
    /// </summary>
    public static void True(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        Task.Run(() => TrueAsync(condition, what, timeout)).GetAwaiter().GetResult();

    /// <summary>Awaits a task with a bound, naming what was awaited if it does not finish: a test never hangs.</summary>
    public static async Task<T> Within<T>(this Task<T> task, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        try
        {
            return await task.WaitAsync(limit);
        }
        catch (TimeoutException e) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {what}.", e);
        }
    }

    public static async Task Within(this Task task, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        try
        {
            await task.WaitAsync(limit);
        }
        catch (TimeoutException e) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {what}.", e);
        }
    }

    private static TimeoutException TimedOut(TimeSpan limit, string what) =>
        new($"Timed out after {limit.TotalSeconds:0.#} s waiting for {what}.");
}
