using System.Diagnostics;
using Drover.Testing;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper.Jute;
using Drover.ZooKeeper.Protocol;
using Drover.ZooKeeper.Tests.Support;

namespace Drover.ZooKeeper.Tests;

/// <summary>
/// Replies no real server sends: each must end in a clear error (a connection loss naming the problem),
/// never a hang. Every wait is bounded.
/// </summary>
public sealed class FakeServerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TruncatedReply_FailsTheRequest_NamingTheShortFrame()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake);
        await using var _ = client;

        var get = client.GetDataAsync("/node");
        var (header, _) = await connection.ReadRequestAsync();
        await connection.SendRawAsync([.. FakeConnection.Int32(100), .. new byte[10]]);
        await connection.DisposeAsync();

        var cause = await ConnectionLossCause<ZooKeeperProtocolException>(get);
        Assert.Equal(OpCode.GetData, header.Type);
        Assert.Equal(ProtocolErrorKind.ServerClosedMidFrame, cause.Kind);
    }

    [Fact]
    public async Task MalformedReplyBody_FailsTheRequest_AndDropsTheConnection()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake);
        await using var _ = client;
        await using var __ = connection;

        var get = client.GetDataAsync("/node");
        var (header, _) = await connection.ReadRequestAsync();
        // The data buffer declares 1000 bytes; 4 follow.
        await connection.SendReplyAsync(header.Xid, 0, 8, (ref JuteWriter w) =>
        {
            w.WriteInt(1000);
            w.WriteInt(0x00ffffff);
        });
        var cause = await ConnectionLossCause<ZooKeeperProtocolException>(get);

        Assert.Equal(ProtocolErrorKind.MalformedReply, cause.Kind);
        var why = Assert.IsType<ZooKeeperProtocolException>(cause.InnerException);
        Assert.Equal((ProtocolErrorKind.LengthBeyondFrame, "getDataResponse.data"), (why.Kind, why.Field));
        Assert.True(await connection.ClientClosedAsync(Bound), "the client should drop a connection that lost sync");
    }

    [Fact]
    public async Task OversizedFrame_IsRefusedFromItsLengthAlone_BeforeAnyBodyArrives()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake);
        await using var _ = client;
        await using var __ = connection;

        var get = client.GetDataAsync("/node");
        await connection.ReadRequestAsync();
        // Only the 4-byte prefix is sent and the socket stays open: waiting for the body would hang.
        await connection.SendRawAsync(FakeConnection.Int32(int.MaxValue));

        var cause = await ConnectionLossCause<ZooKeeperProtocolException>(get);
        Assert.Equal(ProtocolErrorKind.FrameTooLarge, cause.Kind);
    }

    [Fact]
    public async Task FrameAboveAConfiguredMaxPacketSize_IsRefused()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake, maxPacketSize: 2048);
        await using var _ = client;
        await using var __ = connection;

        var get = client.GetDataAsync("/node");
        var (header, _) = await connection.ReadRequestAsync();
        await connection.SendReplyAsync(header.Xid, 0, 4 + 4000 + Stat.Size, (ref JuteWriter w) =>
        {
            w.WriteBuffer(new byte[4000]);
            new Stat(0, 0, 0, 0, 0, 0, 0, 0, 4000, 0, 0).Write(ref w);
        });

        var cause = await ConnectionLossCause<ZooKeeperProtocolException>(get);
        // 4000 bytes pass the default limit: only the configured 2048 refuses them.
        Assert.Equal(ProtocolErrorKind.FrameTooLarge, cause.Kind);
    }

    [Fact]
    public async Task NegativeFrameLength_IsRefused()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake);
        await using var _ = client;
        await using var __ = connection;

        var get = client.GetDataAsync("/node");
        await connection.ReadRequestAsync();
        await connection.SendRawAsync(FakeConnection.Int32(-5));

        var cause = await ConnectionLossCause<ZooKeeperProtocolException>(get);
        Assert.Equal(ProtocolErrorKind.NegativeFrameLength, cause.Kind);
    }

    [Fact]
    public async Task ReplyWithTheWrongXid_MeansLostSync_AndIsFatal()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake);
        await using var _ = client;
        await using var __ = connection;

        var get = client.GetDataAsync("/node");
        var (header, _) = await connection.ReadRequestAsync();
        await connection.SendReplyAsync(header.Xid + 1, 0);

        var cause = await ConnectionLossCause<ZooKeeperProtocolException>(get);
        Assert.Equal(ProtocolErrorKind.XidOutOfOrder, cause.Kind);
    }

    [Fact]
    public async Task ReplyWithNothingPending_DropsTheConnection_WithAClearReason()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake);
        await using var _ = client;
        await using var __ = connection;

        await connection.SendReplyAsync(7, 0);

        await client.WaitForStateAsync(ZooKeeperState.Disconnected).Within("the client to drop the connection", Bound);
        Assert.Equal(ProtocolErrorKind.UnexpectedReply, Assert.IsType<ZooKeeperProtocolException>(client.LastConnectionError).Kind);
    }

    [Fact]
    public async Task SilentServer_IsDetectedWithinTheReadTimeout()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake, negotiatedMs: 600);
        await using var _ = client;
        await using var __ = connection;
        var started = Stopwatch.StartNew();

        var get = client.GetDataAsync("/node");

        var cause = await ConnectionLossCause<ZooKeeperTimeoutException>(get);
        // Two thirds of the negotiated 600 ms.
        Assert.Equal((TimeoutKind.ServerSilent, TimeSpan.FromMilliseconds(400)), (cause.Kind, cause.Limit));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(3), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task UnansweredRequest_PastTheRequestTimeout_LosesTheConnection()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake, requestTimeout: TimeSpan.FromMilliseconds(300));
        await using var _ = client;
        await using var __ = connection;

        var get = client.GetDataAsync("/node");
        await connection.ReadRequestAsync();

        var cause = await ConnectionLossCause<ZooKeeperTimeoutException>(get);
        Assert.Equal((TimeoutKind.RequestUnanswered, TimeSpan.FromMilliseconds(300)), (cause.Kind, cause.Limit));
    }

    [Fact]
    public async Task HandshakeAnsweredWithTimeoutZero_MeansExpired()
    {
        await using var fake = new FakeZooKeeperServer();
        var connecting = ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectString = fake.ConnectString, SessionId = 99, SessionPassword = new byte[16] });
        await using var connection = await fake.AcceptAsync();
        var request = await connection.ReadConnectRequestAsync();
        await connection.SendConnectResponseAsync(0, 0);

        var error = await Assert.ThrowsAsync<SessionExpiredException>(() => connecting.Within("the expiry", Bound));
        Assert.Equal(99, request.SessionId);
        Assert.Contains("has expired", error.InnerException?.Message ?? error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedHandshakeReply_IsAConnectionError_AndTheClientTriesAgain()
    {
        await using var fake = new FakeZooKeeperServer();
        var connecting = ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectString = fake.ConnectString, SessionTimeout = TimeSpan.FromSeconds(5) });
        await using (var garbled = await fake.AcceptAsync())
        {
            await garbled.ReadConnectRequestAsync();
            await garbled.SendRawAsync([.. FakeConnection.Int32(3), 1, 2, 3]);
            Assert.True(await garbled.ClientClosedAsync(Bound));
        }
        await using var good = await fake.AcceptAsync();
        await good.ReadConnectRequestAsync();
        await good.SendConnectResponseAsync(5000, 0x77);

        await using var client = await connecting.Within("the second attempt to succeed", Bound);
        Assert.Equal(0x77, client.SessionId);
        var cause = Assert.IsType<ZooKeeperProtocolException>(client.LastConnectionError);
        Assert.Equal((ProtocolErrorKind.RecordCutShort, "connectResponse.protocolVersion"), (cause.Kind, cause.Field));
        // Gone before the client closes: it need not wait for a closeSession reply that never comes.
        await good.DisposeAsync();
    }

    [Fact]
    public async Task Pings_GoOutAtAThirdOfTheSessionTimeout_AndKeepTheConnection()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake, negotiatedMs: 900);
        await using var _ = client;
        await using var __ = connection;
        var pings = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();

        while (pings.Count < 5)
        {
            var (header, _) = await connection.ReadRequestAsync(skipPings: false);
            Assert.Equal(OpCode.Ping, header.Type);
            Assert.Equal(-2, header.Xid);
            pings.Add(clock.Elapsed);
            await connection.SendReplyAsync(-2, 0);
        }

        var intervals = pings.Zip(pings.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();
        Assert.All(intervals, i => Assert.InRange(i, 250, 900));
        Assert.InRange(intervals.Average(), 250, 600);
        Assert.Equal(ZooKeeperState.Connected, client.State);
    }

    [Fact]
    public async Task CancelledRequest_ItsReplyIsConsumedAndDropped_AndTheNextOneGetsItsOwn()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake);
        await using var _ = client;
        await using var __ = connection;
        using var cancel = new CancellationTokenSource();

        var first = client.GetDataAsync("/a", cancellationToken: cancel.Token);
        var (firstHeader, _) = await connection.ReadRequestAsync();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.Within("the cancellation", Bound));

        var second = client.GetDataAsync("/b");
        var (secondHeader, _) = await connection.ReadRequestAsync();
        await SendDataReplyAsync(connection, firstHeader.Xid, "for a"u8.ToArray());
        await SendDataReplyAsync(connection, secondHeader.Xid, "for b"u8.ToArray());

        Assert.Equal("for b"u8.ToArray(), (await second.Within("the second reply", Bound)).Data);
    }

    [Fact]
    public async Task Requests_ArePipelined_AndAnsweredInOrder()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake);
        await using var _ = client;
        await using var __ = connection;

        var gets = new[] { "/1", "/2", "/3" }.Select(p => client.GetDataAsync(p)).ToList();
        var headers = new List<RequestHeader>();
        for (var i = 0; i < 3; i++)
        {
            // All three arrive before any reply is sent.
            headers.Add((await connection.ReadRequestAsync()).Header);
        }
        Assert.Equal([1, 2, 3], headers.Select(h => h.Xid));
        foreach (var header in headers)
        {
            await SendDataReplyAsync(connection, header.Xid, [(byte)header.Xid]);
        }

        var results = await Task.WhenAll(gets).Within("the replies", Bound);
        Assert.Equal([[1], [2], [3]], results.Select(r => r.Data));
    }

    [Fact]
    public async Task RequestsBeyondTheSocketBuffers_GoOutWholeAndInOrder_WhileTheServerReadsNothing()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake);
        await using var _ = client;
        await using var __ = connection;

        // 32 × 600 KB while the server reads nothing: more than the loopback buffers hold, so a caller's
        // send comes back partial, the writer loop finishes it, and the requests after it queue behind.
        var sets = Enumerable.Range(0, 32).Select(i => client.SetDataAsync("/big", Payload(i))).ToList();
        for (var i = 0; i < 32; i++)
        {
            var (header, body) = await connection.ReadRequestAsync();
            Assert.Equal((i + 1, OpCode.SetData), (header.Xid, header.Type));
            Assert.Equal(Payload(i), ReadSetData(body));
            var version = i;
            await connection.SendReplyAsync(header.Xid, 0, Stat.Size, (ref JuteWriter w) => new Stat(1, 1, 0, 0, version, 0, 0, 0, 600_000, 0, 1).Write(ref w));
        }

        var stats = await Task.WhenAll(sets).Within("the replies", Bound);
        Assert.Equal(Enumerable.Range(0, 32), stats.Select(s => s.Version));

        static byte[] Payload(int i) => Enumerable.Repeat((byte)i, 600_000).ToArray();

        static byte[] ReadSetData(byte[] body)
        {
            var reader = new JuteReader(body);
            Assert.Equal("/big", reader.ReadString("path"));
            return reader.ReadBuffer("data")!;
        }
    }

    [Fact]
    public async Task LostConnection_FailsWhatWasPending_ThenResumesTheSessionOnTheOtherServer_WithAuthAndWatches()
    {
        await using var a = new FakeZooKeeperServer();
        await using var b = new FakeZooKeeperServer();
        var password = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        var connecting = ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = $"{a.ConnectString},{b.ConnectString}",
            SessionTimeout = TimeSpan.FromSeconds(10),
            AuthInfo = [AuthInfo.Digest("u", "p")],
        });
        var acceptA = a.AcceptAsync();
        var acceptB = b.AcceptAsync();
        var firstAccept = await Task.WhenAny(acceptA, acceptB);
        var secondAccept = firstAccept == acceptA ? acceptB : acceptA;
        await using var first = await firstAccept;
        var hello = await first.ReadConnectRequestAsync();
        Assert.Equal(0, hello.SessionId);
        Assert.Equal(10_000, hello.TimeOut);
        await first.SendRecordAsync(new ConnectResponse(0, 6000, 0x5eed, password, false));
        await using var client = await connecting.Within("the session", Bound);
        Assert.Equal(TimeSpan.FromMilliseconds(6000), client.SessionTimeout);

        // Credentials go first on every connection.
        var (auth, _) = await first.ReadRequestAsync();
        Assert.Equal((Xid.Auth, OpCode.Auth), (auth.Xid, auth.Type));
        await first.SendReplyAsync(Xid.Auth, 0);

        var watch = new WatchRecorder();
        var exists = client.ExistsAsync("/w", watch.Watcher);
        var (existsHeader, _) = await first.ReadRequestAsync();
        await first.SendReplyAsync(existsHeader.Xid, (int)KeeperErrorCode.NoNode, zxid: 77);
        Assert.Null(await exists.Within("exists", Bound));

        var pending = client.GetDataAsync("/p");
        await first.ReadRequestAsync();
        await first.DisposeAsync();
        await ConnectionLossCause<ZooKeeperProtocolException>(pending);

        await using var second = await secondAccept.Within("the reconnection to the other server", Bound);
        var again = await second.ReadConnectRequestAsync();
        Assert.Equal((0x5eedL, 77L), (again.SessionId, again.LastZxidSeen));
        Assert.Equal(password, again.Password);
        await second.SendRecordAsync(new ConnectResponse(0, 6000, 0x5eed, password, false));

        var (reauth, authBody) = await second.ReadRequestAsync();
        Assert.Equal(OpCode.Auth, reauth.Type);
        Assert.Equal("u:p", ReadAuthPacket(authBody));
        await second.SendReplyAsync(Xid.Auth, 0);
        var (setWatches, body) = await second.ReadRequestAsync();
        Assert.Equal((Xid.SetWatches, OpCode.SetWatches), (setWatches.Xid, setWatches.Type));
        var (relativeZxid, data, exist, child) = ReadSetWatches(body);
        Assert.Equal(77, relativeZxid);
        Assert.Empty(data);
        Assert.Equal(["/w"], exist);
        Assert.Empty(child);
        await second.SendReplyAsync(Xid.SetWatches, 0);

        // The re-registered watch fires from the new server.
        await second.SendNotificationAsync(EventType.NodeCreated, "/w");
        Assert.Equal(new WatchedEvent(EventType.NodeCreated, KeeperState.SyncConnected, "/w"), await watch.NextNodeEventAsync(Bound));
        Assert.Equal([KeeperState.Disconnected, KeeperState.SyncConnected], watch.States);
        Assert.Equal(0x5eed, client.SessionId);
    }

    [Fact]
    public async Task ConnectToNothing_KeepsTrying_UntilCancelled()
    {
        var port = FreePort.Next();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        var connecting = ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectString = $"127.0.0.1:{port}", SessionTimeout = TimeSpan.FromSeconds(2) }, cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting.Within("the cancellation", Bound));
    }

    [Fact]
    public async Task RefusedCredentials_MakeTheClientAuthFailed_ForGood()
    {
        await using var fake = new FakeZooKeeperServer();
        var (client, connection) = await ConnectAsync(fake);
        await using var _ = client;
        await using var __ = connection;
        var recorder = new WatchRecorder();
        var exists = client.ExistsAsync("/w", recorder.Watcher);
        var (existsHeader, _) = await connection.ReadRequestAsync();
        await connection.SendReplyAsync(existsHeader.Xid, (int)KeeperErrorCode.NoNode);
        await exists.Within("exists", Bound);

        var auth = client.AddAuthAsync("digest", "u:wrong"u8.ToArray());
        var (authHeader, _) = await connection.ReadRequestAsync();
        Assert.Equal(Xid.Auth, authHeader.Xid);
        await connection.SendReplyAsync(Xid.Auth, (int)KeeperErrorCode.AuthFailed);

        await Assert.ThrowsAsync<AuthFailedException>(() => auth.Within("the refusal", Bound));
        await client.WaitForStateAsync(ZooKeeperState.AuthFailed).Within("the AuthFailed state", Bound);
        // Watchers hear of it on the client's callback thread, a moment after the state changed.
        await Eventually.TrueAsync(() => recorder.States is [.., KeeperState.AuthFailed], "the watcher to hear AuthFailed");
        await Assert.ThrowsAsync<AuthFailedException>(() => client.GetDataAsync("/x"));
        Assert.True(await connection.ClientClosedAsync(Bound));
    }

    private static async Task<(ZooKeeperClient Client, FakeConnection Connection)> ConnectAsync(
        FakeZooKeeperServer fake, int negotiatedMs = 10_000, TimeSpan? requestTimeout = null, int maxPacketSize = ZooKeeperClientOptions.DefaultMaxPacketSize)
    {
        var connecting = ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = fake.ConnectString,
            SessionTimeout = TimeSpan.FromMilliseconds(negotiatedMs),
            RequestTimeout = requestTimeout ?? ZooKeeperClientOptions.DefaultRequestTimeout,
            MaxPacketSize = maxPacketSize,
        });
        var connection = await fake.AcceptSessionAsync(negotiatedMs);
        return (await connecting.Within("the fake session", Bound), connection);
    }

    private static async Task<T> ConnectionLossCause<T>(Task request)
        where T : Exception
    {
        var loss = await Assert.ThrowsAsync<ConnectionLossException>(() => request.Within("the request to fail", Bound));
        Assert.Equal(KeeperErrorCode.ConnectionLoss, loss.Code);
        return Assert.IsType<T>(loss.InnerException);
    }

    private static Task SendDataReplyAsync(FakeConnection connection, int xid, byte[] data) =>
        connection.SendReplyAsync(xid, 0, 4 + data.Length + Stat.Size, (ref JuteWriter w) =>
        {
            w.WriteBuffer(data);
            new Stat(1, 1, 0, 0, 0, 0, 0, 0, data.Length, 0, 1).Write(ref w);
        });

    private static string ReadAuthPacket(byte[] body)
    {
        var reader = new JuteReader(body);
        Assert.Equal(0, reader.ReadInt("type"));
        Assert.Equal("digest", reader.ReadString("scheme"));
        return System.Text.Encoding.UTF8.GetString(reader.ReadBuffer("auth")!);
    }

    private static (long, List<string>, List<string>, List<string>) ReadSetWatches(byte[] body)
    {
        var reader = new JuteReader(body);
        var zxid = reader.ReadLong("relativeZxid");
        return (zxid, Strings(ref reader), Strings(ref reader), Strings(ref reader));

        static List<string> Strings(ref JuteReader reader)
        {
            var count = reader.ReadCount("watches", 4);
            var list = new List<string>();
            for (var i = 0; i < count; i++)
            {
                list.Add(reader.ReadString("path")!);
            }
            return list;
        }
    }
}
