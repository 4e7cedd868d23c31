using Drover.ZooKeeper;

namespace Drover.Scheduler.State;

/// <summary>
/// When this scheduler's ZooKeeper session, and with it its leadership, must be taken as lost: the server said so
/// (expired, authentication refused, the client closed), or no server has been reachable for longer than the
/// session timeout. The client learns of an expiry only from a server; with every server gone it would go on
/// reconnecting for ever, while the servers that come back have expired the session and a standby may lead (as
/// Curator's LOST after its SUSPENDED). <paramref name="lost"/> is called once, with the reason.
/// </summary>
public sealed class SessionWatch(TimeSpan sessionTimeout, TimeProvider time, Action<string> lost) : IDisposable
{
    private readonly Lock _gate = new();
    private ITimer? _unreachable;
    private bool _done;

    /// <summary>Feed every state the client reports (its <see cref="ZooKeeperClient.StateChanged"/>).</summary>
    public void OnStateChanged(ZooKeeperState state)
    {
        string? ended = null;
        lock (_gate)
        {
            if (_done)
            {
                return;
            }

            switch (state)
            {
                case ZooKeeperState.Connected or ZooKeeperState.ConnectedReadOnly:
                    _unreachable?.Dispose();
                    _unreachable = null;
                    break;
                case ZooKeeperState.Disconnected or ZooKeeperState.Connecting:
                    // From the first moment no server serves the session; reconnection attempts do not restart it.
                    _unreachable ??= time.CreateTimer(
                        _ => Lose($"no ZooKeeper server reachable for the session timeout ({sessionTimeout.TotalSeconds:0.#} s): the session is expired or about to be"),
                        null, sessionTimeout, Timeout.InfiniteTimeSpan);
                    break;
                default:
                    ended = state switch
                    {
                        ZooKeeperState.Expired => "ZooKeeper expired the session",
                        ZooKeeperState.AuthFailed => "ZooKeeper refused the session's authentication",
                        _ => $"the ZooKeeper session ended ({state})",
                    };
                    break;
            }
        }

        if (ended is not null)
        {
            Lose(ended);
        }
    }

    private void Lose(string reason)
    {
        lock (_gate)
        {
            if (_done)
            {
                return;
            }

            _done = true;
            _unreachable?.Dispose();
            _unreachable = null;
        }

        lost(reason);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _done = true;
            _unreachable?.Dispose();
            _unreachable = null;
        }
    }
}
