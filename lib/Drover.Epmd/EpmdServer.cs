using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Drover.Net;
using Drover.Posix;

namespace Drover.Epmd;

/// <summary>
/// An EPMD server (Erlang Port Mapper Daemon) that answers exactly as OTP's <c>epmd</c> does, on any port,
/// with its registrations kept in an <see cref="IEpmdRegistry"/> (cEPMD). Erlang nodes use it when started
/// with <c>ERL_EPMD_PORT</c> set to its port.
/// </summary>
/// <remarks>
/// One request per connection: the connection is closed after the answer, except after ALIVE2_REQ, whose
/// connection is the registration's lifetime (closing it, or sending anything more on it, unregisters the
/// node). See README.md beside this file for what each request does and how hosts are handled.
/// </remarks>
public sealed partial class EpmdServer : IAsyncDisposable
{
    private const int NotStarted = 0;
    private const int Running = 1;
    private const int Stopped = 2;

    private readonly EpmdServerOptions _options;
    private readonly IEpmdRegistry _registry;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<long, EpmdConnection> _connections = new();
    private readonly object _gate = new();
    private readonly Dictionary<string, EpmdConnection> _held = new(StringComparer.Ordinal);
    private readonly RetiredNames _retired = new();
    private readonly ConnectionAdmission _admission;
    private Socket? _listener;
    private IPEndPoint? _localEndPoint;
    private Task _eventLoop = Task.CompletedTask;
    private Task _sweeper = Task.CompletedTask;
    private Task? _stopTask;
    private long _nextConnectionId;
    private int _open;
    private int _state;

    public EpmdServer(EpmdServerOptions options, IEpmdRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        _options = options;
        _registry = registry;
        _admission = new ConnectionAdmission(options.MaxConnections, options.MaxConnectionsPerAddress);
    }

    /// <summary>Raised (on a pool thread) after a KILL_REQ was answered "OK" and the server stopped itself, as epmd exits.</summary>
    public event EventHandler? Killed;

    /// <summary>The address and port bound (the port the system chose when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => _localEndPoint ?? throw new InvalidOperationException("The EPMD server is not started.");

    /// <summary>Running totals for metrics.</summary>
    public EpmdServerCounters Counters { get; } = new();

    /// <summary>The host this server answers for (<see cref="EpmdServerOptions.Host"/>).</summary>
    public string? Host => _options.Host;

    /// <summary>Binds <paramref name="listen"/> (port 0 for any free port) and starts serving. Once per server.</summary>
    public Task StartAsync(IPEndPoint listen, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(listen);
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.CompareExchange(ref _state, Running, NotStarted) != NotStarted)
        {
            throw new InvalidOperationException("An EPMD server starts once; create a new one to serve again.");
        }
        var listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (listen.Address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }
            listener.Bind(listen);
            listener.Listen();
            listener.Blocking = false;
        }
        catch
        {
            listener.Dispose();
            Volatile.Write(ref _state, Stopped);
            _drained.TrySetResult();
            throw;
        }
        _listener = listener;
        _localEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _registry.RegistrationLost += OnRegistrationLost;
        _eventLoop = StartEventThread(listener);
        _sweeper = SweepAsync();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops accepting, closes every connection and unregisters every node registered through this server,
    /// so a server started again on the same registry finds no stale entry. Idempotent.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task stop;
        lock (_gate)
        {
            _stopTask ??= Task.Run(StopOnceAsync); // run outside the lock: stopping waits for connections that take it
            stop = _stopTask;
        }
        return stop.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task StopOnceAsync()
    {
        var previous = Interlocked.Exchange(ref _state, Stopped);
        if (previous != Running)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _registry.RegistrationLost -= OnRegistrationLost;
        // A shutdown wakes the event loop's poll at once; the listener is closed only after the loop has
        // left, so its descriptor number cannot be reused under the loop.
        if (_listener is not null)
        {
            SocketFd.Shutdown(ListenerFd(_listener));
        }
        await _eventLoop.ConfigureAwait(false);
        _listener?.Dispose();
        await _sweeper.ConfigureAwait(false);
        foreach (var connection in _connections.Values)
        {
            connection.Close();
        }
        if (Volatile.Read(ref _open) == 0)
        {
            _drained.TrySetResult();
        }
        // Each connection unregisters its own node on the way out; wait until all have.
        await _drained.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the event thread: epmd's own design, one thread that polls the listener and every connection
    /// still sending its request, accepts, reads, and answers inline. Measured against the asynchronous
    /// socket engine, this avoids two thread hand-offs per lookup, which on a small agent cost more than the
    /// lookup itself (bench/RESULTS.md). Only what truly waits (a registry call that does not complete at
    /// once, a registration's connection) leaves the loop for the thread pool.
    /// </summary>
    private Task StartEventThread(Socket listener)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fd = ListenerFd(listener);
        var thread = new Thread(() =>
        {
            try
            {
                new EventLoop(this, fd).Run();
            }
            finally
            {
                done.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = $"epmd-{LocalEndPoint.Port}",
        };
        thread.Start();
        return done.Task;
    }

    // On Linux a socket's handle is its descriptor. The listener Socket stays alive until the loop has left.
    private static int ListenerFd(Socket listener) => unchecked((int)listener.SafeHandle.DangerousGetHandle());

    /// <summary>
    /// Admits an accepted descriptor (<see cref="ConnectionAdmission"/>: at capacity it takes the slot of the
    /// connection that has waited longest for its request; registrations and connections being answered keep
    /// theirs), or closes it when every slot it could take is busy; null when refused.
    /// </summary>
    private EpmdConnection? Admit(int fd)
    {
        EpmdConnection? connection = null;
        // Eviction only shuts the victim down: its owner (the loop, which is reading it) sees the end and closes it.
        var slot = _stopping.IsCancellationRequested ? null : _admission.TryAdmit(
            SocketFd.PeerAddress(fd) ?? IPAddress.None,
            () =>
            {
                Counters.ConnectionEvicted();
                connection?.Close();
            });
        if (slot is null)
        {
            Counters.ConnectionRefused();
            SocketFd.Close(fd);
            return null;
        }
        Interlocked.Increment(ref _open);
        connection = new EpmdConnection(Interlocked.Increment(ref _nextConnectionId), fd, slot) { InEventLoop = true };
        _connections[connection.Id] = connection;
        Counters.ConnectionAccepted();
        Counters.ConnectionOpened();
        return connection;
    }

    private void Leave()
    {
        if (Interlocked.Decrement(ref _open) == 0 && _stopping.IsCancellationRequested)
        {
            _drained.TrySetResult();
        }
    }

    // epmd looks at idle connections every second when its timeout is short, else every 5 s.
    private async Task SweepAsync()
    {
        var period = _options.IdleTimeout < TimeSpan.FromSeconds(5)
            ? TimeSpan.FromMilliseconds(Math.Clamp(_options.IdleTimeout.TotalMilliseconds / 4, 10, 1000))
            : TimeSpan.FromSeconds(1);
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                CloseIdleConnections();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void CloseIdleConnections()
    {
        var now = Environment.TickCount64;
        var limit = (long)_options.IdleTimeout.TotalMilliseconds;
        foreach (var connection in _connections.Values)
        {
            if (!connection.IsKept && !connection.InEventLoop && !connection.IsClosed && now - connection.LastActivity > limit)
            {
                Counters.IdleTimeout();
                connection.Close();
            }
        }
    }
}
