using Drover.Epmd.Tests.Support;

namespace Drover.Epmd.Tests;

/// <summary>
/// Real OTP 25 nodes as on three agents: each node with its own cEPMD, each cEPMD on its own ZooKeeper store
/// (its own session), one shared real ZooKeeper.
/// </summary>
[Collection(EpmdZooKeeperCollection.Name)]
public sealed class ZooKeeperErlangTests(EpmdZooKeeperFixture zk)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ThreeNodesOnThreeCEpmds_PingEveryPair_Rpc_Names_AndAStoppedNodeIsGoneEverywhere()
    {
        var options = zk.Options();
        const string Cluster = "ring";
        await using var s1 = await ZkCepmd.StartAsync(options, Cluster);
        await using var s2 = await ZkCepmd.StartAsync(options, Cluster);
        await using var s3 = await ZkCepmd.StartAsync(options, Cluster);
        using var a = ErlangNode.Start("a", s1.EndPoint.Port);
        using var b = ErlangNode.Start("b", s2.EndPoint.Port);
        using var c = ErlangNode.Start("c", s3.EndPoint.Port);
        Assert.True(await Poll.UntilAsync(() => s1.Registry.Count + s2.Registry.Count + s3.Registry.Count == 3, Deadline), $"nodes did not register: {a.Output}{b.Output}{c.Output}");

        var output = await ErlangMesh.AssertEveryPairResolvesAsync(s1.EndPoint.Port, Deadline);
        Assert.Contains("{\"driver\",", output, StringComparison.Ordinal);
        foreach (var server in new[] { s1, s2, s3 })
        {
            Assert.True(server.Server.Counters.LookupHits > 0, "every cEPMD answered lookups from ZooKeeper");
        }

        b.Kill();
        foreach (var server in new[] { s1, s2, s3 })
        {
            Assert.True(
                await Poll.UntilAsync(() => RawClient.PortPlease(server.EndPoint, "b").AsSpan().SequenceEqual(new byte[] { 119, 1 }), Deadline),
                "a stopped node is not found on any cEPMD");
        }
    }

    [Fact]
    public async Task ARestartedCEpmd_LeavesNoStaleEntry_AndADuplicateNameIsRefusedAcrossInstances()
    {
        var options = zk.Options();
        const string Cluster = "ring";
        await using var observer = await zk.ObserverAsync();
        var epmdPath = options.Paths.Cluster(Cluster).Epmd;
        var first = await ZkCepmd.StartAsync(options, Cluster);
        var port = first.EndPoint.Port;
        using var node = ErlangNode.Start("survivor", port);
        Assert.True(await Poll.UntilAsync(() => first.Registry.Count == 1, Deadline), node.Output);

        // The same name through another instance (another agent) is refused: erl cannot start distribution.
        await using var other = await ZkCepmd.StartAsync(options, Cluster);
        using var twin = ErlangNode.Start("survivor", other.EndPoint.Port, "halt().");
        var twinOutput = await twin.WaitForExitAsync(Deadline);
        Assert.Contains("in use", twinOutput, StringComparison.Ordinal);
        Assert.Equal(1, other.Server.Counters.RegistrationsRefused);

        using var phoenix = ErlangNode.Start("phoenix", port);
        Assert.True(await Poll.UntilAsync(() => first.Registry.Count == 2, Deadline), phoenix.Output);
        Assert.True(await Poll.UntilAsync(() => first.Server.Counters.ActiveRegistrations == 2, Deadline), $"{phoenix.Output} {first.Registry.Statistics} failures {first.Server.Counters.RegistryFailures}");
        await first.DisposeAsync();
        Assert.Empty((await observer.GetChildrenAsync(epmdPath)).Children);
        // Dead while no cEPMD ran: nothing could have cleaned up after it but the stop itself.
        node.Kill();

        await using var restarted = await ZkCepmd.StartAsync(options, Cluster, port: port);
        Assert.Equal(new byte[] { 119, 1 }, RawClient.PortPlease(restarted.EndPoint, "survivor"));
        // An OTP 25 node whose epmd went away registers again once one listens on its port.
        Assert.True(await Poll.UntilAsync(() => restarted.Registry.Count == 1, Deadline), "phoenix registered again: " + phoenix.Output);
        using var fresh = ErlangNode.Start("fresh", port, "io:format(\"NAMES ~p~n\", [net_adm:names()]), halt().");
        var output = await fresh.WaitForExitAsync(Deadline);
        Assert.Matches("NAMES \\{ok,\\[(\\{\"(fresh|phoenix)\",\\d+\\},?){2}\\]\\}", output);
        Assert.DoesNotContain("survivor", output, StringComparison.Ordinal);
    }
}
