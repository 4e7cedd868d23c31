using System.Threading.Channels;

namespace Drover.LocalMesos.Master;

/// <summary>
/// The one owner of the master's state: every HTTP call, timer, executor update and fault knob runs as a work item
/// on this loop, one at a time, so the state needs no locks. Work items are short and never block; slow I/O
/// (starting executors, writing to their streams) runs elsewhere and posts its result back.
/// </summary>
internal sealed class MasterLoop : IAsyncDisposable
{
    private readonly Channel<Action> _work = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _running;
    private readonly Action<string> _log;

    public MasterLoop(Action<string> log)
    {
        _log = log;
        _running = Task.Run(RunAsync);
    }

    /// <summary>Runs <paramref name="work"/> on the loop; false when the loop has stopped.</summary>
    public bool Post(Action work) => _work.Writer.TryWrite(work);

    /// <summary>Runs <paramref name="work"/> on the loop and returns its result.</summary>
    public Task<T> InvokeAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(() =>
            {
                try
                {
                    done.TrySetResult(work());
                }
                catch (Exception e)
                {
                    done.TrySetException(e);
                }
            }))
        {
            done.TrySetException(new ObjectDisposedException("the local Mesos master has stopped"));
        }

        return done.Task;
    }

    public Task InvokeAsync(Action work) => InvokeAsync(() =>
    {
        work();
        return true;
    });

    public async ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        await _running.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        await foreach (var work in _work.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                // A bug in one work item must not stop the master; it is logged loudly.
                _log($"BUG: a master work item threw: {e}");
            }
        }
    }
}
