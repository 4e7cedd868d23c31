using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Drover.Mesos.Tests.Http;

/// <summary>
/// A TCP server on 127.0.0.1 (port picked at run time) whose every accepted connection is handled by a script: the
/// test reads the requests as they arrive and writes whatever bytes it wants back, valid HTTP or not.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Peer, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _handlers = [];
    private readonly Task _accepting;
    private int _connections;

    public ScriptedServer(Func<Peer, Task> script)
    {
        _script = script;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Every request received, in order, as text (head and body).</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var index = Interlocked.Increment(ref _connections);
                _handlers.Add(Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            await _script(new Peer(this, client.GetStream(), index));
                        }
                        catch (IOException)
                        {
                            // The client went away: the script's business, not the server's.
                        }
                    }
                }));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_handlers).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    /// <summary>One accepted connection.</summary>
    public sealed class Peer(ScriptedServer server, NetworkStream stream, int index)
    {
        private readonly List<byte> _pending = [];

        /// <summary>1 for the first connection accepted, 2 for the next...</summary>
        public int Index => index;

        public NetworkStream Stream => stream;

        /// <summary>The next request (head and Content-Length body) as text; null when the client closed first.</summary>
        public async Task<string?> ReadRequestAsync()
        {
            var buffer = new byte[4096];
            while (true)
            {
                var text = Encoding.Latin1.GetString([.. _pending]);
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0)
                {
                    var length = ContentLength(text[..end]);
                    if (_pending.Count >= end + 4 + length)
                    {
                        var request = text[..(end + 4 + length)];
                        _pending.RemoveRange(0, end + 4 + length);
                        server.Requests.Enqueue(request);
                        return request;
                    }
                }

                var read = await stream.ReadAsync(buffer);
                if (read == 0)
                {
                    return null;
                }

                _pending.AddRange(buffer.AsSpan(0, read).ToArray());
            }
        }

        public Task WriteAsync(string text) => stream.WriteAsync(Encoding.Latin1.GetBytes(text)).AsTask();

        public Task WriteAsync(byte[] bytes) => stream.WriteAsync(bytes).AsTask();

        private static int ContentLength(string head)
        {
            foreach (var line in head.Split("\r\n"))
            {
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                {
                    return int.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
                }
            }

            return 0;
        }
    }
}
