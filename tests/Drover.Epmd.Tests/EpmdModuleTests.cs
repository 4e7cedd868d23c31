using System.Net;
using CliWrap;
using Drover.Epmd.Tests.Support;
using Drover.Testing;
using Drover.Testing.Erlang;
using Drover.Testing.Programs;
using Drover.Testing.ZooKeeper;

namespace Drover.Epmd.Tests;

/// <summary>
/// Drover's EPMD module (packaging/erlang/drover_epmd.erl, compiled here by the packaging script) with real OTP 25
/// nodes, loaded the way the executor's Riak personality loads it (ERL_FLAGS="-epmd_module drover_epmd -pa dir").
/// Two "agents" are two loopback addresses (agent one's cEPMDs listen on 127.0.0.1 only), each cEPMD on its own port
/// over one ZooKeeper: stock
/// nodes dial the peer's host at their own ERL_EPMD_PORT, find nothing there and get pang; nodes with the module ask
/// their own cEPMD and reach each other, on one agent and across agents.
/// </summary>
[Collection(EpmdZooKeeperCollection.Name)]
public sealed class EpmdModuleTests(ZooKeeperServerFixture zk)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task NodesOnDifferentCEpmdPortsAndHosts_ReachEachOtherThroughTheModule_StockNodesGetPang()
    {
        var beams = Directory.CreateTempSubdirectory("drover-epmd-module-").FullName;
        try
        {
            ExternalProgram.Require("/usr/bin/erlc", "erlang-base");
            var build = await ExternalProgram.RunAsync(
                Cli.Wrap("/bin/bash").WithArguments([RepositoryFiles.PathOf("packaging/erlang/build-epmd-module.sh"), beams]),
                Deadline);
            Assert.True(build.ExitCode == 0, build.Output);
            Assert.True(File.Exists(Path.Combine(beams, "drover_epmd.beam")), build.Output);
            var module = new Dictionary<string, string> { ["ERL_FLAGS"] = $"-epmd_module drover_epmd -pa {beams}" };

            var options = zk.Options();
            const string Cluster = "kv";
            await using var one = await ZkCepmd.StartAsync(options, Cluster, host: "127.0.0.1");
            await using var oneBis = await ZkCepmd.StartAsync(options, Cluster, host: "127.0.0.1");
            // Agent two's cEPMD: at 127.0.0.2 for lookups, and at 127.0.0.1 too because erl_epmd registers over loopback.
            await using var two = await ZkCepmd.StartAsync(options, Cluster, host: "127.0.0.2", bind: IPAddress.Any);
            Assert.NotEqual(one.EndPoint.Port, two.EndPoint.Port);

            // With the module: a and c on agent one (each its own cEPMD port), b on agent two.
            using var a = ErlangNode.Start("a", one.EndPoint.Port, environment: module);
            using var c = ErlangNode.Start("c", oneBis.EndPoint.Port, environment: module);
            using var b = ErlangNode.Start("b", two.EndPoint.Port, host: "127.0.0.2", environment: module);
            // Stock: s1 on agent one, s2 on agent two.
            using var s1 = ErlangNode.Start("s1", one.EndPoint.Port);
            using var s2 = ErlangNode.Start("s2", two.EndPoint.Port, host: "127.0.0.2");
            await Eventually.TrueAsync(
                () => one.Registry.Count + oneBis.Registry.Count + two.Registry.Count == 5,
                () => $"five registrations ({a.Output}{b.Output}{c.Output}{s1.Output}{s2.Output})",
                Deadline);

            const string Eval = """
                Ping = fun(From, To) -> io:format("PING ~s ~s ~p~n", [From, To, rpc:call(From, net_adm, ping, [To])]) end,
                [Ping(F, T) || {F, T} <- [{'a@127.0.0.1', 'b@127.0.0.2'}, {'b@127.0.0.2', 'a@127.0.0.1'},
                                          {'a@127.0.0.1', 'c@127.0.0.1'}, {'c@127.0.0.1', 'b@127.0.0.2'}]],
                io:format("MODULE ~p~n", [rpc:call('b@127.0.0.2', init, get_argument, [epmd_module])]),
                io:format("STOCK ~p~n", [rpc:call('s1@127.0.0.1', net_adm, ping, ['s2@127.0.0.2'])]),
                io:format("STOCK-LOCAL ~p~n", [rpc:call('s1@127.0.0.1', net_adm, ping, ['a@127.0.0.1'])]),
                halt().
                """;
            using var driver = ErlangNode.Start("driver", one.EndPoint.Port, Eval, hidden: true, environment: module);
            var output = await driver.WaitForExitAsync(Deadline);

            Assert.Contains("PING a@127.0.0.1 b@127.0.0.2 pong", output, StringComparison.Ordinal);
            Assert.Contains("PING b@127.0.0.2 a@127.0.0.1 pong", output, StringComparison.Ordinal);
            Assert.Contains("PING a@127.0.0.1 c@127.0.0.1 pong", output, StringComparison.Ordinal);
            Assert.Contains("PING c@127.0.0.1 b@127.0.0.2 pong", output, StringComparison.Ordinal);
            Assert.Contains("MODULE {ok,[[\"drover_epmd\"]]}", output, StringComparison.Ordinal);
            // A stock node dials 127.0.0.2 at its own ERL_EPMD_PORT, where no cEPMD listens.
            Assert.Contains("STOCK pang", output, StringComparison.Ordinal);
            // On its own host it reaches a cEPMD, which answers for the whole cluster.
            Assert.Contains("STOCK-LOCAL pong", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(beams, recursive: true);
        }
    }
}
