using Drover.Scheduler.EndToEnd.Tests.Support;
using Drover.Scheduler.Operations;
using Drover.Testing.ZooKeeper;

namespace Drover.Scheduler.EndToEnd.Tests;

/// <summary>Failovers on either side: a standby scheduler taking over, and the Mesos master changing under the scheduler.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class FailoverTests(ZooKeeperServerFixture zooKeeper)
{
    [Fact]
    public async Task Standby_TakesOverWhenTheLeaderDies_WithTheSameFrameworkId_AndTheNodesRunOn()
    {
        await using var bed = await TestBed.StartAsync(zooKeeper, agents: 2);
        var leader = bed.StartScheduler();
        await leader.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed, "the first scheduler subscribed");
        var standby = bed.StartScheduler();
        await standby.WaitForLogAsync("standby behind");

        // A standby is healthy (Marathon keeps it), says it does not lead, and sends changes to the leader.
        var (health, healthBody) = await standby.SendAsync(HttpMethod.Get, "v1/health");
        Assert.Equal(200, health);
        Assert.Contains("\"leader\":false", healthBody, StringComparison.Ordinal);
        Assert.Contains("STANDBY", healthBody, StringComparison.Ordinal);
        var (put, putBody) = await standby.SendAsync(HttpMethod.Put, "v1/clusters/web", TestBed.Spec(count: 2));
        Assert.True(put == 503, $"{put} {putBody}");

        await leader.PutClusterAsync(TestBed.Spec(count: 2));
        var before = await leader.UntilAsync(s => TestBed.Deployed(s, 2), "two nodes deployed");
        await leader.KillAsync();

        var after = await standby.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed && s.Framework.Leader, "the standby leading");
        Assert.Equal(before.Framework.Id, after.Framework.Id);
        Assert.True(TestBed.Deployed(after, 2), bed.Diagnostics(after));
        Assert.Equal(before.Clusters.Single().Nodes.Select(n => n.TaskId), after.Clusters.Single().Nodes.Select(n => n.TaskId));
        Assert.Contains("reconciling 2 task(s)", standby.Output, StringComparison.Ordinal);
        var mesos = await bed.MesosAsync();
        Assert.Equal(2, mesos.TasksOf(after.Framework.Id!).Count(t => t.State == "TASK_RUNNING"));
        Assert.Single(mesos.Frameworks, f => f.Name == bed.Framework);
    }

    [Fact]
    public async Task MasterFailover_RedirectFollowed_Resubscribed_TasksReconciledNotRelaunched()
    {
        await using var bed = await TestBed.StartAsync(zooKeeper, agents: 2, standbys: 1);
        var (leading, standing) = (bed.Mesos.Masters[0], bed.Mesos.Masters[1]);

        // The standby master first: it answers 307 to the leader.
        var scheduler = bed.StartScheduler(master: $"{standing},{leading}");
        await scheduler.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed, "subscribed");
        Assert.Contains($"redirected to {leading}", scheduler.Output, StringComparison.Ordinal);
        await scheduler.PutClusterAsync(TestBed.Spec(count: 2));
        var before = await scheduler.UntilAsync(s => TestBed.Deployed(s, 2), "two nodes deployed");

        var mark = scheduler.Output.Length;
        await bed.Mesos.FailoverAsync(to: 1, keepState: true);
        var after = await scheduler.UntilAsync(
            s => s.Subscription.State == SubscriptionState.Subscribed && s.Subscription.Master != before.Subscription.Master,
            "subscribed to the new leading master");

        Assert.Equal(before.Framework.Id, after.Framework.Id);
        await scheduler.WaitForLogAsync("reconciling 2 task(s)", mark);
        Assert.True(TestBed.Deployed(after, 2), bed.Diagnostics(after));
        Assert.Equal(before.Clusters.Single().Nodes.Select(n => n.TaskId), after.Clusters.Single().Nodes.Select(n => n.TaskId));
        Assert.DoesNotContain("accepting offer", scheduler.Output[mark..], StringComparison.Ordinal);
        Assert.Equal(2, (await bed.MesosAsync()).TasksOf(after.Framework.Id!).Count(t => t.State == "TASK_RUNNING"));
    }

    [Fact]
    public async Task MasterRestartedWithoutItsState_FoundInZooKeeper_TakesTheSchedulersFrameworkIdBack()
    {
        await using var bed = await TestBed.StartAsync(zooKeeper, agents: 2, registerMasters: true);
        var scheduler = bed.StartScheduler(master: bed.MastersInZooKeeper);
        await scheduler.UntilAsync(s => s.Subscription.State == SubscriptionState.Subscribed, "subscribed through ZooKeeper detection");
        await scheduler.PutClusterAsync(TestBed.Spec(count: 1));
        var before = await scheduler.UntilAsync(s => TestBed.Deployed(s, 1), "one node deployed");

        var mark = scheduler.Output.Length;
        await bed.Mesos.FailoverAsync(keepState: false, downtime: TimeSpan.FromSeconds(1));
        var after = await scheduler.UntilAsync(
            s => s.Subscription.State == SubscriptionState.Subscribed && s.Subscription.Master != before.Subscription.Master,
            "subscribed to the restarted master");

        Assert.Equal(before.Framework.Id, after.Framework.Id);
        await scheduler.WaitForLogAsync("reconciling 1 task(s)", mark);
        Assert.Equal(before.Clusters.Single().Nodes.Single().TaskId, after.Clusters.Single().Nodes.Single().TaskId);
        var mesos = await bed.MesosAsync();
        Assert.Equal(before.Framework.Id, Assert.Single(mesos.Frameworks, f => f.Name == bed.Framework).Id);
    }
}
