using Drover.Scheduler.State;
using Drover.ZooKeeper;
using Microsoft.Extensions.Time.Testing;

namespace Drover.Scheduler.Tests;

public class SessionWatchTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly List<string> _lost = [];

    private SessionWatch Watch() => new(Timeout, _time, _lost.Add);

    [Fact]
    public void Unreachable_ForTheSessionTimeout_IsLost_Once()
    {
        using var watch = Watch();
        watch.OnStateChanged(ZooKeeperState.Connected);
        watch.OnStateChanged(ZooKeeperState.Disconnected);
        _time.Advance(Timeout / 2);
        // Reconnection attempts do not restart the clock: the server counts from the last time it heard of us.
        watch.OnStateChanged(ZooKeeperState.Connecting);
        watch.OnStateChanged(ZooKeeperState.Disconnected);
        Assert.Empty(_lost);

        _time.Advance(Timeout / 2);
        _time.Advance(Timeout * 3);
        watch.OnStateChanged(ZooKeeperState.Expired);

        Assert.Equal(["no ZooKeeper server reachable for the session timeout (10 s): the session is expired or about to be"], _lost);
    }

    [Fact]
    public void Reconnected_WithinTheSessionTimeout_IsNotLost()
    {
        using var watch = Watch();
        watch.OnStateChanged(ZooKeeperState.Connected);
        watch.OnStateChanged(ZooKeeperState.Disconnected);
        _time.Advance(Timeout - TimeSpan.FromSeconds(1));
        watch.OnStateChanged(ZooKeeperState.Connected);
        _time.Advance(Timeout * 5);

        Assert.Empty(_lost);

        // A later loss counts afresh.
        watch.OnStateChanged(ZooKeeperState.Disconnected);
        _time.Advance(Timeout);
        Assert.Single(_lost);
    }

    [Theory]
    [InlineData(ZooKeeperState.Expired, "ZooKeeper expired the session")]
    [InlineData(ZooKeeperState.AuthFailed, "ZooKeeper refused the session's authentication")]
    [InlineData(ZooKeeperState.Closed, "the ZooKeeper session ended (Closed)")]
    public void TheSessionEnded_IsLost_AtOnce(ZooKeeperState state, string reason)
    {
        using var watch = Watch();
        watch.OnStateChanged(ZooKeeperState.Connected);
        watch.OnStateChanged(ZooKeeperState.Disconnected);
        watch.OnStateChanged(state);
        _time.Advance(Timeout * 2);

        Assert.Equal([reason], _lost);
    }
}
