using System.Net;
using System.Net.Sockets;
using Drover.Mesos.RecordIO;
using Drover.LocalMesos.Agent;
using Google.Protobuf;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.LocalMesos.Tests.Agent;

/// <summary>The emulator against the agent's documented and observed behaviour (executor-http-api.md, shared/mesos-facts.md).</summary>
public class MesosAgentEmulatorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static async Task<MesosAgentEmulator> StartAsync(MesosAgentEmulatorOptions? options = null)
    {
        var agent = new MesosAgentEmulator(options);
        await agent.StartAsync();
        return agent;
    }

    [Fact]
    public async Task Subscribe_StreamsSubscribedFirst_AsChunkedRecordIOProtobuf()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);

        await using var stream = await client.SubscribeAsync();
        var subscribed = await stream.NextAsync();

        Assert.Equal("application/x-protobuf", stream.Response.Content.Headers.ContentType?.MediaType);
        Assert.True(stream.Response.Headers.TransferEncodingChunked);
        Assert.Null(stream.Response.Content.Headers.ContentLength);
        Assert.NotNull(subscribed);
        Assert.Equal(Event.Types.Type.Subscribed, subscribed.Type);
        var s = subscribed.Subscribed;
        Assert.Equal(ExecutorInfo.Types.Type.Custom, s.ExecutorInfo.Type);
        Assert.Equal(agent.ExecutorId, s.ExecutorInfo.ExecutorId.Value);
        Assert.Equal(agent.FrameworkId, s.ExecutorInfo.FrameworkId.Value);
        Assert.NotNull(s.ExecutorInfo.Command);
        Assert.Equal(["cpus", "mem", "disk"], s.ExecutorInfo.Resources.Select(r => r.Name));
        Assert.Equal(agent.FrameworkId, s.FrameworkInfo.Id.Value);
        Assert.True(s.FrameworkInfo.Checkpoint);
        Assert.Equal(["drover"], s.FrameworkInfo.Roles);
        Assert.NotEmpty(s.FrameworkInfo.Capabilities);
        Assert.Equal(agent.Port, s.AgentInfo.Port);
        Assert.Equal(agent.AgentId, s.AgentInfo.Id.Value);
        Assert.Contains(s.AgentInfo.Resources, r => r.Name == "ports" && r.Ranges.Range.Count == 1 && r.Ranges.Range[0].Begin == 31000);
        Assert.Equal(agent.ContainerId, s.ContainerId.Value);
        Assert.Equal(1, agent.SubscriptionCount);
        Assert.True(agent.IsSubscribed);
    }

    [Fact]
    public async Task Subscribe_WithoutTheSubscribeField_Is400EvenThoughItIsEmpty()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);

        using var response = await client.PostAsync(client.NewCall(Call.Types.Type.Subscribe));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Failed to validate Executor::Call: Expecting 'subscribe' to be present", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, agent.SubscriptionCount);
        Assert.Equal(400, Assert.Single(agent.Calls).StatusCode);
    }

    public static TheoryData<string, string?, string?, int, string> BadRequests() => new()
    {
        // name, content type, accept, status, body (prefix)
        { "no content type", null, TestExecutorClient.Protobuf, 400, "Expecting 'Content-Type' to be present" },
        { "json", "application/json", TestExecutorClient.Protobuf, 415, "Expecting 'Content-Type' of application/json or application/x-protobuf" },
        { "text", "text/plain", TestExecutorClient.Protobuf, 415, "Expecting 'Content-Type' of application/json or application/x-protobuf" },
        { "protobuf with parameters", "application/x-protobuf; charset=utf-8", TestExecutorClient.Protobuf, 415, "Expecting 'Content-Type'" },
        { "no accept (JSON is then acceptable)", TestExecutorClient.Protobuf, null, 406, "emulator: a real agent would stream this SUBSCRIBE as JSON" },
        { "accept json", TestExecutorClient.Protobuf, "application/json", 406, "emulator: a real agent would stream this SUBSCRIBE as JSON" },
        { "accept anything", TestExecutorClient.Protobuf, "*/*", 406, "emulator: a real agent would stream this SUBSCRIBE as JSON" },
        { "accept protobuf and json", TestExecutorClient.Protobuf, "application/x-protobuf, application/json", 406, "emulator: a real agent would stream" },
        { "accept text only", TestExecutorClient.Protobuf, "text/plain", 406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Subscribe_BadHeaders_AnsweredLikeTheAgent(string name, string? contentType, string? accept, int status, string body)
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);

        using var response = await client.PostAsync(client.SubscribeCall(), contentType, accept);

        Assert.True(status == (int)response.StatusCode, $"{name}: {(int)response.StatusCode}");
        Assert.StartsWith(body, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, agent.SubscriptionCount);
    }

    [Fact]
    public async Task NonPost_Is405()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);

        using var response = await client.PostAsync([], method: HttpMethod.Get);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task UndecodableBody_Is400FailedToParse()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);

        using var response = await client.PostAsync([0xFF, 0xFF, 0xFF]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Failed to parse body into Call protobuf", await response.Content.ReadAsStringAsync());
        Assert.Null(Assert.Single(agent.Calls).Call);
    }

    [Fact]
    public async Task MissingRequiredIds_Is400FailedToParse_LikeCppParseFromString()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        var call = new Call { Type = Call.Types.Type.Subscribe, Subscribe = new Call.Types.Subscribe(), FrameworkId = new FrameworkID { Value = agent.FrameworkId } };

        using var response = await client.PostAsync(call);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Failed to parse body into Call protobuf", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MissingType_Is400()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        var call = client.SubscribeCall();
        call.ClearType();

        using var response = await client.PostAsync(call);

        Assert.Equal("Failed to validate Executor::Call: Expecting 'type' to be present", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownFrameworkOrExecutor_Is400()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        var otherFramework = client.SubscribeCall();
        otherFramework.FrameworkId.Value = "someone-else";
        var otherExecutor = client.SubscribeCall();
        otherExecutor.ExecutorId.Value = "someone-else";

        using var framework = await client.PostAsync(otherFramework);
        using var executor = await client.PostAsync(otherExecutor);

        Assert.Equal(HttpStatusCode.BadRequest, framework.StatusCode);
        Assert.Equal("Framework cannot be found", await framework.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, executor.StatusCode);
        Assert.Equal("Executor cannot be found", await executor.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UpdateBeforeSubscribe_Is403()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);

        using var response = await client.PostAsync(client.UpdateCall(client.Status("t1", TaskState.TaskRunning)));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Executor is not subscribed", await response.Content.ReadAsStringAsync());
        Assert.Empty(agent.Updates);
    }

    [Fact]
    public async Task HeartbeatCall_Is202_EvenBeforeSubscribing()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);

        using var response = await client.PostAsync(client.NewCall(ExecutorCallValidation.HeartbeatType));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    public static TheoryData<string, Action<TaskStatus>, string> BadUpdates() => new()
    {
        { "no uuid", s => s.ClearUuid(), "Expecting 'uuid' to be present" },
        { "15-byte uuid", s => s.Uuid = ByteString.CopyFrom(new byte[15]), "Not a valid UUID" },
        { "version 0 uuid", s => s.Uuid = ByteString.CopyFrom(new byte[16]), "Not a valid UUID" },
        { "executor mismatch", s => s.ExecutorId.Value = "other", "ExecutorID in Call: drover-executor-test does not match ExecutorID in TaskStatus: other" },
        { "no source", s => s.ClearSource(), "Received Call from executor drover-executor-test of framework 5d3c0a1e-8f7b-4c2d-9e6a-0b1c2d3e4f50-0000 with invalid source, expecting 'SOURCE_EXECUTOR'" },
        { "staging", s => s.State = TaskState.TaskStaging, "Received TASK_STAGING from executor drover-executor-test of framework 5d3c0a1e-8f7b-4c2d-9e6a-0b1c2d3e4f50-0000 which is not allowed" },
        { "check status without type", s => s.CheckStatus = new CheckStatusInfo(), "CheckStatusInfo must specify 'type'" },
    };

    [Theory]
    [MemberData(nameof(BadUpdates))]
    public async Task Update_Invalid_Is400WithTheAgentsReason(string name, Action<TaskStatus> spoil, string reason)
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();
        var status = client.Status("t1", TaskState.TaskRunning);
        spoil(status);

        using var response = await client.PostAsync(client.UpdateCall(status));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, name);
        Assert.Equal("Failed to validate Executor::Call: " + reason, await response.Content.ReadAsStringAsync());
        Assert.Empty(agent.Updates);
    }

    [Fact]
    public async Task Update_WithDotNetGuidByteOrder_IsUsuallyNotAValidUuid()
    {
        // Guid.ToByteArray() puts the version nibble in byte 7; stout reads byte 6. A random v4 Guid's byte 6 is
        // random, so this shows the pitfall deterministically with a Guid whose byte 6 high nibble is 0.
        var guid = new Guid("00000000-0000-4000-8000-000000000000");
        Assert.False(ExecutorCallValidation.IsValidUuid(ByteString.CopyFrom(guid.ToByteArray())));
        Assert.True(ExecutorCallValidation.IsValidUuid(ByteString.CopyFrom(guid.ToByteArray(bigEndian: true))));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Update_Accepted_IsRecordedAndAcknowledgedOnTheStream()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();
        await stream.NextAsync();
        var status = client.Status("t1", TaskState.TaskRunning);

        using var response = await client.PostAsync(client.UpdateCall(status));
        var ack = await stream.NextNonHeartbeatAsync();

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(Event.Types.Type.Acknowledged, ack?.Type);
        Assert.Equal("t1", ack!.Acknowledged.TaskId.Value);
        Assert.Equal(status.Uuid, ack.Acknowledged.Uuid);
        var update = Assert.Single(agent.Updates);
        Assert.Equal(TaskState.TaskRunning, update.State);
        Assert.False(update.ViaSubscribe);
        await agent.WaitUntilAsync(() => update.Acknowledged, "the update to be marked acknowledged");
        Assert.Equal([TaskState.TaskRunning], agent.StatesOf("t1"));
    }

    [Fact]
    public async Task Update_SameUuidTwice_RecordedOnce_AcknowledgedTwice()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();
        await stream.NextAsync();
        var status = client.Status("t1", TaskState.TaskRunning);

        (await client.PostAsync(client.UpdateCall(status))).Dispose();
        (await client.PostAsync(client.UpdateCall(status))).Dispose();

        Assert.Equal(Event.Types.Type.Acknowledged, (await stream.NextNonHeartbeatAsync())?.Type);
        Assert.Equal(Event.Types.Type.Acknowledged, (await stream.NextNonHeartbeatAsync())?.Type);
        Assert.Single(agent.Updates);
    }

    [Fact]
    public async Task AutoAcknowledgeOff_WithholdsAcks_UntilAcknowledgeAsync()
    {
        await using var agent = await StartAsync();
        agent.AutoAcknowledge = false;
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();
        await stream.NextAsync();
        var status = client.Status("t1", TaskState.TaskRunning);

        (await client.PostAsync(client.UpdateCall(status))).Dispose();
        await agent.SendErrorAsync("marker");
        var next = await stream.NextNonHeartbeatAsync();
        await agent.AcknowledgeAllAsync();
        var ack = await stream.NextNonHeartbeatAsync();

        Assert.Equal(Event.Types.Type.Error, next?.Type);
        Assert.Equal(status.Uuid, ack?.Acknowledged.Uuid);
        Assert.True(agent.Updates[0].Acknowledged);
    }

    [Fact]
    public async Task AcknowledgeDelay_DelaysTheAck()
    {
        await using var agent = await StartAsync(new MesosAgentEmulatorOptions { AcknowledgeDelay = TimeSpan.FromMilliseconds(300) });
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();
        await stream.NextAsync();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        (await client.PostAsync(client.UpdateCall(client.Status("t1", TaskState.TaskRunning)))).Dispose();
        var ack = await stream.NextNonHeartbeatAsync();

        Assert.Equal(Event.Types.Type.Acknowledged, ack?.Type);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"ack after {clock.Elapsed}");
    }

    [Fact]
    public async Task Resubscribe_ReplacesTheFirstStream_AndTakesUnacknowledgedUpdatesOnce()
    {
        await using var agent = await StartAsync();
        agent.AutoAcknowledge = false;
        using var client = new TestExecutorClient(agent);
        await using var first = await client.SubscribeAsync();
        await first.NextAsync();
        var running = client.Status("t1", TaskState.TaskRunning);
        var finished = client.Status("t1", TaskState.TaskFinished);
        (await client.PostAsync(client.UpdateCall(running))).Dispose();
        agent.AutoAcknowledge = true;

        await using var second = await client.SubscribeAsync(client.SubscribeCall(running, finished));

        Assert.Null(await first.NextNonHeartbeatAsync()); // the agent closes the replaced stream
        Assert.Equal(Event.Types.Type.Subscribed, (await second.NextAsync())?.Type);
        Assert.Equal(running.Uuid, (await second.NextNonHeartbeatAsync())?.Acknowledged.Uuid);
        Assert.Equal(finished.Uuid, (await second.NextNonHeartbeatAsync())?.Acknowledged.Uuid);
        Assert.Equal([TaskState.TaskRunning, TaskState.TaskFinished], agent.StatesOf("t1"));
        Assert.True(agent.Updates[1].ViaSubscribe);
        var resubscribe = await agent.WaitForSubscribeAsync(2);
        Assert.Equal(2, resubscribe.Subscribe.UnacknowledgedUpdates.Count);
    }

    [Fact]
    public async Task SendAsync_EventsArriveInOrder_AsBuilt()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();
        await stream.NextAsync();
        var task = agent.NewTask("t1").Cpus(0.5).Mem(256).Disk(64).Ports((31000, 31002)).DiscoveryPort("native", 31000).Shell("sleep 100").KillGracePeriod(TimeSpan.FromSeconds(3)).Build();

        await agent.LaunchGroupAsync(task);
        await agent.KillAsync("t1", TimeSpan.FromSeconds(1));
        await agent.ShutdownAsync();

        var launch = await stream.NextNonHeartbeatAsync();
        var kill = await stream.NextNonHeartbeatAsync();
        var shutdown = await stream.NextNonHeartbeatAsync();
        Assert.Equal(task, Assert.Single(launch!.LaunchGroup.TaskGroup.Tasks));
        Assert.Equal(agent.ExecutorId, task.Executor.ExecutorId.Value);
        Assert.Equal(agent.AgentId, task.AgentId.Value);
        Assert.Equal("native", task.Discovery.Ports.Ports_[0].Name);
        Assert.Equal(1_000_000_000, kill!.Kill.KillPolicy.GracePeriod.Nanoseconds);
        Assert.Equal(Event.Types.Type.Shutdown, shutdown!.Type);
        Assert.Contains(agent.SentEvents, e => e.Event?.Type == Event.Types.Type.Kill);
    }

    [Fact]
    public async Task SendAsync_WithoutSubscription_TimesOutNamingWhatItWaitedFor()
    {
        await using var agent = await StartAsync();

        var e = await Assert.ThrowsAsync<TimeoutException>(() => agent.SendAsync(ExecutorEvents.Shutdown(), TimeSpan.FromMilliseconds(200)));

        Assert.Contains("a subscription to send a Shutdown event on", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kill_WithoutGrace_CarriesOnlyTheTaskId()
    {
        var kill = ExecutorEvents.Kill("t1");

        Assert.Null(kill.Kill.KillPolicy);
        Assert.Equal("t1", kill.Kill.TaskId.Value);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task SendRawAsync_Garbage_BreaksTheExecutorsReader()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();
        await stream.NextAsync();

        await agent.SendRawAsync("not-a-length\n"u8.ToArray());

        await Assert.ThrowsAsync<RecordIOException>(() => stream.NextAsync());
    }

    [Fact]
    public async Task SendRawAndCloseAsync_TruncatedRecord_IsATruncationError()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();
        await stream.NextAsync();

        await agent.SendRawAndCloseAsync("100\nabc"u8.ToArray());

        var e = await Assert.ThrowsAsync<RecordIOException>(() => stream.NextAsync());
        Assert.Contains("expected 100 bytes, got 3", e.Message, StringComparison.Ordinal);
        await agent.WaitUntilAsync(() => !agent.IsSubscribed, "the stream to be closed");
    }

    [Fact]
    public async Task SendRawAsync_UndecodableProtobuf_IsFramedButNotAnEvent()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();
        await stream.NextAsync();

        await agent.SendRawAsync(RecordIOWriter.Frame([0xFF, 0xFF, 0xFF, 0xFF]));

        await Assert.ThrowsAsync<InvalidProtocolBufferException>(() => stream.NextAsync());
    }

    [Fact]
    public async Task DropSubscription_Abort_FailsTheRead_Graceful_EndsIt()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        await using var first = await client.SubscribeAsync();
        await first.NextAsync();

        await agent.DropSubscriptionAsync();
        await Assert.ThrowsAnyAsync<IOException>(() => first.NextAsync());
        Assert.False(agent.IsSubscribed);

        await using var second = await client.SubscribeAsync();
        await second.NextAsync();
        await agent.DropSubscriptionAsync(graceful: true);
        Assert.Null(await second.NextAsync());
        Assert.Equal(2, agent.SubscriptionCount);
    }

    [Fact]
    public async Task Restart_RefusesConnectionsWhileDown_ThenListensOnTheSamePort()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        await using var first = await client.SubscribeAsync();
        await first.NextAsync();
        var port = agent.Port;

        await agent.StopAsync();
        await Assert.ThrowsAnyAsync<IOException>(() => first.NextAsync());
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(client.SubscribeCall()));
        Assert.Equal(SocketError.ConnectionRefused, (refused.InnerException as SocketException)?.SocketErrorCode);

        await agent.StartAsync();
        await using var second = await client.SubscribeAsync();

        Assert.Equal(port, agent.Port);
        Assert.Equal(Event.Types.Type.Subscribed, (await second.NextAsync())?.Type);
        Assert.NotNull((await agent.WaitForSubscribeAsync(2)).Subscribe);
    }

    [Fact]
    public async Task FailNextUpdates_AnswersThemThenAcceptsAgain()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();
        agent.FailNextUpdates(2);
        var update = client.UpdateCall(client.Status("t1", TaskState.TaskRunning));

        using var first = await client.PostAsync(update);
        using var second = await client.PostAsync(update);
        using var third = await client.PostAsync(update);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, third.StatusCode);
        Assert.Single(agent.Updates);
    }

    [Fact]
    public async Task AbortNext_DropsTheConnectionWithoutAnswer()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();
        agent.AbortNext(Call.Types.Type.Update);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(client.UpdateCall(client.Status("t1", TaskState.TaskRunning))));

        Assert.Empty(agent.Updates);
        Assert.Contains(agent.Calls, c => c.StatusCode == 0);
    }

    [Fact]
    public async Task RespondNext_Subscribe_OpensNoStream()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        agent.RespondNext(Call.Types.Type.Subscribe, 503, "Agent has not finished recovery");

        using var response = await client.PostAsync(client.SubscribeCall());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Agent has not finished recovery", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, agent.SubscriptionCount);
    }

    [Fact]
    public async Task Heartbeats_ArriveAtTheConfiguredInterval()
    {
        await using var agent = await StartAsync(new MesosAgentEmulatorOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(100) });
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();

        Assert.Equal(Event.Types.Type.Subscribed, (await stream.NextAsync())?.Type);
        Assert.Equal(9, (int)(await stream.NextAsync())!.Type);
        Assert.Equal(9, (int)(await stream.NextAsync())!.Type);
    }

    [Fact]
    public async Task Token_Required_401WithoutOrWrong_200WithIt()
    {
        await using var agent = await StartAsync(new MesosAgentEmulatorOptions { AuthenticationToken = "s3cret" });
        using var client = new TestExecutorClient(agent);

        using var missing = await client.PostAsync(client.SubscribeCall());
        using var wrong = await client.PostAsync(client.SubscribeCall(), token: "nope");
        await using var stream = await client.SubscribeAsync(token: "s3cret");

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(Event.Types.Type.Subscribed, (await stream.NextAsync())?.Type);
    }

    [Fact]
    public async Task Message_Is202AndRecorded()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();
        var message = client.NewCall(Call.Types.Type.Message);
        message.Message = new Call.Types.Message { Data = ByteString.CopyFromUtf8("hello") };
        var empty = client.NewCall(Call.Types.Type.Message);

        using var accepted = await client.PostAsync(message);
        using var rejected = await client.PostAsync(empty);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("hello", Assert.Single(agent.Messages).ToStringUtf8());
        Assert.Equal("Failed to validate Executor::Call: Expecting 'message' to be present", await rejected.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WaitForUpdate_TimesOut_SayingWhatItAwaitedAndWhatItSaw()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        await using var stream = await client.SubscribeAsync();
        (await client.PostAsync(client.UpdateCall(client.Status("t1", TaskState.TaskStarting)))).Dispose();

        var e = await Assert.ThrowsAsync<TimeoutException>(() => agent.WaitForUpdateAsync("t1", TaskState.TaskRunning, TimeSpan.FromMilliseconds(200)));

        Assert.Contains("waiting for an update t1 TaskRunning", e.Message, StringComparison.Ordinal);
        Assert.Contains("t1 TaskStarting", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NextCall_WalksEveryCallOnce()
    {
        await using var agent = await StartAsync();
        using var client = new TestExecutorClient(agent);
        (await client.PostAsync(client.NewCall(Call.Types.Type.Subscribe))).Dispose();
        await using var stream = await client.SubscribeAsync();

        var first = await agent.NextCallAsync();
        var second = await agent.NextCallAsync();

        Assert.Equal(400, first.StatusCode);
        Assert.Equal(200, second.StatusCode);
        Assert.Equal("application/x-protobuf", second.Accept);
        await Assert.ThrowsAsync<TimeoutException>(() => agent.NextCallAsync(TimeSpan.FromMilliseconds(100)));
    }
}
