using System.Buffers;
using System.Net.Sockets;
using Drover.Metrics;

namespace Drover.Sidecar.Proxy;

/// <summary>
/// One client connection spliced to one node, forwarded by one <see cref="ForwardingLoop"/>: two flows,
/// client to node and node to client. Each reads into a buffer of its own (pooled, kept for the
/// connection's life) and writes all of it before it reads again, so a node that does not read stops the
/// reading of its client (backpressure) and a connection holds at most two buffers. End of stream on one
/// side is passed on as a half-close (shutdown of the other side's sending); the connection closes when
/// both directions have ended, or at once on an error or <see cref="Abort"/>. Forwarding allocates
/// nothing: the loop calls recv and send on the descriptors with the same two buffers.
/// </summary>
public sealed class ProxyConnection : IPolled
{
    private const int New = 0;
    private const int Started = 1;
    private const int Closed = 2;

    /// <summary>Reads per flow per turn: a connection with data always waiting does not starve the loop's others.</summary>
    private const int ReadsPerTurn = 16;

    private readonly Socket _client;
    private readonly Socket _upstream;
    private readonly int _bufferSize;
    private readonly ForwardingLoop _loop;
    private readonly Side _clientSide;
    private readonly Side _upstreamSide;
    private readonly Flow _up;
    private readonly Flow _down;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state;
    private volatile bool _abortRequested;
    private int _slot = -1;
    private bool _queuedAgain;

    public ProxyConnection(Socket client, Socket upstream, Backend backend, Forwarder forwarder, int bufferSize, CounterChild upstreamBytes, CounterChild downstreamBytes)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(forwarder);
        _client = client;
        _upstream = upstream;
        Backend = backend;
        _bufferSize = bufferSize;
        _loop = forwarder.NextLoop();
        _clientSide = new Side((int)client.SafeHandle.DangerousGetHandle());
        _upstreamSide = new Side((int)upstream.SafeHandle.DangerousGetHandle());
        _up = new Flow(_clientSide, _upstreamSide, upstreamBytes);
        _down = new Flow(_upstreamSide, _clientSide, downstreamBytes);
    }

    public Backend Backend { get; }

    /// <summary>Hands the connection to its loop; completes when both directions have ended and both sockets are closed.</summary>
    public Task RunAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Started, New) == New)
        {
            _loop.Post(ForwardingLoop.CommandKind.Start, this);
        }
        return _closed.Task;
    }

    /// <summary>Closes both sides now (the node left under the close policy, or the sidecar stops). Any thread.</summary>
    public void Abort()
    {
        _abortRequested = true;
        switch (Interlocked.CompareExchange(ref _state, Closed, New))
        {
            case New:
                // Never started: nothing but this thread knows the sockets.
                DisposeSockets();
                _closed.TrySetResult();
                break;
            case Started:
                _loop.Post(ForwardingLoop.CommandKind.Abort, this);
                break;
        }
    }

    /// <summary>On the loop's thread: the connection joins the loop's set; its sockets' current readiness comes as a first event.</summary>
    internal void Attach()
    {
        if (_abortRequested || Volatile.Read(ref _state) == Closed)
        {
            Close();
            return;
        }
        try
        {
            // Non-blocking, for the loop's recv and send; never used through the Socket objects again.
            _client.Blocking = false;
            _upstream.Blocking = false;
            _slot = _loop.Watch(this, Native.EPOLLIN | Native.EPOLLOUT | Native.EPOLLRDHUP, _clientSide.Fd, _upstreamSide.Fd);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Close();
            return;
        }
        _up.Rent(_bufferSize);
        _down.Rent(_bufferSize);
    }

    void IPolled.OnEvents(uint events, int side)
    {
        var which = side == 0 ? _clientSide : _upstreamSide;
        if ((events & (Native.EPOLLIN | Native.EPOLLRDHUP | Native.EPOLLHUP | Native.EPOLLERR)) != 0)
        {
            which.Readable = true;
        }
        if ((events & (Native.EPOLLRDHUP | Native.EPOLLHUP | Native.EPOLLERR)) != 0)
        {
            // The end (or an error) is already there: read until recv says so, not until a short read.
            which.Ending = true;
        }
        if ((events & (Native.EPOLLOUT | Native.EPOLLHUP | Native.EPOLLERR)) != 0)
        {
            which.Writable = true;
        }
        Turn();
    }

    /// <summary>On the loop's thread: moves what can be moved both ways, then closes or waits for the next event.</summary>
    internal void Turn()
    {
        if (_slot < 0)
        {
            return;
        }
        var up = _up.Pump();
        var down = _down.Pump();
        if (up == Flow.Result.Failed || down == Flow.Result.Failed || (_up.Ended && _down.Ended))
        {
            // A reset or a closed socket ends the whole connection, not just one direction.
            Close();
            return;
        }
        if ((up == Flow.Result.TurnOver || down == Flow.Result.TurnOver) && !_queuedAgain)
        {
            _queuedAgain = true;
            _loop.Again(this);
        }
    }

    /// <summary>On the loop's thread: the turn it was promised after its reads were spent.</summary>
    internal void Resume()
    {
        _queuedAgain = false;
        Turn();
    }

    /// <summary>On the loop's thread: closes both sockets (which takes them out of the loop's set) once.</summary>
    internal void Close()
    {
        var previous = Interlocked.Exchange(ref _state, Closed);
        if (_slot >= 0)
        {
            _loop.Release(_slot);
            _slot = -1;
            _up.Return();
            _down.Return();
        }
        else if (previous == Closed)
        {
            return;
        }
        DisposeSockets();
        _closed.TrySetResult();
    }

    /// <summary>A loop that stopped before it took the connection: closed where it stands.</summary>
    internal void CloseUnattached()
    {
        if (Interlocked.Exchange(ref _state, Closed) != Closed)
        {
            DisposeSockets();
            _closed.TrySetResult();
        }
    }

    private void DisposeSockets()
    {
        _client.Dispose();
        _upstream.Dispose();
    }

    /// <summary>One socket as the loop knows it: whether a read or a write may succeed now.</summary>
    private sealed class Side(int fd)
    {
        public int Fd { get; } = fd;

        public bool Readable { get; set; }

        /// <summary>End of stream, or an error, is pending: a short read does not mean the socket is empty.</summary>
        public bool Ending { get; set; }

        public bool Writable { get; set; } = true;
    }

    /// <summary>One direction: read from one side into the buffer, write all of it to the other, again.</summary>
    private sealed unsafe class Flow(Side from, Side to, CounterChild bytes)
    {
        private byte[] _buffer = [];
        private int _size;
        private int _offset;
        private int _pending;

        public enum Result
        {
            /// <summary>Nothing more to do until the next event.</summary>
            Waiting,

            /// <summary>Data may be left, but this turn's reads are spent.</summary>
            TurnOver,

            /// <summary>End of stream read and passed on.</summary>
            Ended,

            Failed,
        }

        public bool Ended { get; private set; }

        public void Rent(int size)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(size);
            _size = size;
        }

        public void Return()
        {
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = [];
            }
        }

        public Result Pump()
        {
            var reads = ReadsPerTurn;
            fixed (byte* buffer = _buffer)
            {
                while (true)
                {
                    if (_pending > 0)
                    {
                        if (!to.Writable)
                        {
                            return Result.Waiting;
                        }
                        var sent = Native.Send(to.Fd, buffer + _offset, _pending, Native.MSG_NOSIGNAL | Native.MSG_DONTWAIT);
                        if (sent < 0)
                        {
                            var errno = Native.Errno;
                            if (errno == Native.EINTR)
                            {
                                continue;
                            }
                            if (errno != Native.EAGAIN)
                            {
                                return Result.Failed;
                            }
                            to.Writable = false;
                            return Result.Waiting;
                        }
                        bytes.Inc(sent);
                        _offset += (int)sent;
                        _pending -= (int)sent;
                        if (_pending > 0)
                        {
                            // Its send buffer is full: EPOLLOUT comes when the node (or client) has read some.
                            to.Writable = false;
                            return Result.Waiting;
                        }
                        continue;
                    }
                    if (Ended)
                    {
                        return Result.Ended;
                    }
                    if (!from.Readable)
                    {
                        return Result.Waiting;
                    }
                    if (reads-- == 0)
                    {
                        return Result.TurnOver;
                    }
                    var read = Native.Receive(from.Fd, buffer, _size, Native.MSG_DONTWAIT);
                    if (read > 0)
                    {
                        _offset = 0;
                        _pending = (int)read;
                        if (read < _size && !from.Ending)
                        {
                            // A short read emptied the socket; the next segment brings an edge. Safe without a
                            // read to EAGAIN (which would cost a second recv per message): with EPOLLET the
                            // kernel queues the socket as ready again on every arrival after epoll_wait took its
                            // last event, so bytes that land during or after this recv wake the loop again
                            // (nginx trusts a short read the same way). Examined for issue 13's hang: the
                            // lost wake-up was the loop's command queue (ForwardingLoop.RunCommands), not this.
                            from.Readable = false;
                        }
                        continue;
                    }
                    if (read == 0)
                    {
                        // End of stream: pass the half-close on; the other direction goes on.
                        Ended = true;
                        return Native.Shutdown(to.Fd, Native.SHUT_WR) == 0 || Native.Errno == Native.ENOTCONN ? Result.Ended : Result.Failed;
                    }
                    var error = Native.Errno;
                    if (error == Native.EINTR)
                    {
                        continue;
                    }
                    if (error != Native.EAGAIN)
                    {
                        return Result.Failed;
                    }
                    from.Readable = false;
                    return Result.Waiting;
                }
            }
        }
    }
}
