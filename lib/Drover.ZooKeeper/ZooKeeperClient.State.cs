namespace Drover.ZooKeeper;

/// <summary>The session's state: changes, announcements, and those who wait for them.</summary>
public sealed partial class ZooKeeperClient
{
    /// <summary>Waits until the client is in <paramref name="state"/>; throws if it ends in another terminal state first.</summary>
    public async Task WaitForStateAsync(ZooKeeperState state, CancellationToken cancellationToken = default)
    {
        var reached = await WaitForStateAsync(s => s == state || s.IsTerminal(), cancellationToken).ConfigureAwait(false);
        if (reached != state)
        {
            throw TerminalError(reached, LastConnectionError);
        }
    }

    /// <summary>Waits until the state satisfies <paramref name="predicate"/> and returns that state.</summary>
    public Task<ZooKeeperState> WaitForStateAsync(Func<ZooKeeperState, bool> predicate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var waiter = new StateWaiter(predicate);
        lock (_gate)
        {
            var state = _state;
            if (predicate(state))
            {
                // Through the dispatcher, behind the announcement of this state: a caller that sees
                // the state returned knows its watchers and handlers were told already.
                _dispatcher.Post(() => waiter.Completion.TrySetResult(state));
            }
            else
            {
                _stateWaiters.Add(waiter);
            }
        }
        return waiter.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Changes the state, tells StateChanged and every watcher, then wakes those waiting for it (all in
    /// dispatcher order). Terminal states are final and drop every watch.
    /// </summary>
    private void SetState(ZooKeeperState state, KeeperState eventState)
    {
        List<(StateWaiter Waiter, bool Satisfied)> woken = [];
        lock (_gate)
        {
            if (_state == state || _state.IsTerminal())
            {
                return;
            }
            _state = state;
            foreach (var waiter in _stateWaiters)
            {
                var satisfied = waiter.Predicate(state);
                if (satisfied || state.IsTerminal())
                {
                    woken.Add((waiter, satisfied));
                }
            }
            _stateWaiters.RemoveAll(w => woken.Exists(x => x.Waiter == w));
        }
        Announce(state, eventState);
        // Woken after the handlers and watchers were told: whoever awaited this state sees a world
        // in which everyone else has heard of it too.
        var error = state.IsTerminal() ? TerminalError(state, LastConnectionError) : null;
        _dispatcher.Post(() =>
        {
            foreach (var (waiter, satisfied) in woken)
            {
                if (satisfied)
                {
                    waiter.Completion.TrySetResult(state);
                }
                else
                {
                    waiter.Completion.TrySetException(error!);
                }
            }
        });
    }

    private void Announce(ZooKeeperState state, KeeperState eventState)
    {
        var watchedEvent = new WatchedEvent(EventType.None, eventState, null);
        var watchers = _watches.All(clear: state.IsTerminal());
        if (_options.DefaultWatcher is { } defaultWatcher)
        {
            watchers.Add(defaultWatcher);
        }
        _dispatcher.Post(() => StateChanged?.Invoke(this, state));
        foreach (var watcher in watchers)
        {
            _dispatcher.Post(() => watcher(watchedEvent));
        }
    }

    private KeeperException TerminalError(ZooKeeperState state, Exception? cause) => state switch
    {
        ZooKeeperState.Expired => new SessionExpiredException(null, $"Session 0x{SessionId:x} has expired.", cause),
        ZooKeeperState.AuthFailed => new AuthFailedException(null, "The server refused the client's credentials.", cause),
        ZooKeeperState.Closed => new SessionExpiredException(null, "The client is closed.", cause),
        _ => new ConnectionLossException(null, $"Not connected (state {state}).", cause),
    };

    private sealed class StateWaiter(Func<ZooKeeperState, bool> predicate)
    {
        public Func<ZooKeeperState, bool> Predicate { get; } = predicate;

        public TaskCompletionSource<ZooKeeperState> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
