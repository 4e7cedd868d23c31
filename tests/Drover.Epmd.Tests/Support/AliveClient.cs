using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Drover.Epmd.Protocol;

namespace Drover.Epmd.Tests.Support;

/// <summary>A node's registration connection, held open for as long as the test wants the node to exist.</summary>
internal sealed class AliveClient : IDisposable
{
    private AliveClient(Socket socket, byte[] reply)
    {
        Socket = socket;
        Reply = reply;
    }

    public Socket Socket { get; }

    public byte[] Reply { get; }

    public bool Registered => Reply.Length >= 2 && Reply[1] == 0;

    public uint Creation => Reply[0] == EpmdTags.Alive2ExtendedResponse
        ? BinaryPrimitives.ReadUInt32BigEndian(Reply.AsSpan(2))
        : BinaryPrimitives.ReadUInt16BigEndian(Reply.AsSpan(2));

    public static Alive2Request Node(string name, ushort port, ushort highest = 6, ushort lowest = 5, byte[]? extra = null, EpmdNodeType type = EpmdNodeType.Normal) =>
        new(port, type, 0, highest, lowest, name, extra is null ? [] : ImmutableArray.Create(extra));

    public static AliveClient Register(IPEndPoint server, Alive2Request request) => Register(server, request.ToFrame());

    /// <summary>Sends a raw ALIVE2 frame and reads the 4- or 6-byte answer (or what came before a close).</summary>
    public static AliveClient Register(IPEndPoint server, byte[] frame)
    {
        var socket = RawClient.Connect(server);
        try
        {
            socket.Send(frame);
            var head = ReadExactly(socket, 1);
            if (head.Length == 0)
            {
                return new AliveClient(socket, []);
            }
            var length = head[0] == EpmdTags.Alive2ExtendedResponse ? 6 : 4;
            var rest = ReadExactly(socket, length - 1);
            return new AliveClient(socket, [.. head, .. rest]);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>True once the server has closed this connection (polled up to the deadline).</summary>
    public bool WaitClosedByServer(TimeSpan deadline)
    {
        var chunk = new byte[64];
        Socket.ReceiveTimeout = (int)deadline.TotalMilliseconds;
        try
        {
            while (Socket.Receive(chunk) > 0)
            {
            }
            return true;
        }
        catch (SocketException error) when (error.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
        catch (SocketException error) when (error.SocketErrorCode == SocketError.TimedOut)
        {
            return false;
        }
    }

    public void Dispose() => Socket.Dispose();

    private static byte[] ReadExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        var got = 0;
        while (got < count)
        {
            var read = socket.Receive(buffer, got, count - got, SocketFlags.None);
            if (read == 0)
            {
                break;
            }
            got += read;
        }
        return buffer[..got];
    }
}
