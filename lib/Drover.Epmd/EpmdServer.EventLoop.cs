using System.Net.Sockets;
using Drover.Epmd.Protocol;

namespace Drover.Epmd;

public sealed partial class EpmdServer
{
    /// <summary>
    /// The accept-and-read loop (epmd's <c>select</c> loop): owns the listener and every connection until its
    /// request is complete, then hands the connection to <see cref="ServeAsync"/>, which answers inline.
    /// Runs on one dedicated thread; nothing else touches a connection while <see cref="EpmdConnection.InEventLoop"/>.
    /// </summary>
    private sealed class EventLoop(EpmdServer server, Socket listener)
    {
        private readonly Dictionary<Socket, EpmdConnection> _reading = new(ReferenceEqualityComparer.Instance);
        private readonly List<Socket> _ready = [];
        private readonly int _pollMicroseconds = (int)Math.Clamp(server._options.IdleTimeout.TotalMicroseconds / 4, 1_000, 100_000);
        private readonly long _idleLimit = (long)server._options.IdleTimeout.TotalMilliseconds;
        private long _nextIdleCheck;

        public void Run()
        {
            try
            {
                while (!server._stopping.IsCancellationRequested)
                {
                    if (!Poll())
                    {
                        return;
                    }
                    foreach (Socket socket in _ready)
                    {
                        if (ReferenceEquals(socket, listener))
                        {
                            Accept();
                        }
                        else if (_reading.TryGetValue(socket, out EpmdConnection? connection))
                        {
                            Read(connection);
                        }
                    }
                    CloseIdle();
                }
            }
            finally
            {
                foreach (EpmdConnection connection in _reading.Values)
                {
                    HandOff(connection, received: 0);
                }
                _reading.Clear();
            }
        }

        private bool Poll()
        {
            _ready.Clear();
            _ready.Add(listener);
            _ready.AddRange(_reading.Keys);
            try
            {
                Socket.Select(_ready, null, null, _pollMicroseconds);
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false; // the listener was closed: the server is stopping
            }
            catch (SocketException)
            {
                return !server._stopping.IsCancellationRequested;
            }
        }

        // One accept per readiness, as epmd does; the next poll sees the rest of the backlog at once.
        private void Accept()
        {
            Socket socket;
            try
            {
                socket = listener.Accept();
            }
            catch (SocketException)
            {
                return; // gone before we took it (ECONNABORTED), or nothing after all (EAGAIN)
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (server.Admit(socket) is not EpmdConnection connection)
            {
                return;
            }
            try
            {
                socket.Blocking = false;
            }
            catch (SocketException)
            {
                HandOff(connection, received: 0);
                return;
            }
            _reading[socket] = connection;
            Read(connection); // the request is often in already
        }

        private void Read(EpmdConnection connection)
        {
            byte[] buffer = connection.Buffer;
            int size = EpmdFrameReader.NextReadSize(buffer.AsSpan(0, connection.Received));
            int read = connection.Socket.Receive(buffer, connection.Received, size, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock)
            {
                return;
            }
            if (error != SocketError.Success || read == 0)
            {
                if (connection.Received > 0)
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

        private void Finish(EpmdConnection connection, int received)
        {
            _reading.Remove(connection.Socket);
            HandOff(connection, received);
        }

        private void HandOff(EpmdConnection connection, int received)
        {
            connection.InEventLoop = false;
            _ = server.ServeAsync(connection, received);
        }

        private void CloseIdle()
        {
            long now = Environment.TickCount64;
            if (now < _nextIdleCheck || _reading.Count == 0)
            {
                return;
            }
            _nextIdleCheck = now + _pollMicroseconds / 1000;
            List<EpmdConnection>? idle = null;
            foreach (EpmdConnection connection in _reading.Values)
            {
                if (now - connection.LastActivity > _idleLimit)
                {
                    (idle ??= []).Add(connection);
                }
            }
            foreach (EpmdConnection connection in idle ?? [])
            {
                server.Counters.IdleTimeout();
                Finish(connection, received: 0);
            }
        }
    }
}
