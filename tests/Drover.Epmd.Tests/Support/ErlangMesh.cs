using Drover.Testing.Erlang;

namespace Drover.Epmd.Tests.Support;

/// <summary>
/// The check both interop suites make once nodes a, b and c (on 127.0.0.1) run: a hidden driver node asks each
/// node to ping each other one and to look up every name through its own EPMD, then lists the names.
/// </summary>
internal static class ErlangMesh
{
    private const string Eval = """
        Nodes = ['a@127.0.0.1', 'b@127.0.0.1', 'c@127.0.0.1'],
        [io:format("PING ~s ~s ~p~n", [N, M, rpc:call(N, net_adm, ping, [M])]) || N <- Nodes, M <- Nodes, N =/= M],
        [io:format("RPC ~s ~p~n", [N, rpc:call(N, erlang, node, [])]) || N <- Nodes],
        [io:format("PORT ~s ~s ~p~n", [N, M, element(1, rpc:call(N, erl_epmd, port_please, [M, "127.0.0.1"]))])
         || N <- Nodes, M <- ["a", "b", "c"]],
        io:format("NAMES ~p~n", [net_adm:names()]),
        halt().
        """;

    /// <summary>Runs the driver against the EPMD at <paramref name="epmdPort"/>; returns its output after the asserts.</summary>
    public static async Task<string> AssertEveryPairResolvesAsync(int epmdPort, TimeSpan deadline)
    {
        using var driver = ErlangNode.Start("driver", epmdPort, Eval, hidden: true);
        var output = await driver.WaitForExitAsync(deadline);
        string[] names = ["a", "b", "c"];
        foreach (var n in names)
        {
            foreach (var m in names.Where(m => m != n))
            {
                Assert.Contains($"PING {n}@127.0.0.1 {m}@127.0.0.1 pong", output, StringComparison.Ordinal);
            }

            Assert.Contains($"RPC {n}@127.0.0.1 '{n}@127.0.0.1'", output, StringComparison.Ordinal);
            // Each node asks its own server (its ERL_EPMD_PORT) for every node, itself included.
            foreach (var m in names)
            {
                Assert.Contains($"PORT {n}@127.0.0.1 {m} port", output, StringComparison.Ordinal);
            }

            Assert.Contains($"{{\"{n}\",", output, StringComparison.Ordinal);
        }

        return output;
    }
}
