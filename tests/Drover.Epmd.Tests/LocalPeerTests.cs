using System.Net;

namespace Drover.Epmd.Tests;

public class LocalPeerTests
{
    [Theory]
    [InlineData("127.0.0.1", "10.1.2.3", true)]
    [InlineData("127.200.0.9", "10.1.2.3", true)]
    [InlineData("::1", "10.1.2.3", true)]
    [InlineData("::ffff:127.0.0.1", "::ffff:10.1.2.3", true)]
    [InlineData("10.1.2.3", "10.1.2.3", true)]
    [InlineData("::ffff:10.1.2.3", "10.1.2.3", true)]
    [InlineData("10.1.2.4", "10.1.2.3", false)]
    [InlineData("fe80::1", "fe80::2", false)]
    [InlineData("128.0.0.1", "10.1.2.3", false)]
    public void IsLocal_LoopbackOrTheArrivalAddress(string peer, string local, bool expected)
    {
        Assert.Equal(expected, LocalPeer.IsLocal(IPAddress.Parse(peer), IPAddress.Parse(local)));
    }
}
