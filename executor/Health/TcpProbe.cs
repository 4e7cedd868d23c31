using System.Net;
using System.Net.Sockets;

namespace Drover.Executor.Health;

/// <summary>A TCP check, in-process instead of Mesos' mesos-tcp-connect: healthy when a connection to 127.0.0.1:port opens.</summary>
public sealed class TcpProbe(int port) : IHealthProbe
{
    public int Port { get; } = port;

    public async Task<ProbeResult> ProbeAsync(CancellationToken cancellation)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), cancellation).ConfigureAwait(false);
            return new ProbeResult(true, $"connected to 127.0.0.1:{Port}");
        }
        catch (SocketException e)
        {
            return new ProbeResult(false, $"connecting to 127.0.0.1:{Port} failed: {e.Message}");
        }
    }
}
