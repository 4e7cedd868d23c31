using Drover.Epmd.Protocol;
using Drover.Posix;

namespace Drover.Epmd;

public sealed partial class EpmdServer
{
    /// <summary>
    /// The accept-and-read loop (epmd's <c>select</c> loop): owns the listener and every connection until its
    /// request is complete, then hands the connection to <see cref="ServeAsync"/>, which answers inline.
    /// Runs on one dedicated thread over plain descriptors; nothing else touches a connection while
    /// <see cref="EpmdConnection.InEventLoop"/>. Stopping shuts the listener down, which wakes the poll.
    /// </summary>
    private sealed class EventLoop(EpmdServer server, int listener)
    {
        // Out of descriptors: leave the backlog alone this long rather than spin on a level-triggered poll.
        private const int AcceptPauseMilliseconds = 50;

        private const int AcceptBatch = 16;

        private readonly Dictionary<int, EpmdConnection> _reading = [];
        private readonly int _pollMilliseconds = (int)Math.Clamp(server._options.IdleTimeout.TotalMilliseconds / 4, 1, 100);
        private readonly long _idleLimit = (long)server._options.IdleTimeout.TotalMilliseconds;
        private PollEntry[] _entries = new PollEntry[16];
        private long _nextIdleCheck;
        private long _acceptPausedUntil;

        public void Run()
        {
            try
            {
                while (!server._stopping.IsCancellationRequested)
                {
                    var count = Poll();
                    for (var i = 0; i < count; i++)
                    {
                        var entry = _entries[i];
                        if (entry.Returned == PollEvents.None)
                        {
                            continue;
                        }
                        if (entry.Fd == listener)
                        {
                            Accept();
                        }
                        else if (_reading.TryGetValue(entry.Fd, out var connection))
                        {
                            Read(connection);
                        }
                    }
                    CloseIdle();
                }
            }
            finally
            {
                foreach (var connection in _reading.Values)
                {
                    HandOff(connection, received: 0);
                }
                _reading.Clear();
            }
        }

        /// <summary>Polls the listener (unless paused) and every connection being read; returns how many entries were polled.</summary>
        private int Poll()
        {
            var count = _reading.Count + 1;
            if (_entries.Length < count)
            {
                _entries = new PollEntry[Math.Max(count, _entries.Length * 2)];
            }
            var n = 0;
            if (Environment.TickCount64 >= _acceptPausedUntil)
            {
                _entries[n++] = new PollEntry(listener, PollEvents.In, PollEvents.None);
            }
            foreach (var fd in _reading.Keys)
            {
                _entries[n++] = new PollEntry(fd, PollEvents.In, PollEvents.None);
            }
            // Readiness wakes the poll; its timeout only paces the idle sweep. EINTR: look again.
            return SocketFd.Poll(_entries.AsSpan(0, n), _pollMilliseconds, out _) < 0 ? 0 : n;
        }

        /// <summary>
        /// Takes what the backlog holds, up to <see cref="AcceptBatch"/> connections, reading each at once (the
        /// request is often in already). epmd takes one per <c>select</c>; under load a batch saves a poll over
        /// every connection for each lookup, and the bound keeps connections already being read from waiting.
        /// </summary>
        private void Accept()
        {
            for (var i = 0; i < AcceptBatch; i++)
            {
                var fd = SocketFd.Accept(listener, out var errno);
                if (fd < 0)
                {
                    // EAGAIN: the backlog is empty; ECONNABORTED: gone before we took it; EINVAL: stopping.
                    if (errno is Errno.EMFILE or Errno.ENFILE or Errno.ENOMEM or Errno.ENOBUFS)
                    {
                        server.Counters.ConnectionRefused();
                        _acceptPausedUntil = Environment.TickCount64 + AcceptPauseMilliseconds;
                    }
                    if (errno != Errno.ECONNABORTED)
                    {
                        return;
                    }
                    continue;
                }
                if (server.Admit(fd) is not EpmdConnection connection)
                {
                    continue;
                }
                _reading[fd] = connection;
                Read(connection);
            }
        }

        private void Read(EpmdConnection connection)
        {
            var buffer = connection.Buffer;
            var size = EpmdFrameReader.NextReadSize(buffer.AsSpan(0, connection.Received));
            var read = connection.Receive(buffer.AsSpan(connection.Received, size), out var errno);
            if (read < 0 && errno == Errno.EAGAIN)
            {
                return;
            }
            if (read <= 0)
            {
                if (connection.Received > 0 && !connection.Slot.IsEvicted)
                {
                    server.Counters.Rejected(); // half a request, then the peer closed or failed
                }
                Finish(connection, received: 0);
                return;
            }
            connection.Received += read;
            connection.Touch();
            switch (EpmdFrameReader.TryRead(buffer.AsSpan(0, connection.Received), out _))
            {
                case EpmdFrameStatus.Incomplete:
                    return;
                case EpmdFrameStatus.Complete:
                    Finish(connection, connection.Received);
                    return;
                default:
                    server.Counters.Rejected(); // invalid length, or more than declared
                    Finish(connection, received: 0);
                    return;
            }
        }

        /// <summary>Out of the loop: to be answered (a whole request, unless a newcomer evicted it first) or cleaned up.</summary>
        private void Finish(EpmdConnection connection, int received)
        {
            _reading.Remove(connection.Fd);
            HandOff(connection, received > 0 && connection.Slot.Busy() ? received : 0);
        }

        private void HandOff(EpmdConnection connection, int received)
        {
            connection.InEventLoop = false;
            _ = server.ServeAsync(connection, received);
        }

        private void CloseIdle()
        {
            var now = Environment.TickCount64;
            if (now < _nextIdleCheck || _reading.Count == 0)
            {
                return;
            }
            _nextIdleCheck = now + _pollMilliseconds;
            List<EpmdConnection>? idle = null;
            foreach (var connection in _reading.Values)
            {
                if (now - connection.LastActivity > _idleLimit)
                {
                    (idle ??= []).Add(connection);
                }
            }
            foreach (var connection in idle ?? [])
            {
                server.Counters.IdleTimeout();
                Finish(connection, received: 0);
            }
        }
    }
}
