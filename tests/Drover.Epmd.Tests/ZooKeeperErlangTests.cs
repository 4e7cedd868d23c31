using Drover.Epmd.Tests.Support;
using Drover.Testing;
using Drover.Testing.Erlang;
using Drover.Testing.ZooKeeper;

namespace Drover.Epmd.Tests;

/// <summary>
/// Real OTP 25 nodes as on three agents: each node with its own cEPMD, each cEPMD on its own ZooKeeper store
/// (its own session), one shared real ZooKeeper.
/// </summary>
[Collection(EpmdZooKeeperCollection.Name)]
public sealed class ZooKeeperErlangTests(ZooKeeperServerFixture zk)
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
        await Eventually.TrueAsync(() => s1.Registry.Count + s2.Registry.Count + s3.Registry.Count == 3, () => $"three registrations (node output: {a.Output}{b.Output}{c.Output})", Deadline);

        var output = await ErlangMesh.AssertEveryPairResolvesAsync(s1.EndPoint.Port, Deadline);
        Assert.Contains("{\"driver\",", output, StringComparison.Ordinal);
        foreach (var server in new[] { s1, s2, s3 })
        {
            Assert.True(server.Server.Counters.LookupHits > 0, "every cEPMD answered lookups from ZooKeeper");
        }

        b.Kill();
        foreach (var server in new[] { s1, s2, s3 })
        {
            await Eventually.TrueAsync(
                () => RawClient.PortPlease(server.EndPoint, "b").AsSpan().SequenceEqual(new byte[] { 119, 1 }),
                "a stopped node to be unknown to every cEPMD",
                Deadline);
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
        await Eventually.TrueAsync(() => first.Registry.Count == 1, () => $"one registration (node output: {node.Output})", Deadline);

        // The same name through another instance (another agent) is refused: erl cannot start distribution.
        await using var other = await ZkCepmd.StartAsync(options, Cluster);
        using var twin = ErlangNode.Start("survivor", other.EndPoint.Port, "halt().");
        var twinOutput = await twin.WaitForExitAsync(Deadline);
        Assert.Contains("in use", twinOutput, StringComparison.Ordinal);
        Assert.Equal(1, other.Server.Counters.RegistrationsRefused);

        using var phoenix = ErlangNode.Start("phoenix", port);
        await Eventually.TrueAsync(() => first.Registry.Count == 2, () => $"two registrations (node output: {phoenix.Output})", Deadline);
        await Eventually.TrueAsync(() => first.Server.Counters.ActiveRegistrations == 2, () => $"two active registrations ({phoenix.Output} {first.Registry.Statistics} failures {first.Server.Counters.RegistryFailures})", Deadline);
        await first.DisposeAsync();
        Assert.Empty((await observer.GetChildrenAsync(epmdPath)).Children);
        // Dead while no cEPMD ran: nothing could have cleaned up after it but the stop itself.
        node.Kill();

        await using var restarted = await ZkCepmd.StartAsync(options, Cluster, port: port);
        Assert.Equal(new byte[] { 119, 1 }, RawClient.PortPlease(restarted.EndPoint, "survivor"));
        // An OTP 25 node whose epmd went away registers again once one listens on its port.
        await Eventually.TrueAsync(() => restarted.Registry.Count == 1, () => "phoenix to register again: " + phoenix.Output, Deadline);
        using var fresh = ErlangNode.Start("fresh", port, "io:format(\"NAMES ~p~n\", [net_adm:names()]), halt().");
        var output = await fresh.WaitForExitAsync(Deadline);
        Assert.Matches("NAMES \\{ok,\\[(\\{\"(fresh|phoenix)\",\\d+\\},?){2}\\]\\}", output);
        Assert.DoesNotContain("survivor", output, StringComparison.Ordinal);
    }
}
