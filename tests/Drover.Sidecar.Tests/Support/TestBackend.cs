using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Drover.Sidecar.Tests.Support;

/// <summary>What a <see cref="TestBackend"/> does with each connection.</summary>
public enum BackendMode
{
    /// <summary>Sends its name and a newline, then echoes everything back.</summary>
    NameThenEcho,

    /// <summary>Reads to end of stream, answers "&lt;count&gt; bytes", then closes (a request, a half-close, a response).</summary>
    CountToEnd,

    /// <summary>Accepts and reads nothing until <see cref="TestBackend.StartReading"/>; then reads and counts everything.</summary>
    Stalled,
}

/// <summary>A TCP server on 127.0.0.1 standing in for one node's port; buffers are reused, so it allocates nothing per byte.</summary>
public sealed class TestBackend : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Socket> _connections = [];
    private readonly Lock _gate = new();
    private readonly Task _accepting;
    private int _accepted;
    private long _received;
    private ulong _checksum;

    public TestBackend(string name, BackendMode mode = BackendMode.NameThenEcho)
    {
        Name = name;
        Mode = mode;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _accepting = AcceptAsync();
    }

    public string Name { get; }

    public BackendMode Mode { get; }

    public int Port { get; }

    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Bytes read by a stalled backend once it reads.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>A running checksum of what a stalled backend read (see <see cref="Checksum"/>).</summary>
    public ulong ReceivedChecksum => Volatile.Read(ref _checksum);

    public void StartReading() => _reading.TrySetResult();

    /// <summary>The checksum <see cref="ReceivedChecksum"/> reaches for these bytes in this order.</summary>
    public static ulong Checksum(ulong sum, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            sum = (sum * 31) + b;
        }
        return sum;
    }

    /// <summary>Stops listening and closes every connection (a node that dies).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync();
        _listener.Dispose();
        lock (_gate)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }
        await _accepting;
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            lock (_gate)
            {
                _connections.Add(connection);
            }
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            switch (Mode)
            {
                case BackendMode.NameThenEcho:
                    await connection.SendAsync(Encoding.ASCII.GetBytes(Name + "\n"), SocketFlags.None);
                    while (await connection.ReceiveAsync(buffer.AsMemory(), SocketFlags.None) is var read and > 0)
                    {
                        await connection.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                    }
                    break;
                case BackendMode.CountToEnd:
                    long total = 0;
                    while (await connection.ReceiveAsync(buffer.AsMemory(), SocketFlags.None) is var read and > 0)
                    {
                        total += read;
                    }
                    await connection.SendAsync(Encoding.ASCII.GetBytes($"{total} bytes"), SocketFlags.None);
                    break;
                case BackendMode.Stalled:
                    await _reading.Task;
                    var sum = 0UL;
                    while (await connection.ReceiveAsync(buffer.AsMemory(), SocketFlags.None) is var read and > 0)
                    {
                        sum = Checksum(sum, buffer.AsSpan(0, read));
                        Volatile.Write(ref _checksum, sum);
                        Interlocked.Add(ref _received, read);
                    }
                    break;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            connection.Dispose();
        }
    }
}
