using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Posix.Tests;

public sealed class SocketFdTests : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public SocketFdTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _listener.Blocking = false;
    }

    public void Dispose() => _listener.Dispose();

    private int ListenerFd => (int)_listener.SafeHandle.DangerousGetHandle();

    [Fact]
    public void PollEntryHasTheLayoutOfStructPollfd() => Assert.Equal(8, Unsafe.SizeOf<PollEntry>());

    [Fact]
    public void AcceptWithNothingWaitingIsEagain()
    {
        Assert.Equal(-1, SocketFd.Accept(ListenerFd, out var errno));
        Assert.Equal(Errno.EAGAIN, errno);
    }

    [Fact]
    public void AcceptedDescriptorIsNonBlockingAndCarriesBothWays()
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(_listener.LocalEndPoint!);
        Assert.True(WaitReadable(ListenerFd));
        var fd = SocketFd.Accept(ListenerFd, out var errno);
        Assert.True(fd >= 0, $"accept4 failed: {Errno.Name(errno)}");
        try
        {
            var buffer = new byte[16];
            // Non-blocking from the start: no fcntl was needed.
            Assert.Equal(-1, SocketFd.Receive(fd, buffer, out errno));
            Assert.Equal(Errno.EAGAIN, errno);

            client.Send("ping"u8);
            Assert.True(WaitReadable(fd));
            Assert.Equal(4, SocketFd.Receive(fd, buffer, out _));
            Assert.Equal("ping"u8.ToArray(), buffer[..4]);

            Assert.Equal(4, SocketFd.Send(fd, "pong"u8, out _));
            Assert.Equal(4, client.Receive(buffer));
            Assert.Equal("pong"u8.ToArray(), buffer[..4]);

            Assert.Equal(IPAddress.Loopback, SocketFd.PeerAddress(fd));
            Assert.Equal(IPAddress.Loopback, SocketFd.LocalAddress(fd));

            client.Shutdown(SocketShutdown.Send);
            Assert.True(WaitReadable(fd));
            Assert.Equal(0, SocketFd.Receive(fd, buffer, out _)); // end of stream
        }
        finally
        {
            Assert.Equal(0, SocketFd.Close(fd));
        }
    }

    [Fact]
    public void SendToAPeerThatLeftIsAnErrorNotASignal()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(_listener.LocalEndPoint!);
        Assert.True(WaitReadable(ListenerFd));
        var fd = SocketFd.Accept(ListenerFd, out _);
        try
        {
            client.LingerState = new LingerOption(true, 0); // close with RST
            client.Dispose();
            var result = 0;
            var errno = 0;
            // The first send may still be taken before the RST is seen; a later one fails.
            for (var i = 0; i < 50 && result >= 0; i++)
            {
                result = SocketFd.Send(fd, new byte[1024], out errno);
                if (result >= 0)
                {
                    WaitReadable(fd, 20);
                }
            }
            Assert.Equal(-1, result);
            Assert.Contains(errno, new[] { Errno.EPIPE, Errno.ECONNRESET });
        }
        finally
        {
            SocketFd.Close(fd);
        }
    }

    [Fact]
    public async Task ShutdownOfAListenerWakesItsPoll()
    {
        var entries = new[] { new PollEntry(ListenerFd, PollEvents.In, PollEvents.None) };
        var polling = Task.Run(() => SocketFd.Poll(entries, 10_000, out _));
        // Let the poll start first; shutting down before it would leave the hang-up to see but test no waking.
        await Task.Delay(50);
        Assert.Equal(0, SocketFd.Shutdown(ListenerFd));
        Assert.Equal(1, await polling.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(entries[0].Returned.HasFlag(PollEvents.HangUp), $"returned {entries[0].Returned}");
        Assert.Equal(-1, SocketFd.Accept(ListenerFd, out var errno));
        Assert.Equal(Errno.EINVAL, errno);
    }

    [Fact]
    public void PollTimesOutWithNothingReady()
    {
        var entries = new[] { new PollEntry(ListenerFd, PollEvents.In, PollEvents.None) };
        Assert.Equal(0, SocketFd.Poll(entries, 1, out _));
        Assert.Equal(PollEvents.None, entries[0].Returned);
    }

    [Fact]
    public void ClosedDescriptorIsEbadf()
    {
        Assert.Equal(-1, SocketFd.Receive(-1, new byte[1], out var errno));
        Assert.Equal(Errno.EBADF, errno);
        Assert.Equal(Errno.EBADF, SocketFd.Close(-1));
        Assert.Null(SocketFd.PeerAddress(-1));
    }

    [Fact]
    public void ParsesSockaddrIn()
    {
        byte[] sockaddr = [2, 0, 0x11, 0x11, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(IPAddress.Parse("10.1.2.3"), SocketFd.ParseAddress(sockaddr));
    }

    [Fact]
    public void ParsesSockaddrIn6WithScope()
    {
        var sockaddr = new byte[28];
        sockaddr[0] = 10;
        IPAddress.Parse("fe80::1").GetAddressBytes().CopyTo(sockaddr, 8);
        sockaddr[24] = 3;
        var parsed = SocketFd.ParseAddress(sockaddr)!;
        Assert.Equal(IPAddress.Parse("fe80::1%3"), parsed);
        Assert.Equal(3, parsed.ScopeId);
    }

    [Fact]
    public void ParseAddress_WithAnyBytes_NeverThrowsAndReadsOnlyKnownFamilies()
    {
        // Each sample as it came, and stamped as AF_INET and AF_INET6: an address exactly when the buffer is
        // long enough for that family, null otherwise.
        var samples = ArbMap.Default.GeneratorFor<byte[]>();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(samples.ToArbitrary(), bytes =>
        {
            bytes ??= [];
            foreach (var family in new[] { -1, 2, 10 })
            {
                var sockaddr = (byte[])bytes.Clone();
                if (family >= 0 && sockaddr.Length >= 2)
                {
                    sockaddr[0] = (byte)family;
                    sockaddr[1] = 0;
                }
                var stamped = sockaddr.Length >= 2 ? sockaddr[0] | (sockaddr[1] << 8) : -1;
                var parsed = SocketFd.ParseAddress(sockaddr);
                var expected = (stamped == 2 && sockaddr.Length >= 8) || (stamped == 10 && sockaddr.Length >= 24);
                if ((parsed is not null) != expected)
                {
                    return false;
                }
                if (parsed is not null && !parsed.GetAddressBytes().AsSpan().SequenceEqual(sockaddr.AsSpan(stamped == 2 ? 4 : 8, stamped == 2 ? 4 : 16)))
                {
                    return false;
                }
            }
            return true;
        }));
    }

    private static bool WaitReadable(int fd, int timeoutMs = 5000)
    {
        var entries = new[] { new PollEntry(fd, PollEvents.In, PollEvents.None) };
        return SocketFd.Poll(entries, timeoutMs, out _) == 1;
    }
}
