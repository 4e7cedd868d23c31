using System.Threading.Channels;
using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>
/// Runs watch callbacks, state-change handlers and request completions one at a time, in the order the
/// connection produced them (the official client's EventThread). That order is ZooKeeper's guarantee: a
/// watcher sees the event for a change before the caller sees a reply that reflects the change. Callbacks
/// must not block: a callback that synchronously waits for a ZooKeeper reply waits forever, because the
/// reply is queued behind it.
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

    /// <summary>
    /// Completes a request: at once on the calling thread (the connection's reader) when nothing is queued
    /// or running, else behind what is. Only for completions that run no caller code (continuations are
    /// asynchronous): then the order guarantee holds (every earlier callback has run) and the reply skips
    /// the hand-off to the dispatcher, a thread-pool work item per request.
    /// </summary>
    public void Publish(Request request)
    {
        if (Volatile.Read(ref _queued) == 0)
        {
            request.Publish();
        }
        else
        {
            Post(request.Publish);
        }
    }

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
