using Drover.ZooKeeper.Tests.Support;

namespace Drover.ZooKeeper.Tests;

[Collection(ServerCollection.Name)]
public sealed class AclTests(StandaloneServerFixture fixture)
{
    [Fact]
    public async Task DigestAcl_AdmitsTheUser_AndDeniesOthersWithNoAuth()
    {
        await using var owner = await StandaloneServerFixture.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = fixture.Server.ConnectString,
            SessionTimeout = TimeSpan.FromSeconds(4),
            AuthInfo = [AuthInfo.Digest("alice", "secret")],
        });
        await using var stranger = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("acl");

        await owner.CreateAsync(path, "private"u8.ToArray(), [DigestAuth.Acl(Perms.All, "alice", "secret")], CreateMode.Persistent);

        Assert.Equal("private"u8.ToArray(), (await owner.GetDataAsync(path)).Data);
        var denied = await Assert.ThrowsAsync<NoAuthException>(() => stranger.GetDataAsync(path));
        Assert.Equal(KeeperErrorCode.NoAuth, denied.Code);
        await Assert.ThrowsAsync<NoAuthException>(() => stranger.SetDataAsync(path, "x"u8.ToArray()));
        // Exists needs no permission.
        Assert.NotNull(await stranger.ExistsAsync(path));

        await stranger.AddAuthAsync(DigestAuth.Scheme, DigestAuth.Credentials("alice", "secret"));
        Assert.Equal("private"u8.ToArray(), (await stranger.GetDataAsync(path)).Data);
    }

    [Fact]
    public async Task CreatorAllAcl_NamesTheAuthenticatedIdentity_AndNeedsAuth()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("creator");

        await Assert.ThrowsAsync<InvalidAclException>(() => client.CreateAsync(path, default, Ids.CreatorAllAcl, CreateMode.Persistent));

        await client.AddAuthAsync("digest", DigestAuth.Credentials("bob", "pw"));
        await client.CreateAsync(path, default, Ids.CreatorAllAcl, CreateMode.Persistent);
        var acl = await client.GetAclAsync(path);
        Assert.Equal([new Acl(Perms.All, DigestAuth.Id("bob", "pw"))], acl.Acl);
    }

    [Fact]
    public async Task SetAcl_WithVersions_ChangesWhoMayRead()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("setacl");
        await client.CreateAsync(path, "data"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Persistent);
        Assert.Equal(Ids.OpenAclUnsafe, (await client.GetAclAsync(path)).Acl);

        await Assert.ThrowsAsync<BadVersionException>(() => client.SetAclAsync(path, Ids.ReadAclUnsafe, version: 3));
        var stat = await client.SetAclAsync(path, Ids.ReadAclUnsafe, version: 0);
        Assert.Equal(1, stat.Aversion);

        Assert.Equal("data"u8.ToArray(), (await client.GetDataAsync(path)).Data);
        await Assert.ThrowsAsync<NoAuthException>(() => client.SetDataAsync(path, "x"u8.ToArray()));
    }

    [Fact]
    public void DigestId_MatchesZooKeepersGenerateDigest()
    {
        // DigestAuthenticationProvider.generateDigest("super:test") as documented by ZooKeeper.
        Assert.Equal(new Id("digest", "super:D/InIHSb7yEEbrWz8b9l71RjZJU="), DigestAuth.Id("super", "test"));
        Assert.Throws<ArgumentException>(() => DigestAuth.Id("a:b", "c"));
    }
}
