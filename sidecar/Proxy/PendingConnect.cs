using System.Net.Sockets;

namespace Drover.Sidecar.Proxy;

/// <summary>
/// A non-blocking connect in progress, watched by a loop until the socket becomes writable (connected or
/// failed: the caller reads SO_ERROR) or its timeout cancels the wait. The loop takes the socket out of its
/// set before the wait completes, so the caller may close it at once.
/// </summary>
internal sealed class PendingConnect(ForwardingLoop loop, Socket socket) : IPolled
{
    private readonly TaskCompletionSource _writable = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _fd = (int)socket.SafeHandle.DangerousGetHandle();
    private int _slot = -1;
    private bool _done;

    public ForwardingLoop Loop => loop;

    public Task Writable => _writable.Task;

    /// <summary>On the loop's thread.</summary>
    public void Watch()
    {
        if (_done)
        {
            return;
        }
        try
        {
            _slot = loop.Watch(this, Native.EPOLLOUT, _fd);
        }
        catch (IOException e)
        {
            _done = true;
            _writable.TrySetException(e);
        }
    }

    /// <summary>On the loop's thread: the timeout passed (or the loop stops) before the connect ended.</summary>
    public void Cancel()
    {
        if (!_done)
        {
            Finish();
            _writable.TrySetCanceled();
        }
    }

    /// <summary>The loop no longer runs.</summary>
    public void Refuse() => _writable.TrySetException(new ObjectDisposedException(nameof(Forwarder), "the proxy's forwarding loops have stopped"));

    void IPolled.OnEvents(uint events, int side)
    {
        if (!_done)
        {
            Finish();
            _writable.TrySetResult();
        }
    }

    private void Finish()
    {
        _done = true;
        if (_slot >= 0)
        {
            loop.Unwatch(_fd);
            loop.Release(_slot);
            _slot = -1;
        }
    }
}
