using Drover.ZooKeeper;

namespace Drover.Registry.Tests;

public sealed class PathsAndCredentialsTests
{
    [Fact]
    public void Paths_FollowTheArchitectureLayout()
    {
        var cluster = new RegistryPaths("/drover", "fw").Cluster("ring");

        Assert.Equal("/drover/fw/clusters/ring", cluster.Path);
        Assert.Equal("/drover/fw/clusters/ring/nodes/node-1", cluster.Node("node-1"));
        Assert.Equal("/drover/fw/clusters/ring/members/member_", cluster.MemberPathPrefix);
        Assert.Equal("/drover/fw/clusters/ring/epmd/riak@10.0.0.1", cluster.EpmdEntry("riak@10.0.0.1"));
        Assert.Equal("/fw/clusters", new RegistryPaths("/", "fw").Clusters);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("bad\u0001name")]
    public void Names_ThatAreNotOneZnodeName_AreRefused(string name)
    {
        var paths = new RegistryPaths("/drover", "fw");

        Assert.Throws<ArgumentException>(() => paths.Cluster(name));
        Assert.Throws<ArgumentException>(() => paths.Cluster("ok").Node(name));
        Assert.Throws<ArgumentException>(() => new RegistryPaths("/drover", name));
    }

    [Fact]
    public void Credentials_NeverShowThePassword()
    {
        const string secret = "s3cr3t-pa55:with-colon";
        var credentials = DigestCredentials.Parse("framework:" + secret);
        var options = new RegistryOptions { ConnectString = "127.0.0.1:2181", Framework = "fw", Credentials = credentials };

        Assert.Equal("framework", credentials.User);
        Assert.Equal(DigestAuth.Id("framework", secret), credentials.Id);
        Assert.DoesNotContain(secret, credentials.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", Assert.Throws<FormatException>(() => DigestCredentials.Parse("s3cr3t")).Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", Assert.Throws<FormatException>(() => DigestCredentials.Parse(":s3cr3t")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Acl_IsReadForAnyone_AndAllForTheFramework_OnlyWithCredentials()
    {
        var open = new RegistryOptions { ConnectString = "127.0.0.1:2181", Framework = "fw" };
        var closed = new RegistryOptions { ConnectString = "127.0.0.1:2181", Framework = "fw", Credentials = new DigestCredentials("fw", "pw") };

        Assert.Equal(Ids.OpenAclUnsafe, open.Acl);
        Assert.Equal([new Acl(Perms.Read, Ids.AnyoneIdUnsafe), new Acl(Perms.All, DigestAuth.Id("fw", "pw"))], closed.Acl);
        Assert.Equal([DigestAuth.Scheme], closed.ClientOptions().AuthInfo.Select(a => a.Scheme));
    }

    [Fact]
    public void Options_CheckTheirValues()
    {
        Assert.Throws<ArgumentException>(() => new RegistryOptions { ConnectString = "127.0.0.1:2181", Framework = "a/b" });
        Assert.ThrowsAny<ArgumentException>(() => new RegistryOptions { ConnectString = "127.0.0.1:2181", Framework = "fw", Root = "drover" });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RegistryOptions { ConnectString = "127.0.0.1:2181", Framework = "fw", SessionTimeout = TimeSpan.Zero });
        Assert.ThrowsAny<ArgumentException>(() => new RegistryOptions { ConnectString = "", Framework = "fw" });
    }
}
