using System.Globalization;
using Drover.Mesos.Scheduler;
using Drover.Mesos.V1;
using Drover.Mesos.Resources;
using Drover.Scheduler.EndToEnd.Tests.Support;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Testing;
using Drover.Testing.ZooKeeper;
using Call = Drover.Mesos.V1.Scheduler.Call;
using Event = Drover.Mesos.V1.Scheduler.Event;

namespace Drover.Scheduler.EndToEnd.Tests;

/// <summary>What the cluster around the scheduler does to it: agents lost and back, offers taken back, tasks it does not know.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class FaultTests(ZooKeeperServerFixture zooKeeper)
{
    [Fact]
    public async Task AgentLost_NodeReplacedAfterReplaceAfter_OldTaskKilledAndOldReservationReleasedWhenTheAgentReturns()
    {
        await using var bed = await TestBed.StartAsync(zooKeeper, agents: 4);
        var scheduler = bed.StartScheduler();
        await scheduler.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed, "subscribed");
        await scheduler.PutClusterAsync(TestBed.Spec(count: 3, replaceAfter: "3secs", uniqueHosts: true));
        var deployed = await scheduler.UntilAsync(s => TestBed.Deployed(s, 3), "three nodes deployed");
        var victim = deployed.Clusters.Single().Nodes.Single(n => n.Name == "web-0");

        // Partitioned: its executor and service run on, out of reach.
        await bed.Mesos.LoseAgentAsync(victim.AgentId!);
        await scheduler.UntilAsync(s => Node(s, "web-0").Phase == NodePhase.Lost, "web-0 lost");
        var replaced = await scheduler.UntilAsync(
            s => TestBed.Deployed(s, 3) && Node(s, "web-0").AgentId != victim.AgentId && Node(s, "web-0").PersistenceId != victim.PersistenceId,
            "web-0 replaced on the spare agent after replace_after");
        var replacement = Node(replaced, "web-0");
        Assert.Contains(replaced.Clusters.Single().Plans.Single(p => p.Name == "recovery").Phases.Single().Steps,
            s => s.Action == "replace_node" && s.Node == "web-0");

        // The old reservation cannot be released while its agent is away.
        Assert.Contains(victim.PersistenceId!, (await bed.MesosAsync()).EntriesOf(bed.Framework));

        // Back: the task it still runs is no node's any more: killed; then its reservation and volume are released.
        await bed.Mesos.RestoreAgentAsync(victim.AgentId!);
        MesosView mesos = null!;
        await Eventually.TrueAsync(
            async () =>
            {
                mesos = await bed.MesosAsync();
                return !mesos.EntriesOf(bed.Framework).Contains(victim.PersistenceId!)
                    && !mesos.Tasks.Any(t => t.Id == victim.TaskId && t.State == "TASK_RUNNING");
            },
            () => $"the old task killed and its reservation released\n{mesos.Describe()}\n{scheduler.Tail()}",
            TimeSpan.FromSeconds(60));
        Assert.Contains($"task {victim.TaskId}, which no node runs: killing it", scheduler.Output, StringComparison.Ordinal);
        Assert.Contains($"task {victim.TaskId}, which no node runs, ended: TASK_KILLED", scheduler.Output, StringComparison.Ordinal);

        var final = await scheduler.StateAsync();
        Assert.True(TestBed.Deployed(final, 3), bed.Diagnostics(final));
        Assert.Equal(replacement.TaskId, Node(final, "web-0").TaskId);
        Assert.Equal(final.Clusters.Single().Nodes.Select(n => n.PersistenceId!).ToHashSet(), mesos.EntriesOf(bed.Framework));

        // The replacement's executor takes the node's name in the registry once the old one has let it go.
        await scheduler.UntilAsync(s => Node(s, "web-0").Endpoints.Count > 0, "web-0's endpoints");
        await using var client = await zooKeeper.ObserverAsync();
        // Between the two the ephemeral record is absent: NoNode means "not yet", not a failure.
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    var record = await client.GetDataAsync($"/drover/{bed.Framework}/clusters/web/nodes/web-0");
                    return Drover.Registry.NodeRecordJson.Parse(record.Data).TaskId == replacement.TaskId;
                }
                catch (Drover.ZooKeeper.NoNodeException)
                {
                    return false;
                }
            },
            "the replacement registered as web-0", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task NodeProcessSigKilled_TaskFails_NodeRelaunchedInPlace_OnItsReservationVolumeAndPorts()
    {
        await using var bed = await TestBed.StartAsync(zooKeeper, agents: 2);
        var scheduler = bed.StartScheduler();
        await scheduler.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed, "subscribed");

        // No restarts by the executor: the service's death ends the task, and bringing it back is the scheduler's job.
        await scheduler.PutClusterAsync(TestBed.Spec(count: 2, maxRestarts: 0));
        var deployed = await scheduler.UntilAsync(s => TestBed.Deployed(s, 2), "two nodes deployed");
        var (victim, bystander) = (Node(deployed, "web-0"), Node(deployed, "web-1"));
        var port = victim.Ports["http"];
        var pid = ServiceProcess.Find(port) ?? throw new InvalidOperationException($"no http.server on port {port}\n{scheduler.Tail()}");

        Assert.True(Signals.Send(pid, Signals.Kill), $"pid {pid} was gone already");
        var restarted = await scheduler.UntilAsync(
            s => TestBed.Deployed(s, 2) && Node(s, "web-0").TaskId != victim.TaskId,
            "web-0 relaunched and healthy again");

        // In place: the same agent, reservation, volume and port; a new task; the other node untouched.
        var node = Node(restarted, "web-0");
        Assert.Equal(victim.AgentId, node.AgentId);
        Assert.Equal(victim.PersistenceId, node.PersistenceId);
        Assert.Equal(port, node.Ports["http"]);
        Assert.Equal(bystander.TaskId, Node(restarted, "web-1").TaskId);
        Assert.Contains(restarted.Clusters.Single().Plans.Single(p => p.Name == "recovery").Phases.SelectMany(p => p.Steps),
            s => s.Action == "run_node" && s.Node == "web-0" && s.Status == Plans.StepStatus.Complete);
        Assert.Contains($"{victim.TaskId}", scheduler.Output, StringComparison.Ordinal);

        // A new process serves the new task's page from the same volume; nothing more is reserved than before.
        Assert.NotEqual(pid, ServiceProcess.Find(port));
        using var http = new HttpClient();
        Assert.Contains($"hello from {node.TaskId}", await http.GetStringAsync($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"), StringComparison.Ordinal);
        var mesos = await bed.MesosAsync();
        Assert.Equal(new HashSet<string> { victim.PersistenceId!, bystander.PersistenceId! }, mesos.EntriesOf(bed.Framework));
        Assert.Equal(new[] { bystander.TaskId, node.TaskId }.Order(), mesos.TasksOf(restarted.Framework.Id!).Where(t => t.State == "TASK_RUNNING").Select(t => t.Id).Order());
    }

    [Fact]
    public async Task OfferRescindedBetweenMatchAndAccept_NodePlacedOnAFreshOffer_NothingLeaked()
    {
        await using var bed = await TestBed.StartAsync(zooKeeper, agents: 2);
        var scheduler = bed.StartScheduler();
        await scheduler.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed, "subscribed");
        await bed.Mesos.RescindBeforeAcceptsAsync(1);

        await scheduler.PutClusterAsync(TestBed.Spec(count: 1));
        var deployed = await scheduler.UntilAsync(s => TestBed.Deployed(s, 1), "the node placed after the first ACCEPT found its offer gone");

        // The first launch was dropped (TASK_DROPPED, invalid offer): the node runs its second incarnation, on a reservation made afresh.
        var node = deployed.Clusters.Single().Nodes.Single();
        Assert.EndsWith(".2", node.TaskId, StringComparison.Ordinal);
        Assert.Contains("OperationDropped", scheduler.Output, StringComparison.Ordinal);
        var mesos = await bed.MesosAsync();
        Assert.Equal(node.TaskId, Assert.Single(mesos.TasksOf(deployed.Framework.Id!)).Id);

        // The intended reservation of the dropped ACCEPT was never made: its ledger entry goes once an offer shows that.
        await using var client = await zooKeeper.ObserverAsync();
        IReadOnlyList<string> ledger = [];
        await Eventually.TrueAsync(
            async () => (ledger = (await client.GetChildrenAsync($"/drover/{bed.Framework}/scheduler/ledger")).Children).SequenceEqual([node.PersistenceId!]),
            () => $"the ledger holding only {node.PersistenceId} (it holds {string.Join(", ", ledger)})", TimeSpan.FromSeconds(30));
        Assert.Equal([node.PersistenceId!], (await bed.MesosAsync()).EntriesOf(bed.Framework));
    }

    [Fact]
    public async Task UnknownTask_OfTheFramework_IsKilledAfterTheSchedulerSubscribes()
    {
        await using var bed = await TestBed.StartAsync(zooKeeper, agents: 1);
        var scheduler = bed.StartScheduler();
        var frameworkId = (await scheduler.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed, "subscribed")).Framework.Id!;
        await scheduler.StopAsync(TimeSpan.FromSeconds(10));

        // While it is away, something else subscribed as the same framework launches a task no node of it runs
        // (an old scheduler's launch whose record is gone, a task from a hand-made tool).
        await LaunchStrayAsync(bed, frameworkId, "stray-1");

        var restarted = bed.StartScheduler();
        await restarted.WaitForLogAsync("task stray-1, which no node runs, ended: TASK_KILLED");
        Assert.Contains("task stray-1, which no node runs: killing it", restarted.Output, StringComparison.Ordinal);
        Assert.DoesNotContain((await bed.MesosAsync()).Tasks, t => t.Id == "stray-1" && t.State == "TASK_RUNNING");
        Assert.Equal(frameworkId, (await restarted.StateAsync()).Framework.Id);
    }

    private static NodeView Node(SchedulerSnapshot s, string name) => s.Clusters.Single().Nodes.Single(n => n.Name == name);

    /// <summary>Subscribes with the framework's id through the v1 client, launches a command task on the first offer, and leaves.</summary>
    private static async Task LaunchStrayAsync(TestBed bed, string frameworkId, string taskId)
    {
        var info = new FrameworkInfo { User = "", Name = bed.Framework, Principal = "drover", Checkpoint = true, FailoverTimeout = 3600, Id = new FrameworkID { Value = frameworkId } };
        info.Roles.Add("drover");
        info.Capabilities.Add(new FrameworkInfo.Types.Capability { Type = FrameworkInfo.Types.Capability.Types.Type.MultiRole });
        info.Capabilities.Add(new FrameworkInfo.Types.Capability { Type = FrameworkInfo.Types.Capability.Types.Type.PartitionAware });
        await using var client = new SchedulerClient(new SchedulerClientOptions { Masters = bed.Mesos.MasterAddress }, TimeProvider.System);
        client.Start(() => new Call
        {
            Type = Call.Types.Type.Subscribe,
            FrameworkId = new FrameworkID { Value = frameworkId },
            Subscribe = new Call.Types.Subscribe { FrameworkInfo = info },
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var e in client.Events.ReadAllAsync(timeout.Token))
        {
            if (e is not Received { Event: { Type: Event.Types.Type.Offers } offers })
            {
                continue;
            }

            var offer = offers.Offers.Offers_[0];
            var task = new TaskInfo
            {
                Name = taskId,
                TaskId = new TaskID { Value = taskId },
                AgentId = offer.AgentId,
                Command = new CommandInfo { Value = "sleep 600", Shell = true },
            };
            task.Resources.Add(MesosResources.Scalar(MesosResources.Cpus, 0.1).AllocatedTo("drover"));
            task.Resources.Add(MesosResources.Scalar(MesosResources.Mem, 32).AllocatedTo("drover"));
            var launch = new Offer.Types.Operation { Type = Offer.Types.Operation.Types.Type.Launch, Launch = new Offer.Types.Operation.Types.Launch() };
            launch.Launch.TaskInfos.Add(task);
            var accept = new Call.Types.Accept();
            accept.OfferIds.Add(offer.Id);
            accept.Operations.Add(launch);
            var outcome = await client.SendAsync(new Call { Type = Call.Types.Type.Accept, Accept = accept });
            Assert.True(outcome.IsAccepted, outcome.ToString());
            await Eventually.TrueAsync(async () => (await bed.MesosAsync()).Tasks.Any(t => t.Id == taskId && t.State == "TASK_RUNNING"), $"{taskId} running", TimeSpan.FromSeconds(30));
            return;
        }
    }
}
