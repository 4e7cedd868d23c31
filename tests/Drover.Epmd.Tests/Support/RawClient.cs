using System.Net;
using System.Net.Sockets;
using Drover.Epmd.Protocol;

namespace Drover.Epmd.Tests.Support;

/// <summary>What a server sent back on one connection, and whether it closed the connection itself.</summary>
internal sealed record Reply(byte[] Bytes, bool ClosedByServer)
{
    public bool IsEmptyClose => Bytes.Length == 0 && ClosedByServer;
}

/// <summary>A blocking raw-socket EPMD client, as crude as a test wants it: any bytes, any segmentation.</summary>
internal static class RawClient
{
    public static readonly TimeSpan ReadDeadline = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Connects, sends <paramref name="request"/> in segments of <paramref name="segment"/> bytes, optionally
    /// half-closes, and reads until the server closes.
    /// </summary>
    public static Reply Exchange(IPEndPoint server, ReadOnlySpan<byte> request, int segment = int.MaxValue, bool halfClose = false)
    {
        using var socket = Connect(server);
        try
        {
            for (var offset = 0; offset < request.Length; offset += segment)
            {
                var size = Math.Min(segment, request.Length - offset);
                socket.Send(request.Slice(offset, size));
            }
            if (halfClose)
            {
                socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (SocketException error) when (error.SocketErrorCode is SocketError.Shutdown or SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            // The server hung up before the whole request was out: it refused it from the header alone.
        }
        return ReadToEnd(socket);
    }

    public static Socket Connect(IPEndPoint server)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.ReceiveTimeout = (int)ReadDeadline.TotalMilliseconds;
        socket.Connect(server);
        return socket;
    }

    /// <summary>Reads until end of stream or reset; a read timeout means the server never closed.</summary>
    public static Reply ReadToEnd(Socket socket)
    {
        var received = new List<byte>();
        var chunk = new byte[4096];
        while (true)
        {
            int read;
            try
            {
                read = socket.Receive(chunk);
            }
            catch (SocketException error) when (error.SocketErrorCode == SocketError.ConnectionReset)
            {
                return new Reply([.. received], ClosedByServer: true);
            }
            catch (SocketException error) when (error.SocketErrorCode == SocketError.TimedOut)
            {
                return new Reply([.. received], ClosedByServer: false);
            }
            if (read == 0)
            {
                return new Reply([.. received], ClosedByServer: true);
            }
            received.AddRange(chunk.AsSpan(0, read));
        }
    }

    public static byte[] PortPlease(IPEndPoint server, string name) =>
        Exchange(server, PortPlease2Request.ToFrame(name)).Bytes;

    public static byte[] Names(IPEndPoint server) => Exchange(server, [0, 1, EpmdTags.NamesRequest]).Bytes;

    public static byte[] Dump(IPEndPoint server) => Exchange(server, [0, 1, EpmdTags.DumpRequest]).Bytes;

    /// <summary>Frames <paramref name="body"/> with its 2-byte length.</summary>
    public static byte[] Frame(params byte[] body)
    {
        var frame = new byte[2 + body.Length];
        frame[0] = (byte)(body.Length >> 8);
        frame[1] = (byte)body.Length;
        body.CopyTo(frame, 2);
        return frame;
    }
}
