using Drover.Scheduler.Model;
using Drover.Scheduler.Plans;
using Drover.Scheduler.State;
using Drover.Scheduler.Tests.Support;
using Drover.Testing;

namespace Drover.Scheduler.Tests;

/// <summary>
/// The loop's one timer over a simulated hour, in the states where a deadline has passed but its handler cannot act
/// (no offers, no master, reconciliation unanswered): the timer's callbacks are counted. Re-armed at once for such a
/// deadline, they grew without the clock moving (a real scheduler spun a core in its timer thread); here they stay
/// within what the work due in that hour needs. Each test then gives the handler what it waited for and the deadline
/// acts.
/// </summary>
public class TimerTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>Periodic reconciliation (every 10 minutes by default) and a little slack: nothing else is due in an hour.</summary>
    private const long IdleHourBound = 12;

    [Fact]
    public async Task LostNode_PastReplaceAfter_NoOfferForItsReplacement_TimerQuiet_ThenPlacedWhenAnOfferComes()
    {
        var (h, _) = await LostNodeAsync("10mins", "a1");
        await using var owned = h;
        Assert.Equal(NodePhase.Lost, h.Cluster("web").Nodes.Single().Phase);

        var callbacks = await CallbacksOverAsync(h, Hour);

        Assert.True(callbacks <= IdleHourBound, $"{callbacks} timer callbacks in a simulated hour");
        Assert.Equal(NodePhase.Pending, h.Cluster("web").Nodes.Single().Phase);
        Assert.Contains(h.Cluster("web").Plans.Single(p => p.Name == "recovery").Phases.Single().Steps, s => s.Action == "replace_node");

        h.Master.AddAgent("a2", "host2");
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1) && s.Clusters[0].Nodes[0].AgentId == "a2", "the replacement placed on the new agent", forceOffers: true);
    }

    [Fact]
    public async Task LostNode_PastReplaceAfter_WhileTheMasterIsGone_TimerQuiet_ThenReplacedWhenTheMasterIsBack()
    {
        var (h, agent) = await LostNodeAsync("10mins", "a1", "a2");
        await using var owned = h;
        h.Master.LoseConnection();
        await h.SettleAsync();
        Assert.Equal(Operations.SubscriptionState.Subscribing, h.Snapshot.Subscription.State);

        var callbacks = await CallbacksOverAsync(h, Hour);

        // Nothing can act without a master: nothing is armed.
        Assert.True(callbacks <= 1, $"{callbacks} timer callbacks in a simulated hour without a master");
        Assert.Equal(NodePhase.Lost, h.Cluster("web").Nodes.Single().Phase);

        h.Master.Reconnect();
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1) && s.Clusters[0].Nodes[0].AgentId != agent, "replaced once the master is back", forceOffers: true);
    }

    [Fact]
    public async Task LostNode_PastReplaceAfter_WhileReconciliationGoesUnanswered_OnlyTheRetriesWake_ThenReplacedOnceAnswered()
    {
        // replace_after passes two minutes into a reconciliation that the master answers only at the periodic pass
        // (ten minutes): meanwhile the plan engine does not run, and the deadline waits for it.
        var (h, agent) = await LostNodeAsync("2mins", "a1", "a2");
        await using var owned = h;
        h.Master.IgnoreReconcile = true;
        await h.RestartAsync();
        Assert.Equal(Operations.SubscriptionState.Reconciling, h.Snapshot.Subscription.State);

        var before = h.Master.Calls(Mesos.V1.Scheduler.Call.Types.Type.Reconcile).Count;
        var callbacks = await CallbacksOverAsync(h, TimeSpan.FromMinutes(9));

        // What woke the loop is the explicit reconciliation asking again, with its backoff: one callback per call.
        var asked = h.Master.Calls(Mesos.V1.Scheduler.Call.Types.Type.Reconcile).Count - before;
        Assert.InRange(asked, 4, 20);
        Assert.True(callbacks <= asked, $"{callbacks} timer callbacks for {asked} reconciliation calls");
        Assert.Equal(Operations.SubscriptionState.Reconciling, h.Snapshot.Subscription.State);
        Assert.Equal(NodePhase.Lost, h.Cluster("web").Nodes.Single().Phase);

        // The periodic pass (answered) ends the reconciliation; the replacement goes at once.
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(Operations.SubscriptionState.Subscribed, h.Snapshot.Subscription.State);
        await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1) && s.Clusters[0].Nodes[0].AgentId != agent, "replaced once reconciliation is answered", forceOffers: true);
    }

    [Fact]
    public async Task StepDeadline_PassesWhileTheMasterIsGone_TimerQuiet_ThenTheStepCompletesWhenTheMasterIsBack()
    {
        await using var h = await DeployedAsync(Harness.Generic(count: 1), "a1");
        await RestartWithPausePlanAsync(h);
        Assert.Equal(StepStatus.InProgress, Step(h).Status);
        h.Master.LoseConnection();
        await h.SettleAsync();

        var callbacks = await CallbacksOverAsync(h, Hour);

        Assert.True(callbacks <= 1, $"{callbacks} timer callbacks in a simulated hour without a master");
        Assert.Equal(StepStatus.InProgress, Step(h).Status);

        h.Master.Reconnect();
        await h.SettleAsync();
        Assert.Equal(StepStatus.Complete, Step(h).Status);
    }

    [Fact]
    public async Task StepDeadline_WhileSubscribed_FiresOnTime()
    {
        await using var h = await DeployedAsync(Harness.Generic(count: 1), "a1");
        await RestartWithPausePlanAsync(h);

        // Once reconciled (subscribed), only the timer can complete the step; before, the end of reconciliation
        // would run the plans itself and find the deadline past.
        await Eventually.TrueAsync(() => h.Snapshot.Subscription.State == Operations.SubscriptionState.Subscribed, "subscribed and reconciled again");
        await h.SettleAsync();
        var before = h.Clock.Callbacks;
        h.Time.Advance(TimeSpan.FromMinutes(10));
        await h.SettleAsync();

        // The timer woke the loop for it: no other event came.
        Assert.Equal(StepStatus.Complete, Step(h).Status);
        Assert.True(h.Clock.Callbacks > before);
    }

    private static Operations.StepView Step(Harness h) => h.Cluster("web").Plans.Single(p => p.Name == "pause").Phases.Single().Steps.Single();

    /// <summary>One GENERIC node deployed on <paramref name="agents"/>, then its agent partitioned: the node is LOST.</summary>
    private static async Task<(Harness H, string Agent)> LostNodeAsync(string replaceAfter, params string[] agents)
    {
        var h = await DeployedAsync(Harness.Generic(count: 1) with { ReplaceAfter = replaceAfter }, agents);
        var agent = h.Cluster("web").Nodes.Single().AgentId!;
        h.Master.Partition(agent);
        await h.SettleAsync();
        return (h, agent);
    }

    private static async Task<Harness> DeployedAsync(ClusterSpec spec, params string[] agents)
    {
        var h = new Harness();
        foreach (var agent in agents)
        {
            h.Master.AddAgent(agent, "host-" + agent);
        }

        await h.StartAsync();
        await h.PutAsync(spec);
        await h.DriveAsync(s => Harness.AllHealthy(s, spec.Name, spec.CountOrZero()), "deployed");
        return h;
    }

    /// <summary>Moves the clock by <paramref name="span"/> in ten-second ticks, settling after each; the timer callbacks meanwhile.</summary>
    private static async Task<long> CallbacksOverAsync(Harness h, TimeSpan span)
    {
        var before = h.Clock.Callbacks;
        for (var passed = TimeSpan.Zero; passed < span; passed += TimeSpan.FromSeconds(10))
        {
            await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        }

        return h.Clock.Callbacks - before;
    }

    /// <summary>
    /// Restarts the scheduler with a plan whose one step waits 10 minutes, in progress from now: a step deadline the
    /// timer must serve (seeded in the store, as a scheduler that stopped mid-step leaves it).
    /// </summary>
    private static async Task RestartWithPausePlanAsync(Harness h)
    {
        h.Loop.Stop("seeding a plan");
        await h.Run.WaitAsync(TimeSpan.FromSeconds(20));
        h.Master.Disconnect();
        var now = h.Time.GetUtcNow();
        var pause = new Plan
        {
            Name = "pause",
            Cluster = "web",
            Created = now,
            Phases = [new Phase { Name = "pause", Steps = [new Step { Name = "wait", Action = new WaitStep(TimeSpan.FromMinutes(10)), Status = StepStatus.InProgress, Started = now, Deadline = now + TimeSpan.FromMinutes(10) }] }],
        };
        await h.Store.CommitAsync([new StoreWrite.PutPlan(PlanRecord.From(pause))]);
        await h.StartAsync();
    }
}
