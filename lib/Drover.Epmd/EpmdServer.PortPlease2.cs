using Drover.Epmd.Protocol;

namespace Drover.Epmd;

public sealed partial class EpmdServer
{
    /// <summary>
    /// PORT_PLEASE2_REQ: the port of the named node from the registry, or <c>[119, 1]</c>: a node of this
    /// server's host in a per-host store (also one that registered through another server of that host), a
    /// node of any host in a per-cluster store (<see cref="IEpmdRegistry.NameScope"/>). Then the connection is
    /// closed: Erlang reads until it is.
    /// </summary>
    private async ValueTask<bool> HandlePortPlease2Async(EpmdConnection connection, ReadOnlyMemory<byte> request)
    {
        if (PortPlease2Request.TryParse(request.Span, out var name) != EpmdParseStatus.Ok)
        {
            return await Reject().ConfigureAwait(false);
        }
        var (ok, node) = await AskRegistryAsync(
            static (registry, state, cancel) => registry.LookupAsync(state.Host, state.name, cancel),
            (_options.Host, name: name!),
            _stopping.Token).ConfigureAwait(false);
        if (!ok)
        {
            return false;
        }
        if (node is null)
        {
            Counters.LookupMiss();
            await SendLastAsync(connection, EpmdResponses.Port2NotFound).ConfigureAwait(false);
        }
        else
        {
            Counters.LookupHit();
            await SendLastAsync(connection, EpmdResponses.Port2Found(node)).ConfigureAwait(false);
        }
        return false;
    }
}
