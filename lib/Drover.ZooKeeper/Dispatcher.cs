using System.Threading.Channels;

namespace Drover.ZooKeeper;

/// <summary>
/// Runs watch callbacks and state-change handlers one at a time, in the order the connection produced
/// them (the official client's EventThread). A reply read while callbacks are queued is handed to its
/// caller only after they ran (<see cref="IsBusy"/>, then a post): that is ZooKeeper's guarantee, a watcher sees
/// the event for a change before the caller sees a reply that reflects the change. Callbacks must not
/// block: a callback that synchronously waits for a ZooKeeper reply may wait forever, because the reply
/// can be held behind it.
/// </summary>
internal sealed class Dispatcher
{
    private readonly Channel<Action> _queue = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<Exception> _onCallbackError;
    private readonly Task _loop;
    // Actions posted and not yet finished; 0 means every earlier callback has run.
    private int _queued;

    public Dispatcher(Action<Exception> onCallbackError)
    {
        _onCallbackError = onCallbackError;
        _loop = Task.Run(RunAsync);
    }

    public Task Completion => _loop;

    public void Post(Action action)
    {
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(action))
        {
            // Completed: the client is finished; run it here so no completion is ever lost.
            Run(action);
            Interlocked.Decrement(ref _queued);
        }
    }

    /// <summary>Whether callbacks are queued or running; false means every callback posted so far has run.</summary>
    public bool IsBusy => Volatile.Read(ref _queued) != 0;

    /// <summary>No more posts: the loop ends once what is queued has run.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    private async Task RunAsync()
    {
        await foreach (var action in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            Run(action);
            Interlocked.Decrement(ref _queued);
        }
    }

    private void Run(Action action)
    {
        try
        {
            action();
        }
#pragma warning disable CA1031 // A watcher's exception must not stop the delivery of later events.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _onCallbackError(e);
        }
    }
}
