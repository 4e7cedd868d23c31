using Drover.Scheduler.EndToEnd.Tests.Support;
using Drover.Scheduler.Operations;
using Drover.Testing;
using Drover.Testing.ZooKeeper;

namespace Drover.Scheduler.EndToEnd.Tests;

/// <summary>
/// The scheduler process SIGKILLed at several points of a deploy and started again, as a supervisor (systemd,
/// Marathon) would: it must come back as the same framework, ask the master about every task it knows before it
/// launches anything, and end with each node running once and nothing reserved that no node holds.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CrashTests(ZooKeeperServerFixture zooKeeper)
{
    private const string Reconciling = "before launching anything";
    private const string Accepting = "accepting offer";

    [Fact]
    public async Task SigKilledDuringADeploy_Restarted_SameFramework_ReconciledFirst_NoDuplicateTask_NoLeakedReservation()
    {
        await using var bed = await TestBed.StartAsync(zooKeeper, agents: 3);
        var first = bed.StartScheduler();
        var frameworkId = (await first.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed, "subscribed")).Framework.Id!;
        await first.PutClusterAsync(TestBed.Spec(count: 3));

        // 1: the first node's ACCEPT (RESERVE, CREATE, LAUNCH) has reached the master.
        await Eventually.TrueAsync(async () => (await bed.MesosAsync()).EntriesOf(bed.Framework).Count > 0, "a reservation of the first node", TimeSpan.FromSeconds(60));
        await first.KillAsync();

        // 2: the restarted scheduler is reconciling the task it knows.
        var second = bed.StartScheduler();
        await second.WaitForLogAsync(Reconciling);
        await second.KillAsync();

        // 3: two nodes run; the third is on its way.
        var third = bed.StartScheduler();
        await Eventually.TrueAsync(
            async () => (await bed.MesosAsync()).TasksOf(frameworkId).Count(t => t.State == "TASK_RUNNING") >= 2,
            () => $"two running tasks\n{third.Tail()}", TimeSpan.FromSeconds(90));
        await third.KillAsync();

        var fourth = bed.StartScheduler();
        var deployed = await fourth.UntilAsync(s => TestBed.Deployed(s, 3), "the deploy completed after three crashes", TimeSpan.FromSeconds(120));

        // The same framework: the id stored before the first launch, and the master knows no other of this name.
        Assert.Equal(frameworkId, deployed.Framework.Id);
        var mesos = await bed.MesosAsync();
        Assert.Equal(frameworkId, Assert.Single(mesos.Frameworks, f => f.Name == bed.Framework).Id);

        // Reconciliation first: every restart that knew of tasks asked about them before any ACCEPT.
        foreach (var scheduler in new[] { second, third, fourth })
        {
            var reconciled = scheduler.Output.IndexOf(Reconciling, StringComparison.Ordinal);
            var accepted = scheduler.Output.IndexOf(Accepting, StringComparison.Ordinal);
            Assert.True(reconciled >= 0, $"scheduler {scheduler.Name} did not reconcile:\n{scheduler.Output}");
            Assert.True(accepted < 0 || reconciled < accepted, $"scheduler {scheduler.Name} accepted an offer before reconciling:\n{scheduler.Output}");
        }

        // No duplicate: the master holds exactly the three tasks the nodes run, all running.
        var nodes = deployed.Clusters.Single().Nodes;
        Assert.Equal(nodes.Select(n => n.TaskId).Order(), mesos.TasksOf(frameworkId).Select(t => t.Id).Order());
        Assert.All(mesos.TasksOf(frameworkId), t => Assert.Equal("TASK_RUNNING", t.State));

        // No leak: what is reserved under our labels is exactly the nodes' reservations, and so is the ledger
        // (an entry intended by a crashed scheduler and never made is forgotten once an offer shows it is not there).
        var entries = nodes.Select(n => n.PersistenceId!).ToHashSet();
        await using var client = await zooKeeper.ObserverAsync();
        IReadOnlyList<string> ledger = [];
        await Eventually.TrueAsync(
            async () =>
            {
                mesos = await bed.MesosAsync();
                ledger = (await client.GetChildrenAsync($"/drover/{bed.Framework}/scheduler/ledger")).Children;
                return mesos.EntriesOf(bed.Framework).SetEquals(entries) && ledger.ToHashSet().SetEquals(entries);
            },
            () => $"reservations and ledger = the nodes' {string.Join(", ", entries)}; ledger {string.Join(", ", ledger)}\n{mesos.Describe()}",
            TimeSpan.FromSeconds(30));

        // And deleting the cluster gives everything back.
        var (status, body) = await fourth.SendAsync(HttpMethod.Delete, "v1/clusters/web");
        Assert.True(status == 202, $"{status} {body}");
        await fourth.UntilAsync(s => s.Clusters.Count == 0, "the cluster deleted");
        await Eventually.TrueAsync(async () => (await bed.MesosAsync()).EntriesOf(bed.Framework).Count == 0, "every reservation released", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain((await bed.MesosAsync()).TasksOf(frameworkId), t => t.State is "TASK_STAGING" or "TASK_STARTING" or "TASK_RUNNING" or "TASK_KILLING");
    }
}
