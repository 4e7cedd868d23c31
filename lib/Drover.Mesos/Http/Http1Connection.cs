using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Drover.Mesos.Http;

/// <summary>
/// One client connection speaking plain HTTP/1.1, one request at a time: what the executor needs for its agent (a
/// SUBSCRIBE whose response streams for as long as the executor lives, and calls on a kept-alive connection) and
/// for health checks, without HttpClient's pools, proxies, HTTP/2 and /3, compression and their timers. The head is
/// read with <see cref="HttpResponseHeadReader"/> and a chunked body with <see cref="ChunkedDecoder"/>: both pure
/// functions over the bytes received so far, bounded by <see cref="HttpLimits"/>.
/// </summary>
public sealed class Http1Connection : IAsyncDisposable, IDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private State _state = State.Idle;

    private Http1Connection(Socket socket, Stream stream, HttpLimits limits, string endpoint)
    {
        _socket = socket;
        _stream = stream;
        Limits = limits;
        Endpoint = endpoint;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));
    }

    private enum State
    {
        /// <summary>Ready for a request.</summary>
        Idle,

        /// <summary>A request was sent; its response is being read.</summary>
        Busy,

        /// <summary>Unusable: the server closes it, a read was cut short or failed, or it was disposed.</summary>
        Closed,
    }

    public HttpLimits Limits { get; }

    /// <summary>"host:port", for messages.</summary>
    public string Endpoint { get; }

    /// <summary>Whether another request may be sent: the last response was read to its end on a kept-alive connection.</summary>
    public bool IsReusable => _state == State.Idle;

    /// <summary>How many requests were sent on this connection.</summary>
    public int Requests { get; private set; }

    /// <summary>
    /// Opens a TCP connection (TCP_NODELAY: a request leaves in one write and nothing should wait for an ACK).
    /// <paramref name="secure"/>, if given, wraps the network stream (TLS) before anything is sent.
    /// </summary>
    /// <exception cref="IOException">The connection (or the TLS handshake) failed, or took longer than <paramref name="timeout"/>.</exception>
    public static async Task<Http1Connection> ConnectAsync(
        string host,
        int port,
        TimeSpan timeout,
        CancellationToken cancellation,
        HttpLimits? limits = null,
        Func<Stream, CancellationToken, Task<Stream>>? secure = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var endpoint = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            if (secure is not null)
            {
                stream = await secure(stream, deadline.Token).ConfigureAwait(false);
            }

            return new Http1Connection(socket, stream, limits ?? HttpLimits.Default, endpoint);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            Close(socket, stream);
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"cannot connect to {endpoint}: no connection within {timeout.TotalSeconds:0.#} s"));
        }
        catch (SocketException e)
        {
            Close(socket, stream);
            throw new IOException($"cannot connect to {endpoint}: {e.Message}", e);
        }
        catch
        {
            Close(socket, stream);
            throw;
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> and reads the head of its answer (interim 1xx answers are skipped). The body
    /// is then read from <see cref="Http1Response.Body"/>; the connection takes the next request once it has been read
    /// to its end (or never, if the server closes it). Cancelling leaves the connection closed.
    /// </summary>
    /// <exception cref="IOException">The connection failed or closed before the head arrived.</exception>
    /// <exception cref="Http1Exception">The answer is not valid HTTP/1.x.</exception>
    public async Task<Http1Response> SendAsync(Http1Request request, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        var bytes = request.Encode();
        if (_state != State.Idle)
        {
            throw new InvalidOperationException(_state == State.Busy
                ? "the previous response on this connection has not been read to its end"
                : "the connection is closed");
        }

        _state = State.Busy;
        Requests++;
        try
        {
            await _stream.WriteAsync(bytes, cancellation).ConfigureAwait(false);
            while (true)
            {
                var head = await ReadHeadAsync(cancellation).ConfigureAwait(false);
                if (head.StatusCode is >= 100 and < 200 && head.StatusCode != 101)
                {
                    continue;
                }

                var response = new Http1Response(this, head);
                if (head.Framing == HttpBodyFraming.None || (head.Framing == HttpBodyFraming.ContentLength && head.ContentLength == 0))
                {
                    BodyEnded(head.KeepAlive);
                }

                return response;
            }
        }
        catch
        {
            _state = State.Closed;
            throw;
        }
    }

    private async Task<HttpResponseHead> ReadHeadAsync(CancellationToken cancellation)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellation).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (HttpResponseHeadReader.TryRead(ref buffer, Limits, out var head))
            {
                _reader.AdvanceTo(buffer.Start);
                return head;
            }

            if (result.IsCompleted)
            {
                var error = HttpResponseHeadReader.Truncated(buffer);
                _reader.AdvanceTo(buffer.End);
                throw error;
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>The reader the body streams take their bytes from.</summary>
    internal PipeReader Reader => _reader;

    /// <summary>Called by the body stream when the body has been read to its end.</summary>
    internal void BodyEnded(bool keepAlive)
    {
        if (_state == State.Busy)
        {
            _state = keepAlive ? State.Idle : State.Closed;
        }
    }

    /// <summary>Called when a body read failed or was abandoned: the bytes left on the connection cannot be trusted.</summary>
    internal void Abandon()
    {
        if (_state == State.Busy)
        {
            _state = State.Closed;
        }
    }

    private static void Close(Socket socket, Stream? stream)
    {
        stream?.Dispose();
        socket.Dispose();
    }

    public void Dispose()
    {
        _state = State.Closed;
        _reader.Complete();
        Close(_socket, _stream);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
