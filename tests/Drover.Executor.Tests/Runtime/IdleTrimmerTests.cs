using Drover.Executor.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace Drover.Executor.Tests.Runtime;

public class IdleTrimmerTests
{
    [Fact]
    public void Trims_OnceAfterAQuietPeriod_AgainOnlyAfterNewActivity()
    {
        var time = new FakeTimeProvider();
        long activity = 0;
        var trims = 0;
        using var trimmer = new IdleTrimmer(() => activity, TimeSpan.FromSeconds(5), time, () => trims++).Start();

        time.Advance(TimeSpan.FromSeconds(5)); // first look: activity seen
        Assert.Equal(0, trims);
        time.Advance(TimeSpan.FromSeconds(5)); // quiet since: trim
        Assert.Equal(1, trims);
        time.Advance(TimeSpan.FromSeconds(50)); // still quiet: nothing more to give back
        Assert.Equal(1, trims);

        activity++;
        time.Advance(TimeSpan.FromSeconds(5)); // busy again: wait
        Assert.Equal(1, trims);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, trims);
    }

    [Fact]
    public void NeverTrims_WhileEventsKeepComing()
    {
        var time = new FakeTimeProvider();
        long activity = 0;
        var trims = 0;
        using var trimmer = new IdleTrimmer(() => activity, TimeSpan.FromSeconds(5), time, () => trims++).Start();

        for (var i = 0; i < 20; i++)
        {
            activity++;
            time.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.Equal(0, trims);
    }
}
