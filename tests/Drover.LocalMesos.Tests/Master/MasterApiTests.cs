using System.Text.Json;
using Drover.LocalMesos.Tests.Support;
using Drover.Mesos.RecordIO;
using Drover.Mesos.Resources;
using Drover.Mesos.Scheduler;
using Drover.Mesos.V1;
using Call = Drover.Mesos.V1.Scheduler.Call;
using Event = Drover.Mesos.V1.Scheduler.Event;
using Reason = Drover.Mesos.V1.TaskStatus.Types.Reason;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.LocalMesos.Tests.Master;

/// <summary>The emulated master answers as a real Mesos 1.12 master was observed to: codes, texts, events, offers, operations.</summary>
public sealed class MasterApiTests
{
    [Fact]
    public async Task Subscribe_Answers200WithStreamIdThenSubscribedAndAHeartbeat()
    {
        await using var mesos = await Local.StartAsync();
        var subscribe = new Call { Type = Call.Types.Type.Subscribe, Subscribe = new Call.Types.Subscribe { FrameworkInfo = SchedulerHarness.DefaultInfo() } };
        var answer = await RawHttp.PostAsync(mesos.Leader!, subscribe);
        using var response = answer.Response;

        Assert.Equal(200, answer.Status);
        Assert.Equal(SchedulerClient.Protobuf, response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues(SchedulerClient.StreamIdHeader).Single()));
        await using var reader = new RecordIOStreamReader(await response.Content.ReadAsStreamAsync());
        var subscribed = (await reader.ReadAsync(r => Event.Parser.ParseFrom(r)))!;
        Assert.Equal(Event.Types.Type.Subscribed, subscribed.Type);
        Assert.Equal(15, subscribed.Subscribed.HeartbeatIntervalSeconds);
        Assert.Equal("1.12.0", subscribed.Subscribed.MasterInfo.Version);
        Assert.Equal(mesos.Leader!.Port, subscribed.Subscribed.MasterInfo.Address.Port);
        Assert.False(string.IsNullOrEmpty(subscribed.Subscribed.FrameworkId.Value));
        var heartbeat = (await reader.ReadAsync(r => Event.Parser.ParseFrom(r)))!;
        Assert.Equal(Event.Types.Type.Heartbeat, heartbeat.Type);
    }

    [Fact]
    public async Task Calls_NeedTheirStreamId_AndAreAnswered202WithAnEmptyBody()
    {
        await using var mesos = await Local.StartAsync();
        await using var scheduler = SchedulerHarness.Start(Local.Address(mesos));
        var connected = await scheduler.WaitForAsync<Connected>(_ => true, "subscribed");
        var revive = new Call { Type = Call.Types.Type.Revive, FrameworkId = new FrameworkID { Value = scheduler.FrameworkId } };

        var without = await RawHttp.PostAsync(mesos.Leader!, revive);
        Assert.Equal((400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header"), (without.Status, without.Body));

        var wrong = await RawHttp.PostAsync(mesos.Leader!, revive, "not-the-stream");
        Assert.Equal((400, $"The stream ID 'not-the-stream' included in this request didn't match the stream ID currently associated with framework ID {scheduler.FrameworkId}"), (wrong.Status, wrong.Body));

        var accept = new Call { Type = Call.Types.Type.Accept, FrameworkId = revive.FrameworkId };
        var noAccept = await RawHttp.PostAsync(mesos.Leader!, accept, connected.StreamId);
        Assert.Equal((400, "Failed to validate scheduler::Call: Expecting 'accept' to be present"), (noAccept.Status, noAccept.Body));

        var unknown = await RawHttp.PostAsync(mesos.Leader!, new Call { Type = Call.Types.Type.Revive, FrameworkId = new FrameworkID { Value = "nobody" } }, connected.StreamId);
        Assert.Equal((400, "Framework cannot be found"), (unknown.Status, unknown.Body));

        var good = await RawHttp.PostAsync(mesos.Leader!, revive, connected.StreamId);
        Assert.Equal((202, ""), (good.Status, good.Body));
    }

    [Fact]
    public async Task Offers_CarryAllocationInfo_PortsAsOneRange_AndScalars()
    {
        await using var mesos = await Local.StartAsync(agents: 1);
        await using var scheduler = SchedulerHarness.Start(Local.Address(mesos));
        var offer = await scheduler.WaitForOfferAsync();

        Assert.Equal(mesos.AgentIds[0], offer.AgentId.Value);
        Assert.Equal(scheduler.FrameworkId, offer.FrameworkId.Value);
        Assert.False(string.IsNullOrEmpty(offer.Hostname));
        Assert.Equal("http", offer.Url.Scheme);
        Assert.All(offer.Resources, r => Assert.Equal(SchedulerHarness.Role, r.AllocationInfo.Role));
        var ports = Assert.Single(offer.Resources, r => r.Name == "ports");
        Assert.Equal("31000-32000", $"{Assert.Single(ports.Ranges.Range).Begin}-{ports.Ranges.Range[0].End}");
        Assert.All(offer.Resources.Where(r => r.Name is "cpus" or "mem" or "disk"), r => Assert.Equal(Value.Types.Type.Scalar, r.Type));
    }

    [Fact]
    public async Task ReserveAndCreate_InOneAccept_FinishWithFeedback_AndComeBackLabelledWithTheVolumeApart()
    {
        await using var mesos = await Local.StartAsync(agents: 1);
        await using var scheduler = SchedulerHarness.Start(Local.Address(mesos));
        var offer = await scheduler.WaitForOfferAsync();
        var mark = scheduler.Mark;

        var outcome = await scheduler.AcceptAsync(offer,
            SchedulerHarness.Ops.Reserve("reserve-1", Local.Reserved("n1", 0.5, 128, 96)),
            SchedulerHarness.Ops.Create("create-1", Local.Volume("n1", "fw.c.n1", 64)));
        Assert.True(outcome.IsAccepted, outcome.ToString());

        foreach (var id in new[] { "reserve-1", "create-1" })
        {
            var status = (await scheduler.WaitForEventAsync(e => e.Type == Event.Types.Type.UpdateOperationStatus && e.UpdateOperationStatus.Status.OperationId.Value == id, id, mark)).UpdateOperationStatus.Status;
            Assert.Equal(OperationState.OperationFinished, status.State);
            Assert.Equal(16, status.Uuid.Value.Length);
            Assert.Equal(offer.AgentId, status.AgentId);
            Assert.True((await scheduler.SendAsync(new Call
            {
                Type = Call.Types.Type.AcknowledgeOperationStatus,
                AcknowledgeOperationStatus = new Call.Types.AcknowledgeOperationStatus { AgentId = status.AgentId, Uuid = status.Uuid.Value, OperationId = status.OperationId },
            })).IsAccepted);
        }

        var next = await scheduler.WaitForOfferAsync(o => o.Resources.Any(r => r.IsReserved()), "an offer with the reservation", mark);
        var reserved = next.Resources.Where(r => r.IsReserved()).ToList();
        Assert.All(reserved, r => Assert.Equal("n1", r.ReservationLabel("drover.node")));
        Assert.All(reserved, r => Assert.Equal(SchedulerHarness.Principal, r.CurrentReservation()!.Principal));
        var volume = Assert.Single(reserved, r => r.IsPersistentVolume());
        Assert.Equal(("fw.c.n1", "data", 64.0), (volume.Disk.Persistence.Id, volume.Disk.Volume.ContainerPath, volume.Scalar.Value));
        Assert.Equal(32, reserved.Single(r => r.Name == "disk" && !r.IsPersistentVolume()).Scalar.Value);
        Assert.True(Directory.Exists(await mesos.VolumePathAsync(offer.AgentId.Value, SchedulerHarness.Role, "fw.c.n1")));
    }

    [Fact]
    public async Task AnOperationOnResourcesNotInTheOffer_IsDropped_TheCallIsStill202_AndTheOthersRun()
    {
        await using var mesos = await Local.StartAsync(agents: 1);
        await using var scheduler = SchedulerHarness.Start(Local.Address(mesos));
        var offer = await scheduler.WaitForOfferAsync();
        var mark = scheduler.Mark;

        var outcome = await scheduler.AcceptAsync(offer,
            SchedulerHarness.Ops.Unreserve("unreserve-missing", Local.Reserved("ghost", 1, 1, 1)),
            SchedulerHarness.Ops.Reserve("reserve-ok", Local.Reserved("n1", 1, 64, 10)));

        Assert.True(outcome.IsAccepted);
        var dropped = (await scheduler.WaitForEventAsync(e => e.Type == Event.Types.Type.UpdateOperationStatus && e.UpdateOperationStatus.Status.OperationId.Value == "unreserve-missing", "the dropped UNRESERVE", mark)).UpdateOperationStatus.Status;
        Assert.Equal(OperationState.OperationError, dropped.State);
        Assert.False(dropped.Uuid is not null, "a dropped operation has nothing to acknowledge");
        var done = (await scheduler.WaitForEventAsync(e => e.Type == Event.Types.Type.UpdateOperationStatus && e.UpdateOperationStatus.Status.OperationId.Value == "reserve-ok", "the RESERVE", mark)).UpdateOperationStatus.Status;
        Assert.Equal(OperationState.OperationFinished, done.State);
    }

    [Fact]
    public async Task ALaunchOnAnOfferTheMasterNoLongerHas_IsDroppedWithoutUuid()
    {
        await using var mesos = await Local.StartAsync(agents: 1);
        await using var scheduler = SchedulerHarness.Start(Local.Address(mesos));
        var offer = await scheduler.WaitForOfferAsync();
        Assert.True(await mesos.RescindOfferAsync(offer.Id.Value));
        await scheduler.WaitForEventAsync(e => e.Type == Event.Types.Type.Rescind && e.Rescind.OfferId.Equals(offer.Id), "RESCIND");
        var mark = scheduler.Mark;

        var task = Local.ShellTask("late", offer, "true", [MesosResources.Scalar("cpus", 0.1).AllocatedTo(SchedulerHarness.Role)]);
        var outcome = await scheduler.AcceptAsync(offer, SchedulerHarness.Ops.LaunchGroup(Local.Executor("e-late"), task));

        Assert.True(outcome.IsAccepted);
        var status = await scheduler.WaitForUpdateAsync("late", TaskState.TaskDropped, mark);
        Assert.Equal(TaskStatus.Types.Source.Master, status.Source);
        Assert.Equal(Reason.InvalidOffers, status.Reason);
        Assert.Equal($"Task launched with invalid offers: Offer {offer.Id.Value} is no longer valid", status.Message);
        Assert.False(status.HasUuid);
    }

    [Fact]
    public async Task ReconcilingUnknownTasks_AnswersGoneWithAnAgentAndUnknownWithout()
    {
        await using var mesos = await Local.StartAsync(agents: 1);
        await using var scheduler = SchedulerHarness.Start(Local.Address(mesos));
        await scheduler.WaitForAsync<Connected>(_ => true, "subscribed");
        var reconcile = new Call.Types.Reconcile();
        reconcile.Tasks.Add(new Call.Types.Reconcile.Types.Task { TaskId = new TaskID { Value = "on-agent" }, AgentId = new AgentID { Value = mesos.AgentIds[0] } });
        reconcile.Tasks.Add(new Call.Types.Reconcile.Types.Task { TaskId = new TaskID { Value = "nowhere" } });

        Assert.True((await scheduler.SendAsync(new Call { Type = Call.Types.Type.Reconcile, Reconcile = reconcile })).IsAccepted);

        var gone = await scheduler.WaitForUpdateAsync("on-agent", TaskState.TaskGone);
        Assert.Equal(("Reconciliation: Task is unknown to the agent", Reason.Reconciliation, TaskStatus.Types.Source.Master, false), (gone.Message, gone.Reason, gone.Source, gone.HasUuid));
        var unknown = await scheduler.WaitForUpdateAsync("nowhere", TaskState.TaskUnknown);
        Assert.Equal(("Reconciliation: Task is unknown", Reason.Reconciliation, false), (unknown.Message, unknown.Reason, unknown.HasUuid));
    }

    [Fact]
    public async Task ASecondSubscribe_FailsTheFirstOver_WhoseStreamIdIsRefusedFromThenOn()
    {
        await using var mesos = await Local.StartAsync(agents: 1);
        await using var first = SchedulerHarness.Start(Local.Address(mesos));
        var firstConnection = await first.WaitForAsync<Connected>(_ => true, "first subscribed");
        var info = SchedulerHarness.DefaultInfo();
        info.Id = new FrameworkID { Value = first.FrameworkId };

        await using var second = SchedulerHarness.Start(Local.Address(mesos), info);
        var secondConnection = await second.WaitForAsync<Connected>(_ => true, "second subscribed");

        Assert.Equal(first.FrameworkId, second.FrameworkId);
        var error = await first.WaitForEventAsync(Event.Types.Type.Error);
        Assert.Equal("Framework failed over", error.Error.Message);
        await first.WaitForAsync<Refused>(_ => true, "the first client to stop");
        var stale = await RawHttp.PostAsync(mesos.Leader!, new Call { Type = Call.Types.Type.Revive, FrameworkId = info.Id }, firstConnection.StreamId);
        Assert.Equal(400, stale.Status);
        Assert.StartsWith($"The stream ID '{firstConnection.StreamId}' included in this request didn't match", stale.Body, StringComparison.Ordinal);
        Assert.NotEqual(firstConnection.StreamId, secondConnection.StreamId);
    }

    [Fact]
    public async Task AFrameworkIdTheMasterNeverSaw_IsTakenAsAReregistration()
    {
        await using var mesos = await Local.StartAsync(agents: 1);
        var info = SchedulerHarness.DefaultInfo();
        info.Id = new FrameworkID { Value = "remembered-by-the-scheduler-0001" };
        await using var scheduler = SchedulerHarness.Start(Local.Address(mesos), info);

        var subscribed = await scheduler.WaitForEventAsync(Event.Types.Type.Subscribed);

        Assert.Equal("remembered-by-the-scheduler-0001", subscribed.Subscribed.FrameworkId.Value);
    }

    [Fact]
    public async Task Reservations_OutliveAFrameworkThatWentAway()
    {
        await using var mesos = await Local.StartAsync(agents: 1);
        var scheduler = SchedulerHarness.Start(Local.Address(mesos), SchedulerHarness.DefaultInfo(failoverTimeoutSeconds: 0));
        var offer = await scheduler.WaitForOfferAsync();
        await scheduler.AcceptAsync(offer, SchedulerHarness.Ops.Reserve("r", Local.Reserved("n1", 0.3, 96, 64)));
        await scheduler.WaitForEventAsync(Event.Types.Type.UpdateOperationStatus);
        var frameworkId = scheduler.FrameworkId;
        await scheduler.DisposeAsync();

        await Drover.Testing.Eventually.TrueAsync(async () =>
        {
            using var state = JsonDocument.Parse(await mesos.StateJsonAsync());
            return state.RootElement.GetProperty("frameworks").GetArrayLength() == 0;
        }, "the framework to be removed");
        using var agent = JsonDocument.Parse((await mesos.AgentStateJsonAsync(mesos.AgentIds[0]))!);
        var reserved = agent.RootElement.GetProperty("reserved_resources").GetProperty(SchedulerHarness.Role);
        Assert.Equal((0.3, 96.0, 64.0), (reserved.GetProperty("cpus").GetDouble(), reserved.GetProperty("mem").GetDouble(), reserved.GetProperty("disk").GetDouble()));

        // Its id is never accepted again.
        var info = SchedulerHarness.DefaultInfo();
        info.Id = new FrameworkID { Value = frameworkId };
        await using var again = SchedulerHarness.Start(Local.Address(mesos), info);
        var refused = await again.WaitForAsync<Refused>(_ => true, "the removed framework refused");
        Assert.Contains("Framework has been removed", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStandby_Answers307ToTheLeader_AndTheClientFollowsIt()
    {
        await using var mesos = await Local.StartAsync(agents: 1, standbys: 1);
        var standby = mesos.Masters[1];
        var subscribe = new Call { Type = Call.Types.Type.Subscribe, Subscribe = new Call.Types.Subscribe { FrameworkInfo = SchedulerHarness.DefaultInfo() } };

        var answer = await RawHttp.PostAsync(standby, subscribe);
        Assert.Equal(307, answer.Status);
        Assert.Equal($"//{mesos.Leader!.Host}:{mesos.Leader.Port}/api/v1/scheduler", answer.Response.Headers.Location!.OriginalString);

        await using var scheduler = SchedulerHarness.Start(MasterAddress.Of(standby));
        var connected = await scheduler.WaitForAsync<Connected>(_ => true, "subscribed through the redirect");
        Assert.Equal(mesos.Leader, connected.Endpoint);
    }

    [Fact]
    public async Task BasicAuthentication_IsRequiredWhenTheMasterHasCredentials()
    {
        var secrets = new Dictionary<string, string> { [SchedulerHarness.Principal] = "s3cret" };
        await using var mesos = await Local.StartAsync(agents: 1, credentials: secrets);
        await using var refused = SchedulerHarness.Start(Local.Address(mesos), credentials: new BasicCredentials(SchedulerHarness.Principal, "wrong"));
        var refusal = await refused.WaitForAsync<Refused>(_ => true, "refused credentials");
        Assert.Equal(401, refusal.StatusCode);

        await using var accepted = SchedulerHarness.Start(Local.Address(mesos), credentials: new BasicCredentials(SchedulerHarness.Principal, "s3cret"));
        await accepted.WaitForAsync<Connected>(_ => true, "subscribed with the right secret");
    }

    [Fact]
    public async Task SuppressStopsOffers_ReviveBringsThemBack()
    {
        await using var mesos = await Local.StartAsync(agents: 1);
        await using var scheduler = SchedulerHarness.Start(Local.Address(mesos));
        var offer = await scheduler.WaitForOfferAsync();
        Assert.True((await scheduler.SendAsync(new Call { Type = Call.Types.Type.Suppress, Suppress = new Call.Types.Suppress() })).IsAccepted);
        var decline = new Call.Types.Decline();
        decline.OfferIds.Add(offer.Id);
        Assert.True((await scheduler.SendAsync(new Call { Type = Call.Types.Type.Decline, Decline = decline })).IsAccepted);

        await Drover.Testing.Eventually.TrueAsync(async () => (await mesos.OfferIdsAsync()).Count == 0, "the declined offer to be gone");
        using (var state = JsonDocument.Parse(await mesos.StateJsonAsync()))
        {
            Assert.Equal(SchedulerHarness.Role, state.RootElement.GetProperty("frameworks")[0].GetProperty("suppressed_roles")[0].GetString());
        }

        var mark = scheduler.Mark;
        Assert.True((await scheduler.SendAsync(new Call { Type = Call.Types.Type.Revive, Revive = new Call.Types.Revive() })).IsAccepted);
        await scheduler.WaitForOfferAsync(from: mark, what: "an offer after REVIVE");
    }
}
