using System.Collections.Immutable;
using Drover.Epmd.Protocol;
using Drover.Epmd.Tests.Support;

namespace Drover.Epmd.Tests;

public class RegistryTests
{
    private static readonly DateTimeOffset Epoch1795268263 = DateTimeOffset.FromUnixTimeSeconds(1795268263);

    private static NodeRegistration Node(string name, ushort highest = 6, string? host = null) =>
        new(name, 5000, EpmdNodeType.Normal, 0, highest, 5, ImmutableArray<byte>.Empty, Host: host);

    [Fact]
    public void Creation_NewNameStartsAtTheClockPlusOne_AndNeverBelowFour()
    {
        Assert.Equal(1795268264u, EpmdCreation.FirstCounter(Epoch1795268263));
        Assert.Equal(4u, EpmdCreation.Bump(0));
        Assert.Equal(4u, EpmdCreation.Bump(uint.MaxValue));
        Assert.Equal(11u, EpmdCreation.Bump(10));
    }

    [Fact]
    public void Creation_OldNodesGetOneToThree()
    {
        for (uint counter = 4; counter < 100; counter++)
        {
            var creation = EpmdCreation.ForVersion(counter, 5);
            Assert.InRange(creation, 1u, 3u);
            Assert.Equal(counter % 3 + 1, creation);
            Assert.Equal(counter, EpmdCreation.ForVersion(counter, 6));
        }
    }

    [Fact]
    public async Task Register_SameNameTwiceOnOneHost_IsDuplicate_ButFineOnAnotherHost()
    {
        var registry = new InMemoryEpmdRegistry(new FakeTimeProvider(Epoch1795268263));
        var first = Assert.IsType<RegistrationResult.Registered>(await registry.TryRegisterAsync(Node("riak", host: "a1"), RegistrationToken.New()));
        Assert.Equal(1795268264u, first.Creation);
        var duplicate = Assert.IsType<RegistrationResult.Duplicate>(await registry.TryRegisterAsync(Node("riak", host: "A1"), RegistrationToken.New()));
        Assert.Equal(first.Registration, duplicate.Existing);
        Assert.IsType<RegistrationResult.Registered>(await registry.TryRegisterAsync(Node("riak", host: "a2"), RegistrationToken.New()));
        Assert.IsType<RegistrationResult.Registered>(await registry.TryRegisterAsync(Node("riak"), RegistrationToken.New()));
        Assert.Equal(3, registry.Count);
        Assert.Equal("a1", (await registry.LookupAsync("a1", "riak"))!.Host);
        Assert.Null(await registry.LookupAsync("a3", "riak"));
    }

    [Fact]
    public async Task Unregister_WithAnotherToken_LeavesTheRegistration()
    {
        var registry = new InMemoryEpmdRegistry();
        var token = RegistrationToken.New();
        await registry.TryRegisterAsync(Node("n"), token);
        Assert.False(await registry.UnregisterAsync(null, "n", RegistrationToken.New()));
        Assert.NotNull(await registry.LookupAsync(null, "n"));
        Assert.True(await registry.UnregisterAsync(null, "n", token));
        Assert.Null(await registry.LookupAsync(null, "n"));
        Assert.False(await registry.UnregisterAsync(null, "n", token));
    }

    [Fact]
    public async Task Register_AgainAfterUnregister_BumpsTheCounter_AndOldNodesCycleOneToThree()
    {
        var registry = new InMemoryEpmdRegistry(new FakeTimeProvider(Epoch1795268263));
        var creations = new List<uint>();
        for (var i = 0; i < 6; i++)
        {
            var token = RegistrationToken.New();
            var registered = Assert.IsType<RegistrationResult.Registered>(await registry.TryRegisterAsync(Node("old", highest: 5), token));
            creations.Add(registered.Creation);
            await registry.UnregisterAsync(null, "old", token);
        }
        uint first = 1795268264;
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (uint)(first + i) % 3 + 1), creations);
    }

    [Fact]
    public async Task Register_PastMaxRetiredNames_TakesOverTheOldestCounterUnbumped()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1000));
        var registry = new InMemoryEpmdRegistry(clock);
        // 1001 names registered and retired (counters 1001, 1002, ... as the clock moves), so epmd's list is over its bound.
        for (var i = 0; i <= EpmdLimits.MaxRetiredNames; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            var token = RegistrationToken.New();
            await registry.TryRegisterAsync(Node($"n{i}"), token);
            await registry.UnregisterAsync(null, $"n{i}", token);
        }
        var stolen = Assert.IsType<RegistrationResult.Registered>(await registry.TryRegisterAsync(Node("fresh"), RegistrationToken.New()));
        Assert.Equal(1002u, stolen.Creation); // n0's counter: clock 1001, bumped once when it was new
        // n0's memory is gone, so it starts from the clock again; n1 still follows on.
        var n0 = Assert.IsType<RegistrationResult.Registered>(await registry.TryRegisterAsync(Node("n0"), RegistrationToken.New()));
        Assert.Equal((uint)clock.GetUtcNow().ToUnixTimeSeconds() + 1, n0.Creation);
        var n1 = Assert.IsType<RegistrationResult.Registered>(await registry.TryRegisterAsync(Node("n1"), RegistrationToken.New()));
        Assert.Equal(1004u, n1.Creation);
    }

    [Fact]
    public async Task List_IsNewestFirst()
    {
        var registry = new InMemoryEpmdRegistry();
        foreach (var name in new[] { "a", "b", "c" })
        {
            await registry.TryRegisterAsync(Node(name), RegistrationToken.New());
        }
        Assert.Equal(["c", "b", "a"], (await registry.ListAsync()).Select(n => n.Name));
    }
}
