using System.Text;

namespace Drover.Mesos.Http;

/// <summary>
/// An answer read by <see cref="Http1Connection.SendAsync"/>: its head, and its body as a stream that ends where the
/// framing says. Disposing it before the body has been read to its end leaves the connection unusable.
/// </summary>
public sealed class Http1Response : IAsyncDisposable, IDisposable
{
    private readonly Http1Connection _connection;

    internal Http1Response(Http1Connection connection, HttpResponseHead head)
    {
        _connection = connection;
        Head = head;
        Body = new Http1BodyStream(connection, head);
    }

    public HttpResponseHead Head { get; }

    public int StatusCode => Head.StatusCode;

    public string ReasonPhrase => Head.ReasonPhrase;

    /// <summary>The body, decoded from its framing (chunked, Content-Length or until close).</summary>
    public Stream Body { get; }

    /// <summary>
    /// Up to <paramref name="maxBytes"/> of the body. If the body is longer, the rest is not read (a service that
    /// streams megabytes must not make us read them) and the connection is left closed.
    /// </summary>
    public async Task<byte[]> ReadBodyAsync(int maxBytes, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var buffer = new byte[Math.Min(maxBytes, Head.Framing == HttpBodyFraming.ContentLength ? (int)Math.Min(Head.ContentLength, maxBytes) : 4096)];
        var length = 0;
        while (length < maxBytes)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes));
            }

            var read = await Body.ReadAsync(buffer.AsMemory(length), cancellation).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer[..length];
            }

            length += read;
        }

        // Stopped at the limit: the rest stays unread, and the connection with it.
        if (!((Http1BodyStream)Body).IsComplete)
        {
            _connection.Abandon();
        }

        return buffer[..length];
    }

    /// <summary>Up to <paramref name="maxBytes"/> of the body as UTF-8 text.</summary>
    public async Task<string> ReadTextAsync(int maxBytes, CancellationToken cancellation) =>
        Encoding.UTF8.GetString(await ReadBodyAsync(maxBytes, cancellation).ConfigureAwait(false));

    public void Dispose() => Body.Dispose();

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
