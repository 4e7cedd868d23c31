using Drover.LocalMesos.Tests.Support;
using Drover.Mesos.Scheduler;
using Drover.Mesos.V1;
using Google.Protobuf;
using Call = Drover.Mesos.V1.Scheduler.Call;

namespace Drover.LocalMesos.Tests.Master;

/// <summary>Every malformed request gets a 4xx with a reason, never a 5xx or a crash, and the master serves on.</summary>
public sealed class BadCallTests
{
    [Fact]
    public async Task TheHttpLevelMistakes_GetTheMastersAnswers()
    {
        await using var mesos = await Local.StartAsync(agents: 1);
        var master = mesos.Leader!;

        var get = await RawHttp.PostAsync(master, [], method: "GET");
        Assert.Equal((405, "Expecting one of { 'POST' }, but received 'GET'"), (get.Status, get.Body));
        var json = await RawHttp.PostAsync(master, "{}"u8.ToArray(), contentType: "application/json");
        Assert.Equal(415, json.Status);
        var text = await RawHttp.PostAsync(master, "hi"u8.ToArray(), contentType: "text/plain");
        Assert.Equal((415, "Expecting 'Content-Type' of application/json or application/x-protobuf"), (text.Status, text.Body));
        var garbage = await RawHttp.PostAsync(master, [0xff, 0xff, 0xff]);
        Assert.Equal((400, "Failed to parse body into Call protobuf"), (garbage.Status, garbage.Body));
        var noType = await RawHttp.PostAsync(master, new Call());
        Assert.Equal((400, "Failed to validate scheduler::Call: Expecting 'type' to be present"), (noType.Status, noType.Body));
        var noSubscribe = await RawHttp.PostAsync(master, new Call { Type = Call.Types.Type.Subscribe });
        Assert.Equal((400, "Failed to validate scheduler::Call: Expecting 'subscribe' to be present"), (noSubscribe.Status, noSubscribe.Body));
        var noFramework = await RawHttp.PostAsync(master, new Call { Type = Call.Types.Type.Revive });
        Assert.Equal((400, "Failed to validate scheduler::Call: Expecting 'framework_id' to be present"), (noFramework.Status, noFramework.Body));
        var badUuid = await RawHttp.PostAsync(master, new Call
        {
            Type = Call.Types.Type.Acknowledge,
            FrameworkId = new FrameworkID { Value = "f" },
            Acknowledge = new Call.Types.Acknowledge { AgentId = new AgentID { Value = "a" }, TaskId = new TaskID { Value = "t" }, Uuid = ByteString.CopyFromUtf8("short") },
        });
        Assert.Equal((400, "Failed to validate scheduler::Call: Not a valid UUID"), (badUuid.Status, badUuid.Body));
        var missingRequired = new Call { Type = Call.Types.Type.Kill, FrameworkId = new FrameworkID { Value = "f" }, Kill = new Call.Types.Kill() };
        var parsedLikeCpp = await RawHttp.PostAsync(master, missingRequired);
        Assert.Equal((400, "Failed to parse body into Call protobuf"), (parsedLikeCpp.Status, parsedLikeCpp.Body));
    }

    [Fact]
    public async Task FuzzedCalls_AreAnswered4xxOr2xx_AndTheMasterServesOn()
    {
        await using var mesos = await Local.StartAsync(agents: 2);
        await using var scheduler = SchedulerHarness.Start(Local.Address(mesos));
        var connected = await scheduler.WaitForAsync<Connected>(_ => true, "subscribed");
        var offer = await scheduler.WaitForOfferAsync();
        var random = new Random(1234);
        var seeds = ValidCalls(scheduler.FrameworkId, offer).ToArray();
        var statuses = new Dictionary<int, int>();

        for (var i = 0; i < 400; i++)
        {
            var bytes = seeds[random.Next(seeds.Length)].ToByteArray();
            bytes = Mutate(bytes, random);
            var answer = await RawHttp.PostAsync(mesos.Leader!, bytes, connected.StreamId);
            answer.Response.Dispose();
            statuses[answer.Status] = statuses.GetValueOrDefault(answer.Status) + 1;
            Assert.True(answer.Status is 200 or 202 or (>= 400 and < 500), $"call #{i} ({Convert.ToHexString(bytes)}) got {answer.Status} {answer.Body}");
            if (answer.Status == 400)
            {
                Assert.False(string.IsNullOrWhiteSpace(answer.Body), $"call #{i} got 400 without a reason");
            }
        }

        // Still serving: a fresh scheduler subscribes and gets offers.
        await using var after = SchedulerHarness.Start(Local.Address(mesos), SchedulerHarness.DefaultInfo());
        await after.WaitForAsync<Connected>(_ => true, "a new subscription after the fuzzing");
        Assert.True(statuses.Keys.Count > 1, string.Join(", ", statuses));
    }

    private static IEnumerable<Call> ValidCalls(string frameworkId, Offer offer)
    {
        var framework = new FrameworkID { Value = frameworkId };
        var accept = new Call.Types.Accept();
        accept.OfferIds.Add(offer.Id);
        accept.Operations.Add(SchedulerHarness.Ops.Reserve("r", Local.Reserved("n", 0.1, 16, 16)));
        accept.Operations.Add(SchedulerHarness.Ops.Create("c", Local.Volume("n", "p", 8)));
        accept.Operations.Add(SchedulerHarness.Ops.LaunchGroup(Local.Executor("e"), Local.ShellTask("t", offer, "true", [])));
        accept.Operations.Add(SchedulerHarness.Ops.Destroy("d", Local.Volume("n", "p", 8)));
        accept.Operations.Add(SchedulerHarness.Ops.Unreserve("u", Local.Reserved("n", 0.1, 16, 16)));
        yield return new Call { Type = Call.Types.Type.Accept, FrameworkId = framework, Accept = accept };
        var decline = new Call.Types.Decline { Filters = new Filters { RefuseSeconds = 1 } };
        decline.OfferIds.Add(offer.Id);
        yield return new Call { Type = Call.Types.Type.Decline, FrameworkId = framework, Decline = decline };
        var reconcile = new Call.Types.Reconcile();
        reconcile.Tasks.Add(new Call.Types.Reconcile.Types.Task { TaskId = new TaskID { Value = "t" }, AgentId = offer.AgentId });
        yield return new Call { Type = Call.Types.Type.Reconcile, FrameworkId = framework, Reconcile = reconcile };
        yield return new Call { Type = Call.Types.Type.Kill, FrameworkId = framework, Kill = new Call.Types.Kill { TaskId = new TaskID { Value = "t" }, AgentId = offer.AgentId } };
        yield return new Call { Type = Call.Types.Type.Shutdown, FrameworkId = framework, Shutdown = new Call.Types.Shutdown { AgentId = offer.AgentId, ExecutorId = new ExecutorID { Value = "e" } } };
        yield return new Call { Type = Call.Types.Type.Message, FrameworkId = framework, Message = new Call.Types.Message { AgentId = offer.AgentId, ExecutorId = new ExecutorID { Value = "e" }, Data = ByteString.CopyFromUtf8("x") } };
        yield return new Call
        {
            Type = Call.Types.Type.Acknowledge,
            FrameworkId = framework,
            Acknowledge = new Call.Types.Acknowledge { AgentId = offer.AgentId, TaskId = new TaskID { Value = "t" }, Uuid = ByteString.CopyFrom(Guid.NewGuid().ToByteArray(bigEndian: true)) },
        };
        var suppress = new Call.Types.Suppress();
        suppress.Roles.Add("drover");
        yield return new Call { Type = Call.Types.Type.Suppress, FrameworkId = framework, Suppress = suppress };
        yield return new Call { Type = Call.Types.Type.Revive, FrameworkId = framework, Revive = new Call.Types.Revive() };
        yield return new Call { Type = Call.Types.Type.ReconcileOperations, FrameworkId = framework, ReconcileOperations = new Call.Types.ReconcileOperations() };
    }

    /// <summary>Flips, drops, duplicates or truncates bytes: mostly still protobuf, often with fields in odd places.</summary>
    private static byte[] Mutate(byte[] bytes, Random random)
    {
        var list = bytes.ToList();
        var edits = random.Next(0, 4);
        for (var e = 0; e < edits && list.Count > 0; e++)
        {
            var at = random.Next(list.Count);
            switch (random.Next(4))
            {
                case 0:
                    list[at] = (byte)random.Next(256);
                    break;
                case 1:
                    list.RemoveAt(at);
                    break;
                case 2:
                    list.Insert(at, (byte)random.Next(256));
                    break;
                default:
                    list.RemoveRange(at, list.Count - at);
                    break;
            }
        }

        return [.. list];
    }
}
