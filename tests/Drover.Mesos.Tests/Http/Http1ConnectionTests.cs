using System.Net;
using System.Net.Sockets;
using System.Text;
using Drover.Mesos.Http;
using Drover.Testing;

namespace Drover.Mesos.Tests.Http;

/// <summary>The connection against a scripted server on a real socket: requests as written, answers as read.</summary>
public class Http1ConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static Http1Request Post(string body = "call", params KeyValuePair<string, string>[] headers) => new()
    {
        Method = "POST",
        Target = "/api/v1/executor",
        Host = "127.0.0.1:5051",
        Headers = headers,
        Body = Encoding.ASCII.GetBytes(body),
    };

    private static Task<Http1Connection> Connect(ScriptedServer server, HttpLimits? limits = null) =>
        Http1Connection.ConnectAsync("127.0.0.1", server.Port, Timeout, CancellationToken.None, limits);

    private static async Task<string> Text(Http1Response response) => await response.ReadTextAsync(1 << 20, CancellationToken.None);

    [Fact]
    public async Task SendAsync_WritesTheRequestAsHttp11()
    {
        await using var server = new ScriptedServer(async peer =>
        {
            await peer.ReadRequestAsync();
            await peer.WriteAsync("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
        });
        await using var connection = await Connect(server);

        using var response = await connection.SendAsync(Post("body", new("Content-Type", "application/x-protobuf"), new("Authorization", "Bearer t0k3n")), CancellationToken.None);

        Assert.Equal(202, response.StatusCode);
        Assert.True(server.Requests.TryDequeue(out var request));
        Assert.Equal(
            "POST /api/v1/executor HTTP/1.1\r\nHost: 127.0.0.1:5051\r\nContent-Type: application/x-protobuf\r\nAuthorization: Bearer t0k3n\r\nContent-Length: 4\r\n\r\nbody",
            request);
    }

    [Fact]
    public async Task SendAsync_KeptAlive_CarriesTheNextRequestOnTheSameConnection()
    {
        await using var server = new ScriptedServer(async peer =>
        {
            while (await peer.ReadRequestAsync() is { } request)
            {
                var text = request.EndsWith("one", StringComparison.Ordinal) ? "first" : "second";
                await peer.WriteAsync($"HTTP/1.1 400 Bad Request\r\nContent-Length: {text.Length}\r\n\r\n{text}");
            }
        });
        await using var connection = await Connect(server);

        using (var first = await connection.SendAsync(Post("one"), CancellationToken.None))
        {
            Assert.Equal("first", await Text(first));
        }

        Assert.True(connection.IsReusable);
        using (var second = await connection.SendAsync(Post("two"), CancellationToken.None))
        {
            Assert.Equal("second", await Text(second));
        }

        Assert.Equal(1, server.Connections);
        Assert.Equal(2, connection.Requests);
    }

    [Fact]
    public async Task SendAsync_AChunkedStream_IsReadAsItArrives()
    {
        var more = new TaskCompletionSource();
        await using var server = new ScriptedServer(async peer =>
        {
            await peer.ReadRequestAsync();
            await peer.WriteAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
            await more.Task;
            await peer.WriteAsync("6\r\nsecond\r\n0\r\n\r\n");
        });
        await using var connection = await Connect(server);
        using var response = await connection.SendAsync(Post(), CancellationToken.None);
        var buffer = new byte[64];

        var read = await response.Body.ReadAsync(buffer);
        Assert.Equal("first", Encoding.ASCII.GetString(buffer, 0, read));
        more.SetResult();

        Assert.Equal("second", await Text(response));
        Assert.True(connection.IsReusable);
    }

    [Fact]
    public async Task SendAsync_ConnectionClose_LeavesTheConnectionUnusable()
    {
        await using var server = new ScriptedServer(async peer =>
        {
            await peer.ReadRequestAsync();
            await peer.WriteAsync("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 8\r\n\r\nrecovery");
        });
        await using var connection = await Connect(server);

        using var response = await connection.SendAsync(Post(), CancellationToken.None);

        Assert.Equal("recovery", await Text(response));
        Assert.False(connection.IsReusable);
        await Assert.ThrowsAsync<InvalidOperationException>(() => connection.SendAsync(Post(), CancellationToken.None));
    }

    [Fact]
    public async Task SendAsync_ABodyUntilClose_EndsWhenTheServerCloses()
    {
        await using var server = new ScriptedServer(async peer =>
        {
            await peer.ReadRequestAsync();
            await peer.WriteAsync("HTTP/1.0 200 OK\r\n\r\nall of it");
        });
        await using var connection = await Connect(server);

        using var response = await connection.SendAsync(Post(), CancellationToken.None);

        Assert.Equal("all of it", await Text(response));
        Assert.False(connection.IsReusable);
    }

    [Fact]
    public async Task SendAsync_InterimAnswers_AreSkipped()
    {
        await using var server = new ScriptedServer(async peer =>
        {
            await peer.ReadRequestAsync();
            await peer.WriteAsync("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
        });
        await using var connection = await Connect(server);

        using var response = await connection.SendAsync(Post(), CancellationToken.None);

        Assert.Equal(202, response.StatusCode);
    }

    [Fact]
    public async Task ReadBodyAsync_StopsAtTheLimit_AndGivesUpTheConnection()
    {
        await using var server = new ScriptedServer(async peer =>
        {
            await peer.ReadRequestAsync();
            await peer.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + new string('x', 100_000));
        });
        await using var connection = await Connect(server);
        using var response = await connection.SendAsync(Post(), CancellationToken.None);

        var body = await response.ReadBodyAsync(1000, CancellationToken.None);

        Assert.Equal(1000, body.Length);
        Assert.False(connection.IsReusable);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", Http1ErrorKind.TruncatedBody)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", Http1ErrorKind.TruncatedBody)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", Http1ErrorKind.MalformedChunkSize)]
    public async Task Body_BrokenFraming_IsAnErrorOfItsKind(string answer, Http1ErrorKind kind)
    {
        await using var server = new ScriptedServer(async peer =>
        {
            await peer.ReadRequestAsync();
            await peer.WriteAsync(answer);
        });
        await using var connection = await Connect(server);
        using var response = await connection.SendAsync(Post(), CancellationToken.None);

        var e = await Assert.ThrowsAsync<Http1Exception>(() => Text(response));

        Assert.Equal(kind, e.Kind);
        Assert.False(connection.IsReusable);
    }

    [Theory]
    [InlineData("", Http1ErrorKind.TruncatedHead)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-", Http1ErrorKind.TruncatedHead)]
    [InlineData("220 smtp.example.com ESMTP\r\n\r\n", Http1ErrorKind.MalformedStatusLine)]
    public async Task SendAsync_NoValidHead_IsAnErrorOfItsKind(string answer, Http1ErrorKind kind)
    {
        await using var server = new ScriptedServer(async peer =>
        {
            await peer.ReadRequestAsync();
            await peer.WriteAsync(answer);
        });
        await using var connection = await Connect(server);

        var e = await Assert.ThrowsAsync<Http1Exception>(() => connection.SendAsync(Post(), CancellationToken.None));

        Assert.Equal(kind, e.Kind);
        Assert.False(connection.IsReusable);
    }

    [Fact]
    public async Task SendAsync_AHeadBeyondTheLimit_IsRefusedWithoutReadingOn()
    {
        await using var server = new ScriptedServer(async peer =>
        {
            await peer.ReadRequestAsync();
            await peer.WriteAsync("HTTP/1.1 200 OK\r\n");
            for (var i = 0; i < 10_000; i++)
            {
                await peer.WriteAsync("X-Flood: 0123456789012345678901234567890123456789\r\n");
            }
        });
        await using var connection = await Connect(server, new HttpLimits { MaxHeadBytes = 4096, MaxHeaders = 1000 });

        var e = await Assert.ThrowsAsync<Http1Exception>(() => connection.SendAsync(Post(), CancellationToken.None));

        Assert.Equal(Http1ErrorKind.HeadTooLarge, e.Kind);
    }

    [Fact]
    public async Task SendAsync_Cancelled_ThrowsAndLeavesTheConnectionUnusable()
    {
        var release = new TaskCompletionSource();
        await using var server = new ScriptedServer(async peer =>
        {
            await peer.ReadRequestAsync();
            await release.Task;
        });
        await using var connection = await Connect(server);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.SendAsync(Post(), cancel.Token));

        Assert.False(connection.IsReusable);
        release.SetResult();
    }

    [Fact]
    public async Task ConnectAsync_NobodyListening_IsAnIOExceptionNamingTheEndpoint()
    {
        var port = FreePort.Next();

        var e = await Assert.ThrowsAsync<IOException>(() => Http1Connection.ConnectAsync("127.0.0.1", port, Timeout, CancellationToken.None));

        Assert.Contains($"cannot connect to 127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_NoAnswerInTime_IsAnIOExceptionSayingSo()
    {
        // A listener whose backlog is full never completes another handshake: SYNs go unanswered.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<Http1Connection>();
        try
        {
            IOException? timedOut = null;
            for (var i = 0; i < 8 && timedOut is null; i++)
            {
                try
                {
                    fillers.Add(await Http1Connection.ConnectAsync("127.0.0.1", port, TimeSpan.FromMilliseconds(300), CancellationToken.None));
                }
                catch (IOException e)
                {
                    timedOut = e;
                }
            }

            Assert.NotNull(timedOut);
            Assert.Contains("no connection within", timedOut.Message, StringComparison.Ordinal);
        }
        finally
        {
            fillers.ForEach(s => s.Dispose());
        }
    }

    [Theory]
    [InlineData("GET\r\n", "/", "h")]
    [InlineData("GET", "/a b", "h")]
    [InlineData("GET", "relative", "h")]
    [InlineData("GET", "/", "h\r\nInjected: 1")]
    public void Encode_WhatCannotBeSent_IsRefused(string method, string target, string host)
    {
        var request = new Http1Request { Method = method, Target = target, Host = host };

        Assert.Throws<ArgumentException>(() => request.Encode());
    }

    [Fact]
    public void Encode_AHeaderValueWithALineBreak_IsRefused()
    {
        var request = new Http1Request { Method = "POST", Target = "/", Host = "h", Headers = [new("Authorization", "Bearer a\nX-Evil: 1")] };

        Assert.Throws<ArgumentException>(() => request.Encode());
    }
}
