using System.Net;

namespace Drover.Epmd.Tests.Support;

internal static class TestServer
{
    public static async Task<EpmdServer> StartAsync(IEpmdRegistry? registry = null, Action<EpmdServerOptions>? configure = null)
    {
        var options = new EpmdServerOptions();
        configure?.Invoke(options);
        var server = new EpmdServer(options, registry ?? new InMemoryEpmdRegistry());
        await server.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        return server;
    }

    public static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
