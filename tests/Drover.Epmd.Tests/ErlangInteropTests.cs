using Drover.Epmd.Tests.Support;
using Drover.Testing;
using Drover.Testing.Erlang;

namespace Drover.Epmd.Tests;

/// <summary>
/// Real OTP 25 nodes, each talking to its own <see cref="EpmdServer"/> (its own port, as each agent has its
/// own cEPMD), the servers sharing one registry as they would share ZooKeeper. A node resolving another
/// asks its own server, which answers from the shared store: cross-agent resolution.
/// </summary>
public sealed class ErlangInteropTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ThreeNodes_EachOnItsOwnCEpmd_PingEveryPair_RpcWorks_AndNamesListsThem()
    {
        var registry = new InMemoryEpmdRegistry();
        await using var s1 = await TestServer.StartAsync(registry);
        await using var s2 = await TestServer.StartAsync(registry);
        await using var s3 = await TestServer.StartAsync(registry);
        using var a = ErlangNode.Start("a", s1.LocalEndPoint.Port);
        using var b = ErlangNode.Start("b", s2.LocalEndPoint.Port);
        using var c = ErlangNode.Start("c", s3.LocalEndPoint.Port);
        await Eventually.TrueAsync(() => registry.Count == 3, () => $"three registrations (node output: {a.Output}{b.Output}{c.Output})", Deadline);

        var output = await ErlangMesh.AssertEveryPairResolvesAsync(s1.LocalEndPoint.Port, Deadline);
        // epmd lists the newest first and net_adm:names/0 reverses the lines it reads: the driver comes last.
        Assert.Matches("NAMES \\{ok,\\[(\\{\"[abc]\",\\d+\\},){3}\\{\"driver\",\\d+\\}\\]\\}", output);
        foreach (var server in new[] { s1, s2, s3 })
        {
            Assert.True(server.Counters.LookupHits > 0, "every server answered lookups from the shared store");
        }
    }

    [Fact]
    public async Task StoppedNode_BecomesNotFound()
    {
        var registry = new InMemoryEpmdRegistry();
        await using var server = await TestServer.StartAsync(registry);
        using var node = ErlangNode.Start("mortal", server.LocalEndPoint.Port);
        await Eventually.TrueAsync(() => registry.Count == 1, () => $"one registration (node output: {node.Output})", Deadline);
        Assert.Equal(new byte[] { 119, 0 }, RawClient.PortPlease(server.LocalEndPoint, "mortal")[..2]);
        node.Kill();
        await Eventually.TrueAsync(() => RawClient.PortPlease(server.LocalEndPoint, "mortal").AsSpan().SequenceEqual(new byte[] { 119, 1 }), "the killed node to be unknown", Deadline);
        Assert.Equal(0, registry.Count);
    }

    [Fact]
    public async Task RestartedCEpmd_LeavesNoStaleEntry_AndANewNodeRegistersOnIt()
    {
        var registry = new InMemoryEpmdRegistry();
        var first = await TestServer.StartAsync(registry);
        var port = first.LocalEndPoint.Port;
        using var node = ErlangNode.Start("survivor", port);
        await Eventually.TrueAsync(() => registry.Count == 1, () => $"one registration (node output: {node.Output})", Deadline);
        await first.DisposeAsync();
        Assert.Equal(0, registry.Count);
        // Killed while no server runs: an OTP 25 node that lives on registers again with the next epmd on its port.
        node.Kill();

        // Restarted on the same port, as an executor would after a crash of its server.
        var restarted = new EpmdServer(new EpmdServerOptions(), registry);
        await restarted.StartAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
        await using (restarted)
        {
            Assert.Equal(new byte[] { 119, 1 }, RawClient.PortPlease(restarted.LocalEndPoint, "survivor"));
            using var fresh = ErlangNode.Start("fresh", port, "io:format(\"NAMES ~p~n\", [net_adm:names()]), halt().");
            var output = await fresh.WaitForExitAsync(Deadline);
            Assert.Matches("NAMES \\{ok,\\[\\{\"fresh\",\\d+\\}\\]\\}", output);
            Assert.DoesNotContain("survivor", output, StringComparison.Ordinal);
        }
    }
}
