using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Drover.ZooKeeper.Jute;
using Drover.ZooKeeper.Protocol;
using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>What a connection reports to the session that owns it (all calls come from its reader).</summary>
internal interface IConnectionOwner
{
    int NextXid();

    void OnNotification(WatcherEventRecord notification);

    /// <summary>A reply in order for <paramref name="request"/>; may throw <see cref="ZooKeeperProtocolException"/>.</summary>
    void OnReply(Request request, ReplyHeader header, ref JuteReader body);

    void OnAuthReply(AuthRequest request, ReplyHeader header);
}

/// <summary>Timings of one connection, from the negotiated session timeout.</summary>
internal readonly record struct ConnectionTimings(TimeSpan ReadTimeout, TimeSpan PingInterval, TimeSpan RequestTimeout)
{
    /// <summary>
    /// As ClientCnxn: the connection is lost when nothing was heard for two thirds of the session
    /// timeout, and a ping goes out when nothing was sent for half of that, a third of the timeout.
    /// </summary>
    public static ConnectionTimings For(TimeSpan sessionTimeout, TimeSpan requestTimeout)
    {
        var read = sessionTimeout * 2 / 3;
        return new ConnectionTimings(read, read / 2, requestTimeout);
    }
}

/// <summary>
/// One TCP connection to one server, for one session: the handshake, then a reader, a writer and a
/// watchdog (which also sends the pings) that run until the first fatal error. That error goes through <see cref="Break"/>, which
/// records it once, closes the socket, and stops the other loops; the session then fails whatever is
/// pending and reconnects elsewhere. A connection is never reused after it broke.
/// </summary>
internal sealed partial class Connection : IAsyncDisposable
{
    private const int InitialBufferSize = 64 * 1024;

    // Replies pipelined on this connection, in the order sent (xid order); the server answers in order.
    private readonly Queue<Request> _pending = new();
    // Auth packets sent; the server answers them out of band, in the order received.
    private readonly Queue<AuthRequest> _pendingAuth = new();
    private readonly Lock _lock = new();
    private readonly Socket _socket;
    private readonly int _maxPacketSize;
    private readonly CancellationTokenSource _broken = new();
    private byte[] _receive = new byte[InitialBufferSize];
    private int _start;
    private int _end;
    private long _lastReceived = Stopwatch.GetTimestamp();
    private long _lastSent = Stopwatch.GetTimestamp();
    private Exception? _breakReason;

    private Connection(Socket socket, ServerAddress server, int maxPacketSize)
    {
        _socket = socket;
        Server = server;
        _maxPacketSize = maxPacketSize;
    }

    public ServerAddress Server { get; }

    /// <summary>
    /// Connects and performs the session handshake within <paramref name="timeout"/>: ConnectRequest out,
    /// ConnectResponse in. The caller decides what an expired answer (timeout 0) means.
    /// </summary>
    public static async Task<(Connection Connection, ConnectResponse Response)> OpenAsync(
        ServerAddress server, ConnectRequest request, int maxPacketSize, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Non-blocking for the synchronous sends of Connection.Writer (a full socket buffer returns WouldBlock
        // rather than stalling the caller); the asynchronous operations do not depend on this setting.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = false };
        var connection = new Connection(socket, server, maxPacketSize);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(EndPointOf(server), deadline.Token).ConfigureAwait(false);
            var response = await connection.HandshakeAsync(request, deadline.Token).ConfigureAwait(false);
            return (connection, response);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new ZooKeeperTimeoutException(TimeoutKind.Handshake, timeout, $"No session established with {server} within {timeout.TotalMilliseconds:0} ms.");
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs the connection until it breaks and returns why. <paramref name="first"/> (auth packets,
    /// SetWatches) goes out before anything from <paramref name="outgoing"/>.
    /// </summary>
    public async Task<Exception> RunAsync(IConnectionOwner owner, ChannelReader<Request> outgoing, IReadOnlyList<Request> first, ConnectionTimings timings)
    {
        var reader = Guard(ReadLoopAsync(owner));
        var writer = Guard(WriteLoopAsync(owner, outgoing, first));
        var watchdog = Guard(WatchdogAsync(timings));
        await Task.WhenAll(reader, writer, watchdog).ConfigureAwait(false);
        return _breakReason ?? new ZooKeeperProtocolException(ProtocolErrorKind.NoReason, "The connection ended without a reason.");
    }

    /// <summary>Marks the connection broken (the first reason wins), closes the socket, and returns the exception to throw.</summary>
    public Exception Break(Exception reason)
    {
        lock (_lock)
        {
            if (_breakReason is not null)
            {
                return _breakReason;
            }
            _breakReason = reason;
        }
        _broken.Cancel();
        _socket.Dispose();
        return reason;
    }

    /// <summary>Everything sent and not answered; called once the connection is broken.</summary>
    public List<Request> TakeUnanswered()
    {
        lock (_lock)
        {
            var all = new List<Request>(_pending.Count + _pendingAuth.Count);
            all.AddRange(_pendingAuth);
            all.AddRange(_pending);
            _pending.Clear();
            _pendingAuth.Clear();
            return all;
        }
    }

    public ValueTask DisposeAsync()
    {
        Break(new ObjectDisposedException(nameof(Connection), "The connection was closed by the client."));
        _broken.Dispose();
        return ValueTask.CompletedTask;
    }

    private static EndPoint EndPointOf(ServerAddress server) =>
        IPAddress.TryParse(server.Host, out var address) ? new IPEndPoint(address, server.Port) : new DnsEndPoint(server.Host, server.Port);

    private async Task Guard(Task loop)
    {
        try
        {
            await loop.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Every fault of a loop is a reason to break the connection; the first one is kept.
        catch (Exception e)
#pragma warning restore CA1031
        {
            // Loops stopped by an earlier break fail with cancellation or socket errors: the first reason stands.
            Break(e);
        }
    }

    private async Task<ConnectResponse> HandshakeAsync(ConnectRequest request, CancellationToken cancellationToken)
    {
        var frame = new byte[FrameResult.PrefixLength + request.Size];
        var writer = new JuteWriter(frame);
        writer.WriteInt(request.Size);
        request.Write(ref writer);
        Debug.Assert(writer.Position == frame.Length, "ConnectRequest.Size disagrees with Write");
        await _socket.SendAsync(frame, SocketFlags.None, cancellationToken).ConfigureAwait(false);

        while (true)
        {
            var result = FrameReader.TryRead(_receive.AsSpan(_start, _end - _start), _maxPacketSize);
            if (result.Status == FrameStatus.Complete)
            {
                var response = ParseConnectResponse(_receive.AsSpan(_start + FrameResult.PrefixLength, result.DeclaredLength));
                _start += result.FrameLength;
                return response;
            }
            if (result.Status != FrameStatus.Incomplete)
            {
                throw FrameReader.Refused(result, _maxPacketSize);
            }
            await ReceiveMoreAsync(result, cancellationToken).ConfigureAwait(false);
        }
    }

    private static ConnectResponse ParseConnectResponse(ReadOnlySpan<byte> payload)
    {
        var reader = new JuteReader(payload);
        return ConnectResponse.Read(ref reader);
    }
}
