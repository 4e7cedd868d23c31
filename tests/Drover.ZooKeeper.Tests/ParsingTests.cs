namespace Drover.ZooKeeper.Tests;

public sealed class ParsingTests
{
    [Theory]
    [InlineData("zk1:2181", "zk1:2181", null)]
    [InlineData("zk1", "zk1:2181", null)]
    [InlineData(" a:1 , b:2 ,c:3/app/root", "a:1,b:2,c:3", "/app/root")]
    [InlineData("127.0.0.1:2181/", "127.0.0.1:2181", null)]
    [InlineData("[::1]:2182,[fe80::1]", "[::1]:2182,[fe80::1]:2181", null)]
    public void ConnectString_ParsesHostsPortsAndChroot(string text, string servers, string? chroot)
    {
        var parsed = ConnectString.Parse(text);

        Assert.Equal(servers, string.Join(',', parsed.Servers));
        Assert.Equal(chroot, parsed.ChrootPath);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData(",", "names no server")]
    [InlineData("zk:0", "not a number from 1 to 65535")]
    [InlineData("zk:70000", "not a number from 1 to 65535")]
    [InlineData("zk:abc", "not a number from 1 to 65535")]
    [InlineData(":2181", "empty host")]
    [InlineData("[::1:2181", "opens '['")]
    [InlineData("zk:2181/app/", "must not end with /")]
    [InlineData("zk:2181/a//b", "empty node name")]
    public void ConnectString_Invalid_SaysWhy(string text, string problem)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => ConnectString.Parse(text));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exhibitor:http://ex1:8080,ex2:9090", "ex1:8080,ex2:9090", null)]
    [InlineData("EXHIBITOR:HTTP://ex1/app", "ex1:8080", "/app")]
    [InlineData("exhibitor:http://[::1]:8081,10.0.0.1/a/b", "[::1]:8081,10.0.0.1:8080", "/a/b")]
    public void ExhibitorConnectString_NamesTheInstancesAndTheChroot(string text, string exhibitors, string? chroot)
    {
        var parsed = ConnectString.Parse(text);

        Assert.True(parsed.IsExhibitor);
        Assert.Empty(parsed.Servers);
        Assert.Equal(exhibitors, string.Join(',', parsed.Exhibitors));
        Assert.Equal(chroot, parsed.ChrootPath);
        Assert.False(ConnectString.Parse("zk:2181").IsExhibitor);
    }

    [Theory]
    [InlineData("exhibitor:", "http only")]
    [InlineData("exhibitor:https://ex1:8080", "http only")]
    [InlineData("exhibitor:ex1:8080", "http only")]
    [InlineData("exhibitor:http://", "names no Exhibitor")]
    [InlineData("exhibitor:http://,/app", "names no Exhibitor")]
    [InlineData("exhibitor:http://ex1:99999", "not a number from 1 to 65535")]
    [InlineData("exhibitor:http://ex1:8080?x=1", "not a number from 1 to 65535")]
    [InlineData("exhibitor:http://ex1:8080/app/", "must not end with /")]
    public void ExhibitorConnectString_Invalid_SaysWhy(string text, string problem)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => ConnectString.Parse(text));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExhibitorTimings_AreBounded()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZooKeeperClientOptions { ConnectString = "zk", ExhibitorPollInterval = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZooKeeperClientOptions { ConnectString = "zk", ExhibitorRequestTimeout = TimeSpan.FromHours(1) });
        Assert.Equal(TimeSpan.FromSeconds(10), new ZooKeeperClientOptions { ConnectString = "zk" }.ExhibitorPollInterval);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/a")]
    [InlineData("/a/b.c/..d/d..")]
    [InlineData("/zookeeper/quota")]
    [InlineData("/日本")]
    public void Path_Valid(string path) => ZooKeeperPath.Validate(path);

    [Theory]
    [InlineData("", "path length must be > 0")]
    [InlineData("a", "must start with /")]
    [InlineData("/a/", "must not end with /")]
    [InlineData("/a//b", "empty node name specified @3")]
    [InlineData("/a/./b", "relative paths not allowed @3")]
    [InlineData("/a/../b", "relative paths not allowed @4")]
    [InlineData("/a/..", "relative paths not allowed @4")]
    [InlineData("/a\u0000b", "null character not allowed @2")]
    [InlineData("/a\u0001b", "invalid character @2")]
    [InlineData("/a\ud800", "invalid character @2")]
    public void Path_Invalid_SaysWhyAndWhere(string path, string problem)
    {
        var error = Assert.Throws<ArgumentException>(() => ZooKeeperPath.Validate(path));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Path_Sequential_MayEndWithSlash() => ZooKeeperPath.Validate("/queue/", isSequential: true);

    [Fact]
    public void Chroot_PrefixesAndStrips()
    {
        var chroot = Chroot.Of("/app");

        Assert.Equal("/app", chroot.ToServer("/"));
        Assert.Equal("/app/x", chroot.ToServer("/x"));
        Assert.Equal("/", chroot.ToClient("/app"));
        Assert.Equal("/x/y", chroot.ToClient("/app/x/y"));
        Assert.Null(chroot.ToClient("/apple"));
        Assert.Null(chroot.ToClient("/other"));
        Assert.Same(Chroot.None, Chroot.Of("/"));
        Assert.Equal("/x", Chroot.None.ToClient("/x"));
    }

    [Fact]
    public void HostProvider_TriesEveryServerInTurn_AndReportsACompletedRound()
    {
        var servers = Enumerable.Range(1, 5).Select(i => new ServerAddress("h", i)).ToList();
        var hosts = new HostProvider(servers, new Random(7));

        var round = Enumerable.Range(0, 5).Select(_ => hosts.Next()).ToList();
        Assert.Equal(servers.OrderBy(s => s.Port), round.Select(r => r.Server).OrderBy(s => s.Port));
        Assert.All(round, r => Assert.False(r.RoundCompleted));
        Assert.True(hosts.Next().RoundCompleted);

        hosts.OnConnected();
        var afterConnect = hosts.Next();
        Assert.False(afterConnect.RoundCompleted);
        Assert.Equal(round[1].Server, afterConnect.Server);
    }

    [Fact]
    public void Options_RefuseOutOfRangeValues_NamingTheRange()
    {
        Assert.Contains("from 1024", Assert.Throws<ArgumentOutOfRangeException>(() => new ZooKeeperClientOptions { ConnectString = "zk", MaxPacketSize = 10 }).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZooKeeperClientOptions { ConnectString = "zk", SessionTimeout = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZooKeeperClientOptions { ConnectString = "zk", RequestTimeout = TimeSpan.FromMilliseconds(-5) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZooKeeperClientOptions { ConnectString = "zk", MaxQueuedRequests = 0 });
        Assert.Throws<ArgumentException>(() => new ZooKeeperClientOptions { ConnectString = "zk:99999" });
        var options = new ZooKeeperClientOptions { ConnectString = "zk", RequestTimeout = Timeout.InfiniteTimeSpan };
        Assert.Equal(1_048_575, options.MaxPacketSize);
        Assert.Equal(TimeSpan.FromSeconds(30), options.SessionTimeout);
    }

    [Fact]
    public void KeeperException_Create_MapsEveryCodeToItsType()
    {
        foreach (var code in Enum.GetValues<KeeperErrorCode>().Where(c => c != KeeperErrorCode.Ok))
        {
            var exception = KeeperException.Create(code, "/p");
            Assert.Equal(code, exception.Code);
            Assert.Equal("/p", exception.Path);
            Assert.Equal(code.ToString() + "Exception", exception.GetType().Name, StringComparer.OrdinalIgnoreCase);
        }
        Assert.IsType<NoNodeException>(KeeperException.Create(KeeperErrorCode.NoNode));
        var unknown = KeeperException.Create((KeeperErrorCode)(-999));
        Assert.Equal(typeof(KeeperException), unknown.GetType());
        Assert.Contains("unknown error -999", unknown.Message, StringComparison.Ordinal);
    }
}
