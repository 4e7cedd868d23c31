using System.Net.Sockets;
using System.Threading.Channels;
using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>What one wait in poll() found.</summary>
internal readonly record struct Readiness(bool Readable, bool Writable, bool Woken);

/// <summary>
/// The connection's thread once the session is established: it waits in poll() on the socket and the
/// waker, reads and hands out whatever arrived, and writes what callers left to it (queued requests, the
/// rest of a send the socket did not take whole). At one request in flight a round trip costs this
/// thread one wake-up, and nothing else of ours runs in between.
/// </summary>
internal sealed partial class Connection
{
    // Only the thread that waits touches these: the poll lists are refilled at every wait.
    private readonly List<Socket> _readable = new(2);
    private readonly List<Socket> _writable = new(1);

    /// <summary>Under _lock: starts a thread that serves the connection as <paramref name="generation"/>.</summary>
    private void StartServing(int generation) =>
        StartThread($"ZooKeeper {Server}", () =>
        {
            try
            {
                Serve(_session!, _outgoing!, generation);
            }
#pragma warning disable CA1031 // Every fault of the thread is a reason to break the connection; the first one is kept.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Break(e);
                StopServing(_session!);
            }
        });

    /// <summary>Serves until the connection breaks (an exception) or another thread takes over (a return).</summary>
    private void Serve(IConnectionOwner owner, ChannelReader<Request> outgoing, int generation)
    {
        // First the first requests, and whatever was queued while disconnected or left by an earlier thread.
        var write = true;
        while (HandOver(generation))
        {
            if (write)
            {
                WriteLeftOver(owner, outgoing);
            }
            var ready = Wait(forWrite: _sending, micros: -1);
            if (ready.Readable)
            {
                ReadAvailable(owner);
            }
            // Whoever queues a request, leaves bytes unsent or clears a reply rings the waker afterwards.
            write = ready.Writable || ready.Woken;
        }
    }

    /// <summary>
    /// Waits until the socket is readable (or writable, <paramref name="forWrite"/>), the waker rang, or
    /// <paramref name="micros"/> passed (-1: no limit). Throws the reason once the connection is broken.
    /// </summary>
    private Readiness Wait(bool forWrite, int micros)
    {
        var socket = _socket!;
        _readable.Clear();
        _readable.Add(socket);
        _readable.Add(_waker.Socket);
        _writable.Clear();
        if (forWrite)
        {
            _writable.Add(socket);
        }
        Socket.Select(_readable, forWrite ? _writable : null, null, micros);
        var woken = _readable.Contains(_waker.Socket);
        if (woken)
        {
            _waker.Drain();
        }
        ThrowIfBroken();
        return new Readiness(_readable.Contains(socket), forWrite && _writable.Contains(socket), woken);
    }

    /// <summary>Stops the thread once the connection is broken (the reason is already recorded).</summary>
    private void ThrowIfBroken()
    {
        if (Volatile.Read(ref _breakReason) is not null)
        {
            throw new OperationCanceledException("The connection is broken.");
        }
    }
}
