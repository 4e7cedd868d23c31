using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Drover.Testing.ZooKeeper;

/// <summary>What the stand-in answers: an HTTP status and body, optionally late, lying about its length, or not at all.</summary>
public sealed record ExhibitorAnswer(int Status, byte[] Body)
{
    /// <summary>Sent before the status line (a slow Exhibitor).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>False: the body goes without Content-Length and ends when the connection closes.</summary>
    public bool DeclareLength { get; init; } = true;

    /// <summary>Declared instead of the body's real length (a peer that closes before sending all it promised).</summary>
    public int? ContentLength { get; init; }

    /// <summary>True: the connection is closed without any answer.</summary>
    public bool Hangup { get; init; }

    /// <summary>Exhibitor's JSON for these hosts and client port.</summary>
    public static ExhibitorAnswer List(int port, params string[] hosts) =>
        Json($"{{\"servers\":[{string.Join(',', hosts.Select(h => $"\"{h}\""))}],\"port\":{port}}}");

    public static ExhibitorAnswer Json(string json) => new(200, Encoding.UTF8.GetBytes(json));
}

/// <summary>
/// A stand-in for Exhibitor's REST API: GET /exhibitor/v1/cluster/list on one port of several loopback
/// addresses (an Exhibitor beside each ZooKeeper server), answering whatever <see cref="Answer"/> is at
/// the moment. Every other path gets 404. Counts the requests each address received.
/// </summary>
public sealed class ExhibitorStandIn : IAsyncDisposable
{
    public const string ListPath = "/exhibitor/v1/cluster/list";

    private readonly List<TcpListener> _listeners = [];
    private readonly ConcurrentDictionary<string, int> _requests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private volatile ExhibitorAnswer _answer;

    private ExhibitorStandIn(int port, ExhibitorAnswer answer)
    {
        Port = port;
        _answer = answer;
    }

    public int Port { get; }

    public ExhibitorAnswer Answer
    {
        get => _answer;
        set => _answer = value;
    }

    /// <summary>Listens on <paramref name="addresses"/> (default 127.0.0.1), all on one free port.</summary>
    public static ExhibitorStandIn Start(ExhibitorAnswer answer, params string[] addresses)
    {
        if (addresses.Length == 0)
        {
            addresses = ["127.0.0.1"];
        }
        for (var attempt = 0; ; attempt++)
        {
            var standIn = new ExhibitorStandIn(FreePort.Next(), answer);
            try
            {
                foreach (var address in addresses)
                {
                    var listener = new TcpListener(IPAddress.Parse(address), standIn.Port);
                    standIn._listeners.Add(listener);
                    listener.Start();
                }
            }
            catch (SocketException) when (attempt < 10)
            {
                // The port was free on 127.0.0.1 but taken on another address: pick another.
                standIn._listeners.ForEach(l => l.Stop());
                continue;
            }
            foreach (var listener in standIn._listeners)
            {
                standIn._loops.Add(Task.Run(() => standIn.AcceptLoopAsync(listener)));
            }
            return standIn;
        }
    }

    /// <summary>The "http://a:port,b:port" part of an exhibitor connect string.</summary>
    public string Url(params string[] hosts) => "http://" + string.Join(',', hosts.Select(h => $"{h}:{Port}"));

    /// <summary>How many list requests <paramref name="address"/> received.</summary>
    public int RequestsTo(string address) => _requests.GetValueOrDefault(address);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listeners.ForEach(l => l.Stop());
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        var address = ((IPEndPoint)listener.LocalEndpoint).Address.ToString();
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(socket, address));
        }
    }

    private async Task ServeAsync(Socket socket, string address)
    {
        using var _ = socket;
        try
        {
            var path = await ReadRequestPathAsync(socket);
            if (path is null)
            {
                return;
            }
            var answer = path == ListPath ? _answer : new ExhibitorAnswer(404, "not found"u8.ToArray());
            if (path == ListPath)
            {
                _requests.AddOrUpdate(address, 1, (_, n) => n + 1);
            }
            if (answer.Delay > TimeSpan.Zero)
            {
                await Task.Delay(answer.Delay, _stop.Token);
            }
            if (answer.Hangup)
            {
                return;
            }
            var head = new StringBuilder()
                .Append(System.Globalization.CultureInfo.InvariantCulture, $"HTTP/1.1 {answer.Status} Stand-in\r\n")
                .Append("Content-Type: application/json\r\nConnection: close\r\n");
            if (answer.DeclareLength)
            {
                head.Append(System.Globalization.CultureInfo.InvariantCulture, $"Content-Length: {answer.ContentLength ?? answer.Body.Length}\r\n");
            }
            head.Append("\r\n");
            await socket.SendAsync(Encoding.ASCII.GetBytes(head.ToString()), SocketFlags.None, _stop.Token);
            await socket.SendAsync(answer.Body, SocketFlags.None, _stop.Token);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client gave up (a timeout test) or the stand-in is stopping.
        }
    }

    /// <summary>The path of the request line, once the headers are in (at most 16 KiB); null if the client left first.</summary>
    private async Task<string?> ReadRequestPathAsync(Socket socket)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, _stop.Token);
            if (read == 0)
            {
                return null;
            }
            length += read;
            var text = Encoding.ASCII.GetString(buffer, 0, length);
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var requestLine = text[..text.IndexOf("\r\n", StringComparison.Ordinal)].Split(' ');
                return requestLine.Length >= 2 ? requestLine[1] : "";
            }
        }
        return null;
    }
}
