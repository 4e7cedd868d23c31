using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Drover.Sidecar.Bench;

/// <summary>
/// The nodes behind both proxies: request/response servers in a process of their own, speaking Riak
/// PB's framing (a 32-bit big-endian length, then the payload). Each request frame is answered with a
/// frame of the configured size. Buffers are reused: the backends cost the same for both proxies.
/// </summary>
public static class Backends
{
    public static async Task RunAsync(int count, int responseBytes)
    {
        var listeners = new List<Socket>();
        for (var i = 0; i < count; i++)
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1024);
            listeners.Add(listener);
        }
        Console.WriteLine(string.Join(" ", listeners.Select(l => ((IPEndPoint)l.LocalEndPoint!).Port)));
        Console.Out.Flush();
        var response = new byte[4 + responseBytes];
        BinaryPrimitives.WriteInt32BigEndian(response, responseBytes);
        var accepting = listeners.Select(l => AcceptAsync(l, response)).ToList();
        // Runs until stdin closes (the bench ends it).
        await Console.In.ReadToEndAsync();
    }

    private static async Task AcceptAsync(Socket listener, byte[] response)
    {
        while (true)
        {
            var socket = await listener.AcceptAsync();
            socket.NoDelay = true;
            _ = ServeAsync(socket, response);
        }
    }

    private static async Task ServeAsync(Socket socket, byte[] response)
    {
        var buffer = new byte[64 * 1024];
        var filled = 0;
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                if (read == 0)
                {
                    return;
                }
                filled += read;
                // Answer every complete request frame received so far.
                var offset = 0;
                while (filled - offset >= 4 && filled - offset >= 4 + BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(offset)))
                {
                    offset += 4 + BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(offset));
                    await socket.SendAsync(response.AsMemory(), SocketFlags.None);
                }
                buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                filled -= offset;
            }
        }
        catch (SocketException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }
}
