using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using Drover.Posix.Interop;

namespace Drover.Posix;

/// <summary>poll(2) event bits.</summary>
[Flags]
#pragma warning disable CA1028 // short is pollfd's own field type
public enum PollEvents : short
#pragma warning restore CA1028
{
    None = 0,
    In = Libc.POLLIN,
    Error = Libc.POLLERR,
    HangUp = Libc.POLLHUP,
    Invalid = Libc.POLLNVAL,
}

/// <summary>One <c>struct pollfd</c> (int fd, short events, short revents): the descriptor, the events asked for, the events returned.</summary>
[StructLayout(LayoutKind.Sequential)]
public record struct PollEntry(int Fd, PollEvents Events, PollEvents Returned);

/// <summary>
/// Plain socket descriptors, for a server whose one thread polls many short-lived connections (the cEPMD
/// event loop, as epmd's own <c>select</c> loop): accept already non-blocking, receive, send, shut down and
/// close, with no .NET <see cref="System.Net.Sockets.Socket"/> per connection. Calls return -1 and the errno
/// instead of throwing, because on such a path EAGAIN and a vanished peer are ordinary outcomes. EINTR is
/// retried here.
/// </summary>
/// <remarks>
/// A descriptor number is reused by the next accept as soon as it is closed, so only its owner may close it;
/// anyone else who must end a connection calls <see cref="Shutdown"/>, which wakes the owner's poll, read or
/// send without freeing the number.
/// </remarks>
public static unsafe class SocketFd
{
    // struct sockaddr_storage is 128 bytes.
    private const int SockAddrSize = 128;
    private const ushort AF_INET = 2;
    private const ushort AF_INET6 = 10;

    /// <summary>
    /// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC: the new descriptor needs no fcntl before it is polled.
    /// Returns it, or -1 with <paramref name="errno"/> (EAGAIN: nothing waiting; ECONNABORTED: the peer left
    /// the backlog first; EMFILE/ENFILE: out of descriptors).
    /// </summary>
    public static int Accept(int listener, out int errno)
    {
        while (true)
        {
            var fd = Libc.accept4(listener, null, null, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (fd >= 0 || errno != Errno.EINTR)
            {
                return fd;
            }
        }
    }

    /// <summary>recv(2): bytes read, 0 at end of stream, or -1 with <paramref name="errno"/> (EAGAIN when nothing is in).</summary>
    public static int Receive(int fd, Span<byte> buffer, out int errno)
    {
        fixed (byte* bytes = buffer)
        {
            while (true)
            {
                var read = Libc.recv(fd, bytes, (nuint)buffer.Length, 0);
                errno = read < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (read >= 0 || errno != Errno.EINTR)
                {
                    return (int)read;
                }
            }
        }
    }

    /// <summary>
    /// send(2) with MSG_NOSIGNAL (a peer that left gives EPIPE, not SIGPIPE): bytes sent, possibly fewer
    /// than asked on a non-blocking socket, or -1 with <paramref name="errno"/>.
    /// </summary>
    /// <param name="closing">
    /// The close follows at once: the bytes are queued with MSG_MORE, so the close sends them and its FIN in
    /// one segment and the peer reads the answer and the end of stream with one wake-up. Only for a last
    /// answer: until the close (or a later send without it), the bytes wait.
    /// </param>
    public static int Send(int fd, ReadOnlySpan<byte> data, out int errno, bool closing = false)
    {
        var flags = Libc.MSG_NOSIGNAL | (closing ? Libc.MSG_MORE : 0);
        fixed (byte* bytes = data)
        {
            while (true)
            {
                var sent = Libc.send(fd, bytes, (nuint)data.Length, flags);
                errno = sent < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (sent >= 0 || errno != Errno.EINTR)
                {
                    return (int)sent;
                }
            }
        }
    }

    /// <summary>
    /// poll(2) over <paramref name="entries"/>, descriptors of any kind (sockets, pipes); their
    /// <see cref="PollEntry.Returned"/> bits are filled in.
    /// Returns how many have events, 0 on timeout, or -1 with <paramref name="errno"/> (EINTR is returned,
    /// not retried: the caller's loop looks at its own state first).
    /// </summary>
    public static int Poll(Span<PollEntry> entries, int timeoutMilliseconds, out int errno)
    {
        fixed (PollEntry* fds = entries)
        {
            var ready = Libc.poll(fds, (nuint)entries.Length, timeoutMilliseconds);
            errno = ready < 0 ? Marshal.GetLastPInvokeError() : 0;
            return ready;
        }
    }

    /// <summary>
    /// shutdown(SHUT_RDWR): ends the connection for whoever is blocked on or polling it (a listener's poll
    /// reports a hang-up), without closing the descriptor. Returns 0 or the errno.
    /// </summary>
    public static int Shutdown(int fd) => Libc.shutdown(fd, Libc.SHUT_RDWR) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>close(2). Not retried on EINTR: Linux has released the descriptor by then. Returns 0 or the errno.</summary>
    public static int Close(int fd) => Libc.close(fd) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>The peer's IP address (getpeername), or null when the socket is not connected or not IP.</summary>
    public static IPAddress? PeerAddress(int fd) => Address(fd, peer: true);

    /// <summary>The local IP address the connection arrived on (getsockname), or null when not IP.</summary>
    public static IPAddress? LocalAddress(int fd) => Address(fd, peer: false);

    private static IPAddress? Address(int fd, bool peer)
    {
        var storage = stackalloc byte[SockAddrSize];
        uint length = SockAddrSize;
        var result = peer ? Libc.getpeername(fd, storage, &length) : Libc.getsockname(fd, storage, &length);
        return result == 0 ? ParseAddress(new ReadOnlySpan<byte>(storage, (int)Math.Min(length, SockAddrSize))) : null;
    }

    /// <summary>
    /// The address in a <c>struct sockaddr</c> as the kernel fills it (family in host order first):
    /// sockaddr_in (family, port, 4-byte address) or sockaddr_in6 (family, port, flow info, 16-byte address).
    /// Null for another family or a short buffer.
    /// </summary>
    public static IPAddress? ParseAddress(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < 2)
        {
            return null;
        }
        var family = BinaryPrimitives.ReadUInt16LittleEndian(sockaddr);
        if (family == AF_INET && sockaddr.Length >= 8)
        {
            return new IPAddress(sockaddr.Slice(4, 4));
        }
        if (family == AF_INET6 && sockaddr.Length >= 24)
        {
            var scope = sockaddr.Length >= 28 ? BinaryPrimitives.ReadUInt32LittleEndian(sockaddr.Slice(24, 4)) : 0;
            return new IPAddress(sockaddr.Slice(8, 16), scope);
        }
        return null;
    }
}
