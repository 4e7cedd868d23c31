using System.Net;
using System.Net.Sockets;

namespace Drover.Testing.ZooKeeper;

/// <summary>
/// A loopback TCP relay in front of a server, to cut a client off without touching the server:
/// <see cref="Pause"/> drops every relayed connection and refuses new ones (a partition),
/// <see cref="Resume"/> heals it. <see cref="MuteReplies"/> lets requests through but swallows what the
/// server sends back: the server acts on a request whose reply the client never sees.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _open = [];
    private readonly Lock _lock = new();
    private readonly Task _acceptLoop;
    private bool _paused;
    private volatile bool _repliesMuted;

    public TcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    public string ConnectString => $"127.0.0.1:{Port}";

    /// <summary>Connections accepted so far (each reconnection of a client counts).</summary>
    public int Accepted { get; private set; }

    public void Pause()
    {
        lock (_lock)
        {
            _paused = true;
        }
        DropConnections();
    }

    public void Resume()
    {
        lock (_lock)
        {
            _paused = false;
        }
    }

    /// <summary>From now on, bytes from the server are read and dropped instead of relayed.</summary>
    public void MuteReplies() => _repliesMuted = true;

    public void UnmuteReplies() => _repliesMuted = false;

    public void DropConnections()
    {
        List<Socket> open;
        lock (_lock)
        {
            open = [.. _open];
            _open.Clear();
        }
        foreach (var socket in open)
        {
            socket.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        DropConnections();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptAsync(_stop.Token);
            bool paused;
            lock (_lock)
            {
                paused = _paused;
                Accepted++;
            }
            if (paused)
            {
                client.Dispose();
                continue;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        lock (_lock)
        {
            _open.Add(client);
            _open.Add(upstream);
        }
        try
        {
            await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _targetPort), _stop.Token);
            await Task.WhenAny(PumpAsync(client, upstream, isReply: false), PumpAsync(upstream, client, isReply: true));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool isReply)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
            {
                if (isReply && _repliesMuted)
                {
                    continue;
                }
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }
}
