using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Drover.ZooKeeper.Jute;
using Drover.ZooKeeper.Protocol;

namespace Drover.ZooKeeper.Tests.Support;

/// <summary>
/// A scripted ZooKeeper server on a loopback socket, built on the client's own codec, for replies no
/// real server sends: truncated, malformed, oversized, out of order, or none at all.
/// </summary>
public sealed class FakeZooKeeperServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public FakeZooKeeperServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public string ConnectString => $"127.0.0.1:{Port}";

    public async Task<FakeConnection> AcceptAsync(TimeSpan? timeout = null)
    {
        var socket = await _listener.AcceptAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(20));
        return new FakeConnection(socket);
    }

    /// <summary>Accepts a connection and completes the handshake with the given negotiated timeout.</summary>
    public async Task<FakeConnection> AcceptSessionAsync(int timeoutMs = 10_000, long sessionId = 0x1234)
    {
        var connection = await AcceptAsync();
        var request = await connection.ReadConnectRequestAsync();
        await connection.SendConnectResponseAsync(timeoutMs, request.SessionId != 0 ? request.SessionId : sessionId);
        return connection;
    }

    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One accepted client connection of the fake server.</summary>
public sealed class FakeConnection : IAsyncDisposable
{
    private const int MaxFrame = ZooKeeperClientOptions.DefaultMaxPacketSize;
    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _count;

    internal FakeConnection(Socket socket)
    {
        _socket = socket;
    }

    internal async Task<ConnectRequest> ReadConnectRequestAsync()
    {
        var payload = await ReadFrameAsync();
        var reader = new JuteReader(payload);
        return ConnectRequest.Read(ref reader);
    }

    internal Task SendConnectResponseAsync(int timeoutMs, long sessionId) =>
        SendRecordAsync(new ConnectResponse(0, timeoutMs, sessionId, new byte[16], false).Size,
            (ref JuteWriter w) => new ConnectResponse(0, timeoutMs, sessionId, new byte[16], false).Write(ref w));

    /// <summary>The next request, with its header and the bytes of its body.</summary>
    internal async Task<(RequestHeader Header, byte[] Body)> ReadRequestAsync(bool skipPings = true)
    {
        while (true)
        {
            var payload = await ReadFrameAsync();
            var header = ReadHeader(payload);
            if (skipPings && header.Type == OpCode.Ping)
            {
                continue;
            }
            return (header, payload[RequestHeader.Size..]);
        }
    }

    /// <summary>A reply header and body for <paramref name="xid"/>, framed properly.</summary>
    internal Task SendReplyAsync(int xid, int err, int bodySize = 0, JuteWrite? body = null, long zxid = 1) =>
        SendRecordAsync(ReplyHeader.Size + bodySize, (ref JuteWriter w) =>
        {
            new ReplyHeader(xid, zxid, err).Write(ref w);
            body?.Invoke(ref w);
        });

    internal Task SendRecordAsync(ConnectResponse response) =>
        SendRecordAsync(response.Size, (ref JuteWriter w) => response.Write(ref w));

    /// <summary>A watch notification (xid -1) for a server path.</summary>
    internal Task SendNotificationAsync(EventType type, string path)
    {
        var notification = new WatcherEventRecord((int)type, (int)KeeperState.SyncConnected, path);
        return SendReplyAsync(Xid.Notification, 0, notification.Size, (ref JuteWriter w) => notification.Write(ref w), zxid: -1);
    }

    /// <summary>Raw bytes, exactly as given: for frames no codec would produce.</summary>
    public async Task SendRawAsync(byte[] bytes) => await _socket.SendAsync(bytes, SocketFlags.None);

    public static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>True once the client closed its end (reads return end of stream).</summary>
    public async Task<bool> ClientClosedAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            var scratch = new byte[4096];
            while (await _socket.ReceiveAsync(scratch, SocketFlags.None, deadline.Token) > 0)
            {
            }
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    internal delegate void JuteWrite(ref JuteWriter writer);

    private static RequestHeader ReadHeader(byte[] payload)
    {
        var reader = new JuteReader(payload);
        return RequestHeader.Read(ref reader);
    }

    private async Task SendRecordAsync(int size, JuteWrite write)
    {
        var frame = new byte[4 + size];
        var writer = new JuteWriter(frame);
        writer.WriteInt(size);
        write(ref writer);
        Assert.Equal(frame.Length, writer.Position);
        await _socket.SendAsync(frame, SocketFlags.None);
    }

    private async Task<byte[]> ReadFrameAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var frame = FrameReader.TryRead(_buffer.AsSpan(0, _count), MaxFrame);
            if (frame.Status == FrameStatus.Complete)
            {
                var payload = _buffer.AsSpan(4, frame.DeclaredLength).ToArray();
                Buffer.BlockCopy(_buffer, frame.FrameLength, _buffer, 0, _count - frame.FrameLength);
                _count -= frame.FrameLength;
                return payload;
            }
            Assert.Equal(FrameStatus.Incomplete, frame.Status);
            if (frame.FrameLength > _buffer.Length)
            {
                Array.Resize(ref _buffer, frame.FrameLength);
            }
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_count), SocketFlags.None, deadline.Token);
            if (read == 0)
            {
                throw new EndOfStreamException("The client closed the connection.");
            }
            _count += read;
        }
    }
}
