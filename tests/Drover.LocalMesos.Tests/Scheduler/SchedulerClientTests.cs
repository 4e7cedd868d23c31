using System.Net;
using Drover.LocalMesos.Tests.Support;
using Drover.Mesos.Scheduler;
using Drover.Mesos.V1;
using Drover.Testing;
using Microsoft.Extensions.Time.Testing;
using Call = Drover.Mesos.V1.Scheduler.Call;
using Event = Drover.Mesos.V1.Scheduler.Event;

namespace Drover.LocalMesos.Tests.Scheduler;

/// <summary>The client's transport logic under a fake clock: redirects, backoff, heartbeats, refusals, stream ids.</summary>
public sealed class SchedulerClientTests
{
    private static readonly MasterAddress TwoMasters = MasterAddress.Parse("m1:5050,m2:5050");

    private static (SchedulerClient Client, FakeTimeProvider Time, List<SchedulerClientEvent> Events) Start(ScriptedMasters masters, MasterAddress? address = null, int missedHeartbeats = 3, BasicCredentials? credentials = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var client = new SchedulerClient(
            new SchedulerClientOptions
            {
                Masters = address ?? TwoMasters,
                InitialBackoff = TimeSpan.FromSeconds(1),
                MaxBackoff = TimeSpan.FromSeconds(8),
                MissedHeartbeatsBeforeReconnect = missedHeartbeats,
                Credentials = credentials,
            },
            time,
            handler: masters);
        var events = new List<SchedulerClientEvent>();
        _ = Task.Run(async () =>
        {
            await foreach (var e in client.Events.ReadAllAsync())
            {
                lock (events)
                {
                    events.Add(e);
                }
            }
        });
        var info = SchedulerHarness.DefaultInfo();
        client.Start(() => new Call { Type = Call.Types.Type.Subscribe, Subscribe = new Call.Types.Subscribe { FrameworkInfo = info } });
        return (client, time, events);
    }

    private static async Task<T> WaitAsync<T>(List<SchedulerClientEvent> events, FakeTimeProvider? time = null, Func<T, bool>? predicate = null, TimeSpan? step = null)
        where T : SchedulerClientEvent
    {
        T? found = null;
        await Eventually.TrueAsync(() =>
        {
            lock (events)
            {
                found = events.OfType<T>().FirstOrDefault(e => predicate?.Invoke(e) ?? true);
            }

            if (found is null && time is not null)
            {
                // The clock moves only while the test waits for something that needs time to pass.
                time.Advance(step ?? TimeSpan.FromMilliseconds(250));
            }

            return found is not null;
        }, typeof(T).Name);
        return found!;
    }

    [Fact]
    public async Task Subscribe_FollowsA307ToTheLeader_AndSendsProtobufWithAccept()
    {
        var masters = new ScriptedMasters();
        var stream = new EventStream();
        masters.Respond = (uri, _) => uri.Host == "m1" ? ScriptedMasters.Redirect("//m2:5050/api/v1/scheduler") : ScriptedMasters.Stream(stream);
        var (client, _, events) = Start(masters);
        await using var _ = client;

        await stream.SubscribedAsync();
        var connected = await WaitAsync<Connected>(events);

        Assert.Equal(new MasterEndpoint("m2", 5050), connected.Endpoint);
        Assert.Equal("stream-1", connected.StreamId);
        Assert.Equal(["m1", "m2"], masters.Requests.Select(r => r.Uri.Host));
        Assert.All(masters.Requests, r => Assert.Equal("/api/v1/scheduler", r.Uri.AbsolutePath));
    }

    [Fact]
    public async Task A503_IsRetriedAfterTheBackoff_WhichDoubles()
    {
        var masters = new ScriptedMasters();
        var stream = new EventStream();
        var attempts = 0;
        masters.Respond = (_, _) => ++attempts <= 3 ? ScriptedMasters.Status(HttpStatusCode.ServiceUnavailable, "No leader elected") : ScriptedMasters.Stream(stream);
        var (client, time, events) = Start(masters);
        await using var _ = client;

        await WaitAsync<Disconnected>(events, predicate: d => d.Reason.Contains("503: No leader elected", StringComparison.Ordinal));
        await stream.SubscribedAsync();
        await WaitAsync<Connected>(events, time);

        // 1 s, 2 s, 4 s between the four attempts: at least 7 s of (fake) time went by, and nothing connected before.
        Assert.True(time.GetUtcNow() - DateTimeOffset.UnixEpoch >= TimeSpan.FromSeconds(7), $"connected after {time.GetUtcNow() - DateTimeOffset.UnixEpoch}");
        Assert.Equal(4, masters.Requests.Count);
    }

    [Fact]
    public void Backoff_DoublesUpToTheMaximum_AndResets()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        Assert.Equal([1, 2, 4, 5, 5], Enumerable.Range(0, 5).Select(_ => backoff.Next().TotalSeconds));
        backoff.Reset();
        Assert.Equal(1, backoff.Next().TotalSeconds);
    }

    [Fact]
    public async Task MissedHeartbeats_DropTheStream_AndTheClientSubscribesAgain()
    {
        var masters = new ScriptedMasters();
        var streams = new[] { new EventStream("s1"), new EventStream("s2") };
        var next = 0;
        masters.Respond = (_, _) => ScriptedMasters.Stream(streams[Math.Min(next++, 1)]);
        var (client, time, events) = Start(masters, MasterAddress.Parse("m1:5050"), missedHeartbeats: 3);
        await using var _ = client;
        await streams[0].SubscribedAsync(heartbeatSeconds: 1);
        await WaitAsync<Connected>(events);

        var disconnected = await WaitAsync<Disconnected>(events, time);

        Assert.Contains("3 heartbeats missed", disconnected.Reason, StringComparison.Ordinal);
        Assert.Null(client.Current);
        await streams[1].SubscribedAsync();
        var again = await WaitAsync<Connected>(events, time, c => c.StreamId == "s2");
        Assert.Equal("s2", again.StreamId);
    }

    [Fact]
    public async Task AnOldMaster_IsRefusedWithAnErrorThatSaysSo()
    {
        var masters = new ScriptedMasters();
        var stream = new EventStream();
        masters.Respond = (_, _) => ScriptedMasters.Stream(stream);
        var (client, _, events) = Start(masters);
        await using var _ = client;

        await stream.SubscribedAsync(version: "1.4.0");
        var refused = await WaitAsync<Refused>(events);

        Assert.Contains("Mesos 1.4.0, older than 1.9.0", refused.Message, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => client.Events.Completion.IsCompleted, "the client to stop");
    }

    [Fact]
    public async Task Unauthorized_IsFatal_AndCredentialsGoAsBasicAuth()
    {
        var masters = new ScriptedMasters { Respond = (_, _) => ScriptedMasters.Status(HttpStatusCode.Unauthorized) };
        var (client, _, events) = Start(masters, credentials: new BasicCredentials("drover", "pw"));
        await using var _ = client;

        var refused = await WaitAsync<Refused>(events);

        Assert.Equal(401, refused.StatusCode);
        Assert.Equal("Basic ZHJvdmVyOnB3", masters.Requests[0].Authorization);
    }

    [Fact]
    public async Task Calls_CarryTheStreamIdAndTheFrameworkId_AndMapTheAnswers()
    {
        var masters = new ScriptedMasters();
        var stream = new EventStream("the-stream");
        masters.Respond = (_, call) => call.Type switch
        {
            Call.Types.Type.Subscribe => ScriptedMasters.Stream(stream),
            Call.Types.Type.Revive => ScriptedMasters.Status(HttpStatusCode.Accepted),
            Call.Types.Type.Decline => ScriptedMasters.Status(HttpStatusCode.BadRequest, "Failed to validate scheduler::Call: Expecting 'decline' to be present"),
            _ => ScriptedMasters.Redirect("//m2:5050/api/v1/scheduler"),
        };
        var (client, _, events) = Start(masters);
        await using var _ = client;
        Assert.IsType<NotConnected>(await client.SendAsync(new Call { Type = Call.Types.Type.Revive }));
        await stream.SubscribedAsync(frameworkId: "fw-9");
        await WaitAsync<Connected>(events);

        Assert.Equal(CallOutcome.Accepted, await client.SendAsync(new Call { Type = Call.Types.Type.Revive }));
        Assert.Equal(new Rejected(400, "Failed to validate scheduler::Call: Expecting 'decline' to be present"), await client.SendAsync(new Call { Type = Call.Types.Type.Decline }));
        Assert.IsType<NotConnected>(await client.SendAsync(new Call { Type = Call.Types.Type.Kill }));
        var revive = masters.Requests.First(r => r.Call.Type == Call.Types.Type.Revive);
        Assert.Equal(("the-stream", "fw-9"), (revive.StreamId, revive.Call.FrameworkId.Value));
    }

    [Fact]
    public async Task AnErrorEvent_StopsTheClient()
    {
        var masters = new ScriptedMasters();
        var stream = new EventStream();
        masters.Respond = (_, _) => ScriptedMasters.Stream(stream);
        var (client, _, events) = Start(masters);
        await using var _ = client;
        await stream.SubscribedAsync();
        await stream.SendAsync(new Event { Type = Event.Types.Type.Error, Error = new Event.Types.Error { Message = "Framework failed over" } });

        var refused = await WaitAsync<Refused>(events);

        Assert.Contains("Framework failed over", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GarbageOnTheStream_IsALostConnection_NotACrash()
    {
        var masters = new ScriptedMasters();
        var stream = new EventStream();
        masters.Respond = (_, _) => ScriptedMasters.Stream(stream);
        var (client, _, events) = Start(masters);
        await using var _ = client;
        await stream.SubscribedAsync();
        await stream.Pipe.Writer.WriteAsync("12x\n"u8.ToArray());

        var disconnected = await WaitAsync<Disconnected>(events);

        Assert.Contains("lost its framing", disconnected.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("m1:5050,m2:5051", false)]
    [InlineData("zk://z1:2181,z2:2181/mesos", true)]
    [InlineData("zk://user:pw@z1:2181/mesos", true)]
    [InlineData("[::1]:5050", false)]
    [InlineData("master", false)]
    public void MasterAddresses_Parse(string text, bool zooKeeper)
    {
        var address = MasterAddress.Parse(text);
        Assert.Equal(zooKeeper, address.IsZooKeeper);
        Assert.Equal(zooKeeper, address.Endpoints.Count == 0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("zk://z1:2181")]
    [InlineData("zk:///mesos")]
    [InlineData("http://m1:5050")]
    [InlineData("m1:99999")]
    [InlineData("m1:port")]
    [InlineData("[::1")]
    [InlineData("zk://user@z1/mesos")]
    public void BadMasterAddresses_AreRefusedWithAReason(string text)
    {
        var error = Assert.Throws<FormatException>(() => MasterAddress.Parse(text));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void MasterAddressParsing_NeverThrowsAnythingButFormatException()
    {
        var random = new Random(11);
        const string Alphabet = "zk:/,@[]1234567890abc.-: ";
        for (var i = 0; i < 5000; i++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(0, 24)).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);
            try
            {
                _ = MasterAddress.Parse(text);
            }
            catch (FormatException)
            {
            }
        }
    }

    [Theory]
    [InlineData("//m2:5050/api/v1/scheduler", "m2", 5050)]
    [InlineData("http://10.0.0.2:5051/master/api/v1/scheduler", "10.0.0.2", 5051)]
    [InlineData("//[::1]:5050/api/v1/scheduler", "::1", 5050)]
    public void RedirectLocations_NameTheLeader(string location, string host, int port)
    {
        var target = SchedulerClient.RedirectTarget(new MasterEndpoint("m1", 5050), location);
        Assert.Equal(new MasterEndpoint(host, port), target);
    }

    [Fact]
    public void MasterInfoJson_RoundTrips_AndBadDataIsAFormatException()
    {
        var info = new MasterInfo { Id = "id-1", Ip = 16777343, Port = 5050, Hostname = "h", Version = "1.12.0", Pid = "master@127.0.0.1:5050", Address = new Address { Ip = "127.0.0.1", Hostname = "h", Port = 5050 } };
        var parsed = MasterInfoJson.Parse(MasterInfoJson.Format(info));
        Assert.Equal(info, parsed);
        Assert.Equal(new MasterEndpoint("127.0.0.1", 5050), MasterInfoJson.EndpointOf(parsed));
        foreach (var bad in new[] { "", "[]", "{}", "{\"id\":3}", "{\"id\":\"x\",\"port\":-1}", "{\"id\":\"x\",\"address\":7}", "{\"id\":" })
        {
            Assert.Throws<FormatException>(() => MasterInfoJson.Parse(System.Text.Encoding.UTF8.GetBytes(bad)));
        }
    }

    [Fact]
    public void TheLeader_IsTheLowestJsonInfoSequence()
    {
        Assert.Equal("json.info_0000000007", ZooKeeperMasterDetector.Leader(["log_replicas", "json.info_0000000012", "json.info_0000000007", "info_0000000001", "json.info_x"]));
        Assert.Null(ZooKeeperMasterDetector.Leader(["log_replicas"]));
    }

    [Theory]
    [InlineData("1.12.0", null)]
    [InlineData("1.9.0", null)]
    [InlineData("1.10.0-rc2", null)]
    [InlineData("1.8.1", "older than 1.9.0")]
    [InlineData("", "did not give a usable version")]
    [InlineData("banana", "did not give a usable version")]
    public void MasterVersions_AreCheckedAgainstTheMinimum(string version, string? refusal)
    {
        var said = MasterVersion.Refusal(version, "1.9.0");
        if (refusal is null)
        {
            Assert.Null(said);
        }
        else
        {
            Assert.Contains(refusal, said, StringComparison.Ordinal);
        }
    }
}
