using System.Globalization;
using Drover.ZooKeeper;

namespace Drover.Testing.ZooKeeper;

/// <summary>Three ZooKeeper servers forming a quorum on loopback.</summary>
public sealed class ZooKeeperEnsemble : IAsyncDisposable
{
    private ZooKeeperEnsemble(IReadOnlyList<ZooKeeperServer> servers)
    {
        Servers = servers;
    }

    public IReadOnlyList<ZooKeeperServer> Servers { get; }

    public string ConnectString => string.Join(',', Servers.Select(s => s.ConnectString));

    /// <param name="size">How many servers.</param>
    /// <param name="distinctAddresses">
    /// Server N listens on 127.0.0.N, all on one client port, as an ensemble of machines does (Exhibitor's
    /// list has one port for every server); otherwise all on 127.0.0.1, each on its own port.
    /// </param>
    public static async Task<ZooKeeperEnsemble> StartAsync(int size = 3, bool distinctAddresses = false)
    {
        var ports = FreePort.Many(size * 3);
        var quorum = Enumerable.Range(1, size)
            .Select(id => string.Create(CultureInfo.InvariantCulture, $"server.{id}=127.0.0.1:{ports[(id - 1) * 3 + 1]}:{ports[(id - 1) * 3 + 2]}"))
            .ToList();
        var servers = Enumerable.Range(1, size)
            .Select(id => distinctAddresses
                ? ZooKeeperServer.Create(id, ports[0], quorum, host: string.Create(CultureInfo.InvariantCulture, $"127.0.0.{id}"))
                : ZooKeeperServer.Create(id, ports[(id - 1) * 3], quorum))
            .ToList();
        var ensemble = new ZooKeeperEnsemble(servers);
        try
        {
            servers.ForEach(s => s.Start());
            await Task.WhenAll(servers.Select(s => s.WaitServingAsync()));
            return ensemble;
        }
        catch
        {
            await ensemble.DisposeAsync();
            throw;
        }
    }

    public ZooKeeperServer ServerAt(ServerAddress address) =>
        Servers.Single(s => s.ClientPort == address.Port && s.Host == address.Host);

    public async ValueTask DisposeAsync()
    {
        foreach (var server in Servers)
        {
            await server.DisposeAsync();
        }
    }
}
