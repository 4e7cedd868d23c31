using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Drover.Metrics.Tests;

internal sealed record RawResponse(int Status, Dictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
}

/// <summary>A byte-level HTTP/1.1 client over one TCP connection, so tests control exactly what is sent.</summary>
internal sealed class RawHttpClient : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private readonly List<byte> _pending = [];

    private RawHttpClient(Socket socket) => _socket = socket;

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/>, from <paramref name="from"/> (another loopback address) if given.</summary>
    public static async Task<RawHttpClient> ConnectAsync(int port, IPAddress? from = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (from is not null)
        {
            socket.Bind(new IPEndPoint(from, 0));
        }
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return new RawHttpClient(socket);
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
        }
    }

    /// <summary>Reads one response; HEAD responses have no body whatever their Content-Length says.</summary>
    public async Task<RawResponse> ReadResponseAsync(bool head = false)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        int headEnd;
        while ((headEnd = IndexOfHeadEnd()) < 0)
        {
            if (!await FillAsync(timeout.Token))
            {
                throw new EndOfStreamException($"Connection closed after {_pending.Count} bytes of a response head.");
            }
        }
        var lines = Encoding.Latin1.GetString(_pending.GetRange(0, headEnd).ToArray()).Split("\r\n");
        _pending.RemoveRange(0, headEnd + 4);
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        var length = head ? 0 : int.Parse(headers["content-length"], System.Globalization.CultureInfo.InvariantCulture);
        while (_pending.Count < length)
        {
            if (!await FillAsync(timeout.Token))
            {
                throw new EndOfStreamException("Connection closed inside a response body.");
            }
        }
        var body = Encoding.UTF8.GetString(_pending.GetRange(0, length).ToArray());
        _pending.RemoveRange(0, length);
        return new RawResponse(status, headers, body);
    }

    /// <summary>True when the server closes the connection (end of stream or reset) before the deadline, with no further bytes.</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        try
        {
            return !await FillAsync(timeout.Token) && _pending.Count == 0;
        }
        catch (SocketException)
        {
            return _pending.Count == 0;
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<bool> FillAsync(CancellationToken cancel)
    {
        var buffer = new byte[16384];
        var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancel);
        _pending.AddRange(buffer.AsSpan(0, read));
        return read > 0;
    }

    private int IndexOfHeadEnd()
    {
        for (var i = 0; i + 3 < _pending.Count; i++)
        {
            if (_pending[i] == '\r' && _pending[i + 1] == '\n' && _pending[i + 2] == '\r' && _pending[i + 3] == '\n')
            {
                return i;
            }
        }
        return -1;
    }
}
