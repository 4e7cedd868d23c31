using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Drover.ZooKeeper.Jute;
using Drover.ZooKeeper.Protocol;

namespace Drover.ZooKeeper;

/// <summary>
/// Opening, on the connection's thread: a non-blocking connect to each address of the server in turn, then
/// ConnectRequest out and ConnectResponse in, every wait in poll() bounded by one deadline.
/// </summary>
internal sealed partial class Connection
{
    private ConnectResponse Open(IPAddress[] addresses, ConnectRequest request, long deadline, TimeSpan timeout)
    {
        Connect(addresses, deadline, timeout);
        var frame = new byte[FrameResult.PrefixLength + request.Size];
        var writer = new JuteWriter(frame);
        writer.WriteInt(request.Size);
        request.Write(ref writer);
        Debug.Assert(writer.Position == frame.Length, "ConnectRequest.Size disagrees with Write");
        for (ReadOnlyMemory<byte> unsent = frame; !unsent.IsEmpty;)
        {
            WaitUntil(deadline, timeout, forWrite: true);
            unsent = SendNow(unsent);
        }

        while (true)
        {
            var result = FrameReader.TryRead(_receive.AsSpan(_start, _end - _start), _maxPacketSize);
            if (result.Status == FrameStatus.Complete)
            {
                var response = ParseConnectResponse(_receive.AsSpan(_start + FrameResult.PrefixLength, result.DeclaredLength));
                _start += result.FrameLength;
                return response;
            }
            if (result.Status != FrameStatus.Incomplete)
            {
                throw FrameReader.Refused(result, _maxPacketSize);
            }
            if (WaitUntil(deadline, timeout, forWrite: false).Readable)
            {
                ReceiveOnce(result);
            }
        }
    }

    /// <summary>Connects to the first address that accepts, as Socket.ConnectAsync does with a host name.</summary>
    private void Connect(IPAddress[] addresses, long deadline, TimeSpan timeout)
    {
        SocketException? refused = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = false };
            lock (_lock)
            {
                if (_breakReason is not null)
                {
                    socket.Dispose();
                    throw new OperationCanceledException("The connection is broken.");
                }
                _socket?.Dispose();
                _socket = socket;
            }
            try
            {
                socket.Connect(new IPEndPoint(address, Server.Port));
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                // Connecting: writable once done, then SO_ERROR says how it went.
            }
            catch (SocketException e)
            {
                refused = e;
                continue;
            }
            WaitUntil(deadline, timeout, forWrite: true);
            var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            if (error == SocketError.Success)
            {
                return;
            }
            refused = new SocketException((int)error);
        }
        throw refused ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>
    /// Waits for the socket to be readable (or writable, <paramref name="forWrite"/>) until the deadline;
    /// throws the handshake timeout when it passes, and the reason when the connection broke meanwhile.
    /// </summary>
    private Readiness WaitUntil(long deadline, TimeSpan timeout, bool forWrite)
    {
        while (true)
        {
            var left = deadline - Stopwatch.GetTimestamp();
            if (left <= 0)
            {
                throw HandshakeTimeout(Server, timeout);
            }
            var micros = (int)Math.Min(int.MaxValue, left * 1_000_000 / Stopwatch.Frequency);
            var ready = Wait(forWrite, Math.Max(micros, 1000));
            if (forWrite ? ready.Writable : ready.Readable)
            {
                return ready;
            }
        }
    }

    private static ConnectResponse ParseConnectResponse(ReadOnlySpan<byte> payload)
    {
        var reader = new JuteReader(payload);
        return ConnectResponse.Read(ref reader);
    }
}
