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

}
