using System.Net;
using System.Net.Sockets;

namespace Drover.Epmd;

/// <summary>
/// epmd's notion of a local peer (<c>conn_local_peer_check</c>): a loopback address (127.0.0.0/8, ::1),
/// or the very address the connection arrived on (the host talking to itself through its own IP).
/// ALIVE2, DUMP, KILL and STOP are served only to local peers.
/// </summary>
public static class LocalPeer
{
    public static bool IsLocal(IPAddress peer, IPAddress local)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(local);
        peer = Unmap(peer);
        local = Unmap(local);
        if (peer.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> bytes = stackalloc byte[4];
            peer.TryWriteBytes(bytes, out _);
            if (bytes[0] == 127)
            {
                return true;
            }
        }
        else if (IPAddress.IsLoopback(peer))
        {
            return true;
        }
        return peer.Equals(local);
    }

    internal static bool IsLocal(Socket socket) =>
        socket.RemoteEndPoint is IPEndPoint remote && socket.LocalEndPoint is IPEndPoint local && IsLocal(remote.Address, local.Address);

    private static IPAddress Unmap(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
