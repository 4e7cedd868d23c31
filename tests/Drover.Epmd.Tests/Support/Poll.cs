namespace Drover.Epmd.Tests.Support;

internal static class Poll
{
    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes; true when it held.</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan? deadline = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var limit = deadline ?? TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                return false;
            }
            await Task.Delay(10);
        }
        return true;
    }

    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan? deadline = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var limit = deadline ?? TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                return false;
            }
            await Task.Delay(10);
        }
        return true;
    }
}
