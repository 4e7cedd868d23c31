using Drover.Mesos.Resources;
using Drover.Scheduler.Offers;
using Drover.Scheduler.Tests.Support;

namespace Drover.Scheduler.Tests;

/// <summary>
/// Persist before act: the scheduler is killed before each of its effects in turn (every store commit and every
/// call to the master of a deploy, a failure and a scale down), restarted on the same store and master, and must
/// end where a scheduler that never died ends: no duplicate task, no leaked reservation.
/// </summary>
public class CrashTests
{
    private sealed class Effects
    {
        public int Count;
        public int CrashAt = int.MaxValue;

        public bool Next() => ++Count == CrashAt;
    }

    private static async Task<Harness> ScenarioAsync(Effects effects)
    {
        var h = new Harness();
        h.Master.AddAgent("a1", "host1");
        h.Master.AddAgent("a2", "host2");
        h.Master.AddAgent("a3", "host3");
        h.Master.CrashBefore = _ => effects.Next();
        h.Store.BeforeCommit = _ =>
        {
            if (effects.Next())
            {
                throw new SchedulerCrash("crash before a commit");
            }
        };
        await h.StartAsync();
        if (h.Run.IsCompleted)
        {
            return h;
        }

        await h.Loop.PutClusterAsync(Harness.Generic(count: 2, maxPerAgent: 1)).WaitAsync(TimeSpan.FromSeconds(20));
        await RoundsAsync(h, 6);
        if (h.Master.Tasks().FirstOrDefault(t => t.State == Mesos.V1.TaskState.TaskRunning) is { } task)
        {
            h.Master.Fail(task.Info.TaskId.Value);
        }

        await RoundsAsync(h, 4);
        await h.Loop.ScaleAsync("web", 1).WaitAsync(TimeSpan.FromSeconds(20));
        await RoundsAsync(h, 6);
        return h;
    }

    private static async Task RoundsAsync(Harness h, int rounds)
    {
        for (var i = 0; i < rounds && !h.Run.IsCompleted; i++)
        {
            await h.SettleAsync();
            h.Master.OfferAll(force: true);
            await h.SettleAsync();
        }
    }

    [Fact]
    public async Task KilledBeforeAnyEffect_RestartedScheduler_EndsWithoutDuplicatesOrLeaks()
    {
        var total = new Effects();
        await using (var baseline = await ScenarioAsync(total))
        {
            Assert.True(total.Count > 20, $"the scenario has {total.Count} effects");
        }

        for (var crashAt = 1; crashAt <= total.Count; crashAt++)
        {
            var effects = new Effects { CrashAt = crashAt };
            await using var h = await ScenarioAsync(effects);
            if (!h.Run.IsCompleted)
            {
                // The scenario's effects were fewer this time (timing of offers): nothing crashed.
                continue;
            }

            Assert.Equal(1, await h.Run);
            await h.RestartAsync();
            // The operator's last word, said again (a change the dead scheduler never confirmed may be lost).
            var put = await h.Loop.PutClusterAsync(Harness.Generic(count: 1, maxPerAgent: 1)).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(put.IsOk, put.Message);
            await h.DriveAsync(s => Harness.AllHealthy(s, "web", 1) && NoLeak(h), $"one healthy node and nothing leaked after a crash at effect {crashAt}", forceOffers: true, tick: TimeSpan.FromSeconds(10));

            var live = h.Master.LiveTasks();
            Assert.Single(live);
            Assert.Equal(h.Cluster("web").Nodes.Single().TaskId, live[0].Info.TaskId.Value);
        }
    }

    /// <summary>Every reservation on every agent is the one node's, and the store's ledger holds exactly it.</summary>
    private static bool NoLeak(Harness h)
    {
        var node = h.Snapshot.Clusters.SingleOrDefault()?.Nodes.SingleOrDefault();
        if (node?.PersistenceId is not { } id)
        {
            return false;
        }

        var reservations = new[] { "a1", "a2", "a3" }
            .SelectMany(a => h.Master.Agent(a).Reserved())
            .Select(r => r.ReservationLabel(ReservationLabels.Reservation))
            .Distinct()
            .ToList();
        var ledger = h.Store.LoadAsync().GetAwaiter().GetResult().Ledger;
        return reservations.SequenceEqual([id]) && ledger.Count == 1 && ledger[0].Id == id;
    }
}
