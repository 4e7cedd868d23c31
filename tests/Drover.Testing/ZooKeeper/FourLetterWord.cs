using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Drover.Testing.ZooKeeper;

/// <summary>ZooKeeper's four-letter admin commands (ruok, srvr, cons...) over the client port.</summary>
public static class FourLetterWord
{
    /// <summary>The answer, or null if the server is not listening or did not answer in time.</summary>
    public static Task<string?> SendAsync(int port, string word, TimeSpan? timeout = null) =>
        SendAsync(IPAddress.Loopback, port, word, timeout);

    /// <summary>As <see cref="SendAsync(int, string, TimeSpan?)"/>, to a server on another loopback address.</summary>
    public static async Task<string?> SendAsync(IPAddress address, int port, string word, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(2));
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(address, port), deadline.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes(word), SocketFlags.None, deadline.Token);
            var answer = new MemoryStream();
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0)
            {
                answer.Write(buffer, 0, read);
            }
            return Encoding.ASCII.GetString(answer.ToArray());
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return null;
        }
    }
}
