using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Drover.ZooKeeper.Jute;
using Drover.ZooKeeper.Protocol;
using Drover.ZooKeeper.Requests;

namespace Drover.ZooKeeper;

/// <summary>What a connection reports to the session that owns it (all calls but NextXid come from its thread).</summary>
internal interface IConnectionOwner
{
    /// <summary>The session's dispatcher: a reply read while it is busy waits for what it holds to run.</summary>
    Dispatcher Callbacks { get; }

    int NextXid();

    void OnNotification(WatcherEventRecord notification);

    /// <summary>
    /// A reply in order for <paramref name="request"/>: parsed into it (its watch registered), or dropped
    /// (false) if the caller gave up. May throw <see cref="ZooKeeperProtocolException"/>.
    /// </summary>
    bool OnReply(Request request, ReplyHeader header, ref JuteReader body);

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
/// One TCP connection to one server, for one session, served by a thread of its own as the Java client's
/// SendThread: that thread connects and performs the handshake, then waits in poll() for the server's
/// bytes (and for a <see cref="Waker"/>), reads replies and hands them out, and sends what callers could
/// not send themselves. Callers send their own requests when nothing is queued ahead (Connection.Writer);
/// a watchdog task sends the pings and watches the clocks. Nothing here waits through the socket engine of
/// .NET (whose epoll thread and thread-pool hand-offs cost more CPU per request than the request itself),
/// and the socket is never registered with it.
/// The first fatal error goes through <see cref="Break"/>, which records it once, closes the socket (waking
/// the thread) and stops the watchdog; the session then fails whatever is pending and reconnects
/// elsewhere. A connection is never reused after it broke.
/// </summary>
internal sealed partial class Connection : IAsyncDisposable
{
    private const int InitialBufferSize = 64 * 1024;

    // Replies pipelined on this connection, in the order sent (xid order); the server answers in order.
    private readonly Queue<Request> _pending = new();
    // Auth packets sent; the server answers them out of band, in the order received.
    private readonly Queue<AuthRequest> _pendingAuth = new();
    private readonly Lock _lock = new();
    private readonly int _maxPacketSize;
    private readonly Waker _waker = Waker.Create();
    private readonly CancellationTokenSource _broken = new();
    // Set once, under _lock, by the thread that connects; Break closes it.
    private Socket? _socket;
    // Set by RunAsync, for the serving threads.
    private IConnectionOwner? _session;
    private ChannelReader<Request>? _outgoing;
    private byte[] _receive = new byte[InitialBufferSize];
    private int _start;
    private int _end;
    private long _lastReceived = Stopwatch.GetTimestamp();
    private long _lastSent = Stopwatch.GetTimestamp();
    private Exception? _breakReason;

    private Connection(ServerAddress server, int maxPacketSize)
    {
        Server = server;
        _maxPacketSize = maxPacketSize;
    }

    public ServerAddress Server { get; }

    /// <summary>
    /// Connects and performs the session handshake within <paramref name="timeout"/>: ConnectRequest out,
    /// ConnectResponse in, on the connection's own thread. The caller decides what an expired answer
    /// (timeout 0) means.
    /// </summary>
    public static async Task<(Connection Connection, ConnectResponse Response)> OpenAsync(
        ServerAddress server, ConnectRequest request, int maxPacketSize, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var addresses = await ResolveAsync(server, timeout, cancellationToken).ConfigureAwait(false);
        var connection = new Connection(server, maxPacketSize);
        var opened = new TaskCompletionSource<ConnectResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        StartThread($"ZooKeeper connect {server}", () =>
        {
            try
            {
                opened.TrySetResult(connection.Open(addresses, request, deadline, timeout));
            }
#pragma warning disable CA1031 // Whatever stopped the handshake is the caller's to see.
            catch (Exception e)
#pragma warning restore CA1031
            {
                opened.TrySetException(connection.Break(e));
            }
        });
        try
        {
            using var cancel = cancellationToken.UnsafeRegister(
                static (state, token) => ((Connection)state!).Break(new OperationCanceledException(token)), connection);
            return (connection, await opened.Task.ConfigureAwait(false));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs the connection until it breaks and returns why. <paramref name="first"/> (auth packets,
    /// SetWatches) goes out before anything else.
    /// </summary>
    public async Task<Exception> RunAsync(IConnectionOwner owner, ChannelReader<Request> outgoing, IReadOnlyList<Request> first, ConnectionTimings timings)
    {
        _session = owner;
        _outgoing = outgoing;
        StageFirst(owner, first);
        lock (_lock)
        {
            StartServing(_generation);
        }
        var watchdog = Guard(WatchdogAsync(timings));
        await Task.WhenAll(_served.Task, watchdog).ConfigureAwait(false);
        return _breakReason ?? new ZooKeeperProtocolException(ProtocolErrorKind.NoReason, "The connection ended without a reason.");
    }

    /// <summary>
    /// Marks the connection broken (the first reason wins), closes the socket, wakes the connection's
    /// thread, and returns the exception to throw.
    /// </summary>
    public Exception Break(Exception reason)
    {
        Socket? socket;
        bool heldByCaller;
        lock (_lock)
        {
            if (_breakReason is not null)
            {
                return _breakReason;
            }
            _breakReason = reason;
            socket = _socket;
            heldByCaller = _inCallerCodeSince != 0;
        }
        _broken.Cancel();
        // Closing a socket that a thread polls wakes that thread; the waker covers the moments without one.
        socket?.Dispose();
        _waker.Wake();
        if (heldByCaller)
        {
            // The serving thread is in caller code, maybe for long: it is left to it, the session goes on.
            StopServing(_session!);
        }
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
        _waker.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Wakes the connection's thread: requests were queued for it.</summary>
    public void Wake() => _waker.Wake();

    private static async Task<IPAddress[]> ResolveAsync(ServerAddress server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(server.Host, out var address))
        {
            return [address];
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await Dns.GetHostAddressesAsync(server.Host, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw HandshakeTimeout(server, timeout);
        }
    }

    private static ZooKeeperTimeoutException HandshakeTimeout(ServerAddress server, TimeSpan timeout) =>
        new(TimeoutKind.Handshake, timeout, $"No session established with {server} within {timeout.TotalMilliseconds:0} ms.");

    private static void StartThread(string name, Action body) =>
        // A background thread: an undisposed client must not keep a process alive.
        new Thread(() => body()) { IsBackground = true, Name = name }.Start();

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
}
