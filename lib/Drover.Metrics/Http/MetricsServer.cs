using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Drover.Net;

namespace Drover.Metrics.Http;

/// <summary>
/// A minimal HTTP/1.1 server for one thing: <c>GET</c>/<c>HEAD</c> of the metrics path, answered with
/// the registry's exposition. It sits on a raw socket rather than Kestrel or HttpListener to keep an
/// idle native-AOT executor small. Keep-alive and pipelining are supported (Prometheus keeps its
/// scrape connection open); everything a client controls is bounded: head size, head timeout, idle
/// timeout, send timeout, number of connections, per peer address too. A flood of silent or half-sent
/// connections cannot shut the scrape out: at capacity a newcomer evicts an idle connection, else the one
/// waiting longest for its request (<see cref="ConnectionAdmission"/>, the policy cEPMD uses too).
/// </summary>
public sealed class MetricsServer : IAsyncDisposable
{
    private const int LingerBytes = 64 * 1024;
    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(1);

    private readonly MetricRegistry _registry;
    private readonly MetricsServerOptions _options;
    private readonly Socket _listener;
    private readonly byte[] _path;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConnectionAdmission _admission;
    private readonly Task _acceptLoop;
    private int _active;
    private int _bodySizeHint = 4096;
    private int _disposed;

    private MetricsServer(MetricRegistry registry, IPEndPoint endPoint, MetricsServerOptions options)
    {
        _registry = registry;
        _options = options;
        _path = Encoding.ASCII.GetBytes(options.Path);
        _admission = new ConnectionAdmission(options.MaxConnections, options.MaxConnectionsPerAddress);
        _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                _listener.DualMode = true;
            }
            _listener.Bind(endPoint);
            _listener.Listen(backlog: 64);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The address and port actually bound (the port chosen by the system when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    public int Port => LocalEndPoint.Port;

    /// <summary>Connections holding a slot now, and evictions and refusals so far (for tests and the server's own metrics).</summary>
    internal ConnectionAdmission Admission => _admission;

    /// <summary>Connections open now (each holds a slot).</summary>
    public int OpenConnections => _admission.Count;

    /// <summary>Connections closed to make room for a newcomer at capacity (idle, or waiting longest for a request), since the start.</summary>
    public long ConnectionsEvicted => _admission.Evictions;

    /// <summary>Newcomers closed at once because every slot they could take was busy, since the start.</summary>
    public long ConnectionsRefused => _admission.Refusals;

    /// <summary>Binds <paramref name="address"/>:<paramref name="port"/> (0 for any free port) and starts serving.</summary>
    public static MetricsServer Start(MetricRegistry registry, IPAddress address, int port, MetricsServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        return Start(registry, new IPEndPoint(address, port), options);
    }

    public static MetricsServer Start(MetricRegistry registry, IPEndPoint endPoint, MetricsServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(endPoint);
        return new MetricsServer(registry, endPoint, options ?? new MetricsServerOptions());
    }

    /// <summary>Stops accepting, aborts open connections and waits for them to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        if (Volatile.Read(ref _active) == 0)
        {
            _drained.TrySetResult();
        }
        await _drained.Task.ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // ECONNABORTED and friends concern one client; EMFILE would spin, so breathe first.
                await DelayQuietly(TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
                continue;
            }
            var peer = (client.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
            // An evicted connection is disposed from here: its pending receive fails, and its own path ends.
            if (_admission.TryAdmit(peer, client.Dispose) is not ConnectionSlot slot)
            {
                Refuse(client);
                continue;
            }
            Interlocked.Increment(ref _active);
            _ = ServeAsync(client, slot);
        }
    }

    /// <summary>
    /// Every slot is busy answering: a 503 if the socket buffer takes it now, then close. Never awaited, so
    /// refused connections hold no descriptor beyond this call however many arrive.
    /// </summary>
    private static void Refuse(Socket client)
    {
        try
        {
            client.Blocking = false;
            client.Send(HttpResponses.Error(503, HttpResponses.Reason(503), "every connection is busy", keepAlive: false), SocketFlags.None, out _);
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            // The client is gone; either way it is refused.
        }
        finally
        {
            client.Dispose();
        }
    }

    private async Task ServeAsync(Socket socket, ConnectionSlot slot)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(_options.MaxRequestHeadBytes);
        var timer = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var graceful = false;
        try
        {
            socket.NoDelay = true;
            graceful = await ServeRequestsAsync(socket, slot, buffer, timer).ConfigureAwait(false);
        }
        catch (Exception error) when (error is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer went away, a timeout fired, the connection was evicted, or the server is stopping: drop it.
        }
        finally
        {
            if (graceful && slot.Idle())
            {
                await LingerAsync(socket, buffer).ConfigureAwait(false);
            }
            socket.Dispose();
            slot.Dispose();
            timer.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
            Release();
        }
    }

    /// <summary>
    /// Serves requests until the connection should close; true if we are the side closing it after a response.
    /// Tells <paramref name="slot"/> each change of phase: waiting for a request (evictable by age), idle between
    /// requests (evictable first), busy answering (kept); a connection evicted meanwhile is dropped unanswered.
    /// </summary>
    private async Task<bool> ServeRequestsAsync(Socket socket, ConnectionSlot slot, byte[] buffer, CancellationTokenSource timer)
    {
        var limit = _options.MaxRequestHeadBytes;
        var filled = 0;
        var first = true;
        // A new connection's first request gets the head timeout from the accept: one that sends nothing is
        // not a kept-alive client and must not hold its slot for the keep-alive timeout.
        var headDeadline = Environment.TickCount64 + (long)_options.RequestHeadTimeout.TotalMilliseconds;
        while (true)
        {
            var request = HttpRequestParser.Parse(buffer.AsSpan(0, filled), limit);
            if (request.Status == HttpParseStatus.Invalid)
            {
                if (!slot.Busy())
                {
                    return false;
                }
                var reason = HttpResponses.Reason(request.ErrorStatus);
                var detail = RequestHeadErrors.Describe(request.Error, limit);
                await SendAsync(socket, HttpResponses.Error(request.ErrorStatus, reason, detail, keepAlive: false), timer)
                    .ConfigureAwait(false);
                return true;
            }
            if (request.Status == HttpParseStatus.Incomplete)
            {
                var idle = filled == 0 && !first;
                var wait = idle
                    ? _options.KeepAliveTimeout
                    : TimeSpan.FromMilliseconds(headDeadline - Environment.TickCount64);
                var read = await ReceiveAsync(socket, buffer.AsMemory(filled, limit - filled), wait, timer).ConfigureAwait(false);
                if (read == 0 || (read < 0 && filled == 0))
                {
                    return false; // the client closed, or sent nothing in time: close quietly
                }
                if (read < 0)
                {
                    if (!slot.Busy())
                    {
                        return false;
                    }
                    // The fired timer cannot be reused: the 408 gets a fresh one.
                    var timeout = HttpResponses.Error(408, HttpResponses.Reason(408), "request head not received in time", keepAlive: false);
                    using var sendTimer = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                    await SendAsync(socket, timeout, sendTimer).ConfigureAwait(false);
                    return true;
                }
                if (idle)
                {
                    // The next request has begun: it waits from now, behind every connection already waiting.
                    if (!slot.Waiting())
                    {
                        return false;
                    }
                    headDeadline = Environment.TickCount64 + (long)_options.RequestHeadTimeout.TotalMilliseconds;
                }
                filled += read;
                continue;
            }

            if (!slot.Busy())
            {
                return false;
            }
            first = false;
            var keepAlive = await RespondAsync(socket, buffer, request, timer).ConfigureAwait(false);
            if (!keepAlive)
            {
                return true;
            }
            // Pipelined bytes of the next request move to the front; its head timeout starts now.
            var rest = filled - request.HeadLength;
            Buffer.BlockCopy(buffer, request.HeadLength, buffer, 0, rest);
            filled = rest;
            headDeadline = Environment.TickCount64 + (long)_options.RequestHeadTimeout.TotalMilliseconds;
            if (!(rest == 0 ? slot.Idle() : slot.Waiting()))
            {
                return false;
            }
        }
    }

    /// <summary>Answers one complete request head; returns whether the connection stays open.</summary>
    private async Task<bool> RespondAsync(Socket socket, byte[] buffer, HttpParseResult request, CancellationTokenSource timer)
    {
        // We never read request bodies, so after one the stream is out of sync: answer, then close.
        var keepAlive = request.KeepAlive && !request.HasBody;
        if (request.Method == HttpMethodKind.Other)
        {
            var notAllowed = HttpResponses.Error(405, HttpResponses.Reason(405), "only GET and HEAD", keepAlive: false, "Allow: GET, HEAD");
            await SendAsync(socket, notAllowed, timer).ConfigureAwait(false);
            return false;
        }
        if (!HttpRequestParser.PathOf(buffer.AsSpan(request.Target)).SequenceEqual(_path))
        {
            var notFound = HttpResponses.Error(404, HttpResponses.Reason(404), $"metrics are at {_options.Path}", keepAlive);
            await SendAsync(socket, notFound, timer).ConfigureAwait(false);
            return keepAlive;
        }

        using var response = new ResponseBuffer(Volatile.Read(ref _bodySizeHint));
        try
        {
            _registry.WriteTo(response);
        }
#pragma warning disable CA1031 // A scrape that fails is this request's 500, not the server's end.
        catch (Exception error)
#pragma warning restore CA1031
        {
            var failed = HttpResponses.Error(500, HttpResponses.Reason(500), error.GetType().Name, keepAlive: false);
            await SendAsync(socket, failed, timer).ConfigureAwait(false);
            return false;
        }
        Volatile.Write(ref _bodySizeHint, Math.Max(response.BodyLength + 1024, 4096));
        await SendAsync(socket, response.Complete(keepAlive, headOnly: request.Method == HttpMethodKind.Head), timer).ConfigureAwait(false);
        return keepAlive;
    }

    /// <summary>Receives with a deadline: the byte count, 0 at end of stream, or -1 when <paramref name="wait"/> ran out.</summary>
    private async Task<int> ReceiveAsync(Socket socket, Memory<byte> into, TimeSpan wait, CancellationTokenSource timer)
    {
        if (wait <= TimeSpan.Zero)
        {
            return -1;
        }
        timer.CancelAfter(wait);
        try
        {
            return await socket.ReceiveAsync(into, SocketFlags.None, timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
        {
            return -1;
        }
        finally
        {
            // A fired timer cannot be reset; the connection ends in that case anyway.
            timer.TryReset();
        }
    }

    private async Task SendAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationTokenSource timer)
    {
        timer.CancelAfter(_options.SendTimeout);
        try
        {
            while (!bytes.IsEmpty)
            {
                var sent = await socket.SendAsync(bytes, SocketFlags.None, timer.Token).ConfigureAwait(false);
                bytes = bytes[sent..];
            }
        }
        finally
        {
            timer.TryReset();
        }
    }

    /// <summary>
    /// Closes our side first and reads what the client still sends for a moment, so that unread
    /// request bytes do not turn our close into a reset that could destroy the response in flight.
    /// </summary>
    private async Task LingerAsync(Socket socket, byte[] scratch)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            using var linger = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            linger.CancelAfter(LingerTime);
            var drained = 0;
            while (drained < LingerBytes)
            {
                var read = await socket.ReceiveAsync(scratch.AsMemory(), SocketFlags.None, linger.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }
                drained += read;
            }
        }
        catch (Exception error) when (error is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closing anyway.
        }
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _active) == 0 && _stopping.IsCancellationRequested)
        {
            _drained.TrySetResult();
        }
    }

    private async Task DelayQuietly(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
