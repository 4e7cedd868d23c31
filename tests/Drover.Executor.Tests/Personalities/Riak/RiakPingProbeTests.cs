using System.Net;
using System.Net.Sockets;
using System.Text;
using Drover.Executor.Personalities.Riak;
using Drover.Testing;

namespace Drover.Executor.Tests.Personalities.Riak;

/// <summary>The /ping probe against canned answers: Riak's, wrong ones, cut ones, trickled ones and garbage.</summary>
public class RiakPingProbeTests
{
    private const string Healthy = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nOK";

    [Fact]
    public async Task RiaksAnswer_IsHealthy_AndTheRequestIsGetPing()
    {
        var (result, request) = await ProbeAgainst(Encoding.ASCII.GetBytes(Healthy));

        Assert.True(result.Healthy, result.Detail);
        Assert.Matches(@"^GET http://127\.0\.0\.1:\d+/ping: 200 OK$", result.Detail);
        Assert.StartsWith("GET /ping HTTP/1.1\r\n", request, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerError_IsUnhealthy_WithCodeAndBody()
    {
        var (result, _) = await ProbeAgainst("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 7\r\n\r\nbroken!"u8.ToArray());

        Assert.False(result.Healthy);
        Assert.Contains("answered 500 Internal Server Error with body 'broken!'", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OkWithAnotherBody_IsUnhealthy()
    {
        var (result, _) = await ProbeAgainst("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nPONG\r\n"u8.ToArray());

        Assert.False(result.Healthy);
        Assert.Contains("answered 200 OK with body 'PONG\\x0d\\x0a'", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redirect_IsNotFollowed_AndUnhealthy()
    {
        var (result, _) = await ProbeAgainst("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/ping\r\nContent-Length: 0\r\n\r\n"u8.ToArray());

        Assert.False(result.Healthy);
        Assert.Contains("answered 302 Found with an empty body", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HugeBody_IsReadOnlyUpToTheBound_AndQuotedShort()
    {
        var body = new string('x', 4 * 1024 * 1024);
        var (result, _) = await ProbeAgainst(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}"));

        Assert.False(result.Healthy);
        Assert.Contains("...'", result.Detail, StringComparison.Ordinal);
        Assert.True(result.Detail.Length < 300, result.Detail);
    }

    [Fact]
    public async Task NothingListening_IsUnhealthy()
    {
        var port = FreePort.Next();
        await using var probe = new RiakPingProbe(port);

        var result = await probe.ProbeAsync(CancellationToken.None);

        Assert.False(result.Healthy);
        Assert.StartsWith($"GET http://127.0.0.1:{port}/ping failed: ", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentServer_RunsIntoTheChecksTimeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var probe = new RiakPingProbe(((IPEndPoint)listener.LocalEndpoint).Port);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probe.ProbeAsync(timeout.Token));
    }

    [Fact]
    public async Task EveryTruncationOfRiaksAnswer_IsUnhealthy_AndOnlyTheWholeIsHealthy()
    {
        var answer = Encoding.ASCII.GetBytes(Healthy);
        for (var length = 0; length < answer.Length; length++)
        {
            var (result, _) = await ProbeAgainst(answer[..length]);
            Assert.False(result.Healthy, $"{length} bytes: {result.Detail}");
        }

        Assert.True((await ProbeAgainst(answer)).Result.Healthy);
    }

    [Fact]
    public async Task RiaksAnswer_InOneByteSegments_IsHealthy()
    {
        var (result, _) = await ProbeAgainst(Encoding.ASCII.GetBytes(Healthy), segment: 1);

        Assert.True(result.Healthy, result.Detail);
    }

    [Fact]
    public async Task RandomGarbage_IsUnhealthy_NeverAnException()
    {
        var random = new Random(5);
        for (var i = 0; i < 60; i++)
        {
            var garbage = new byte[random.Next(0, 600)];
            random.NextBytes(garbage);
            if (i % 3 == 0 && garbage.Length > 9)
            {
                "HTTP/1.1 "u8.CopyTo(garbage); // past the status line's start, into the parser
            }

            var (result, _) = await ProbeAgainst(garbage);
            Assert.False(result.Healthy, result.Detail);
        }
    }

    /// <summary>
    /// Serves <paramref name="answer"/> (in segments of <paramref name="segment"/> bytes) to every connection,
    /// closing each after it: HttpClient retries a request whose connection closed before any answer.
    /// </summary>
    private static async Task<(Drover.Executor.Health.ProbeResult Result, string Request)> ProbeAgainst(byte[] answer, int segment = int.MaxValue)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var requests = new List<string>();
        var serving = Serve(listener, answer, segment, requests);
        Drover.Executor.Health.ProbeResult result;
        try
        {
            await using var probe = new RiakPingProbe(((IPEndPoint)listener.LocalEndpoint).Port);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            result = await probe.ProbeAsync(timeout.Token);
        }
        finally
        {
            listener.Stop();
        }

        await serving.WaitAsync(TimeSpan.FromSeconds(20));
        return (result, requests.FirstOrDefault() ?? "");
    }

    private static async Task Serve(TcpListener listener, byte[] answer, int segment, List<string> requests)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            using (client)
            {
                var request = await ServeOne(client, answer, segment);
                lock (requests)
                {
                    requests.Add(request);
                }
            }
        }
    }

    private static async Task<string> ServeOne(TcpClient client, byte[] answer, int segment)
    {
        var stream = client.GetStream();
        var request = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && request.Length < 64 * 1024)
            {
                var read = await stream.ReadAsync(buffer);
                if (read == 0)
                {
                    break;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            for (var offset = 0; offset < answer.Length; offset += segment)
            {
                await stream.WriteAsync(answer.AsMemory(offset, Math.Min(segment, answer.Length - offset)));
                await stream.FlushAsync();
            }

            client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // The probe stopped reading (a long body) or gave up: what it read is what it judges.
        }

        return request.ToString();
    }

}
