using System.Net;
using System.Net.Sockets;

namespace Drover.Scheduler.EndToEnd.Tests.Support;

/// <summary>
/// A range of loopback ports free now, for the agents of one local Mesos to offer (split among them): the nodes'
/// services bind 127.0.0.1 on them, and other test runs on the machine must not be in the way. Below the
/// kernel's ephemeral range (32768+), where outgoing connections take their ports.
/// </summary>
public static class PortWindow
{
    public static (int Begin, int End) Find(int size)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var begin = Random.Shared.Next(10_000, 32_000 - size);
            if (AllFree(begin, size))
            {
                return (begin, begin + size - 1);
            }
        }

        throw new InvalidOperationException($"no window of {size} free loopback ports below 32000");
    }

    private static bool AllFree(int begin, int size)
    {
        var sockets = new List<Socket>();
        try
        {
            for (var port = begin; port < begin + size; port++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }
}
