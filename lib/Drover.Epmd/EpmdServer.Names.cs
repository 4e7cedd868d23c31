using System.Buffers;
using Drover.Epmd.Protocol;

namespace Drover.Epmd;

public sealed partial class EpmdServer
{
    /// <summary>
    /// NAMES_REQ: this server's port (4 bytes), then one <c>"name N at port P\n"</c> line per node of this
    /// host (see <see cref="Lists"/>), newest first. Served to any peer, as epmd does.
    /// </summary>
    private async ValueTask<bool> HandleNamesAsync(EpmdConnection connection)
    {
        var (ok, nodes) = await ListAsync().ConfigureAwait(false);
        if (!ok)
        {
            return false;
        }
        var output = new ArrayBufferWriter<byte>(256);
        EpmdResponses.WritePortHeader(output, LocalEndPoint.Port);
        foreach (var node in nodes)
        {
            if (Lists(node))
            {
                EpmdResponses.WriteNamesLine(output, node.Name, node.Port);
            }
        }
        Counters.NamesRequest();
        await SendLastAsync(connection, output.WrittenMemory).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// DUMP_REQ (local peers only): the port, then every node of this host as "active" with the descriptor of
    /// its registration connection (-1 when it registered through another server), then the names whose
    /// registration through this server ended, as "old/unused".
    /// </summary>
    private async ValueTask<bool> HandleDumpAsync(EpmdConnection connection)
    {
        if (!connection.IsLocalPeer)
        {
            return await Reject().ConfigureAwait(false);
        }
        var (ok, nodes) = await ListAsync().ConfigureAwait(false);
        if (!ok)
        {
            return false;
        }
        var output = new ArrayBufferWriter<byte>(256);
        EpmdResponses.WritePortHeader(output, LocalEndPoint.Port);
        lock (_gate)
        {
            foreach (var node in nodes)
            {
                if (Lists(node))
                {
                    var fd = _held.TryGetValue(node.Name, out var holder) ? holder.Fd : -1;
                    EpmdResponses.WriteDumpActiveLine(output, node.Name, node.Port, fd);
                }
            }
            foreach (var (name, port, fd) in _retired.OldestFirst)
            {
                EpmdResponses.WriteDumpRetiredLine(output, name, port, fd);
            }
        }
        Counters.DumpRequest();
        await SendLastAsync(connection, output.WrittenMemory).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// Whether NAMES and DUMP show <paramref name="node"/>: a node of this server's host. A per-host store
    /// keeps hosts apart even when this server has none (null is a host of its own); in a per-cluster store a
    /// server without a host lists the whole cluster (the standalone cEPMD of an operator's machine).
    /// </summary>
    private bool Lists(NodeRegistration node) =>
        node.IsOnHost(_options.Host) || (_options.Host is null && _registry.NameScope == EpmdNameScope.Cluster);

    private ValueTask<(bool Ok, IReadOnlyList<NodeRegistration> Value)> ListAsync() =>
        AskRegistryAsync(static (registry, _, cancel) => registry.ListAsync(cancel), 0, _stopping.Token);
}
