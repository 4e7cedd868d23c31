using Drover.Mesos.V1;
using Drover.Scheduler.Operations;
using Drover.Scheduler.Tests.Support;
using Call = Drover.Mesos.V1.Scheduler.Call;

namespace Drover.Scheduler.Tests.Plans;

/// <summary>What the kinds' plan tests share: agents, launched tasks and their NodeSpecs, a step's state.</summary>
internal static class KindHarness
{
    public static async Task<Harness> StartedAsync(int agents, Action<FakeMaster>? shape = null)
    {
        var h = new Harness();
        for (var i = 1; i <= agents; i++)
        {
            h.Master.AddAgent($"a{i}", $"host{i}");
        }

        shape?.Invoke(h.Master);
        await h.StartAsync();
        return h;
    }

    /// <summary>The task ids launched, in the order the master received them.</summary>
    public static List<string> Launches(FakeMaster master) => [.. master.Calls(Call.Types.Type.Accept)
        .SelectMany(c => c.Accept.Operations)
        .Where(o => o.Type == Offer.Types.Operation.Types.Type.Launch)
        .SelectMany(o => o.Launch.TaskInfos)
        .Select(t => t.TaskId.Value)];

    /// <summary>The NodeSpec the task was launched with.</summary>
    public static V1.NodeSpec SpecOf(FakeMaster master, string taskId) => V1.NodeSpec.Parser.ParseFrom(master.Calls(Call.Types.Type.Accept)
        .SelectMany(c => c.Accept.Operations)
        .Where(o => o.Type == Offer.Types.Operation.Types.Type.Launch)
        .SelectMany(o => o.Launch.TaskInfos)
        .Last(t => t.TaskId.Value == taskId).Data);

    public static StepView Step(SchedulerSnapshot snapshot, string cluster, string plan, string step) =>
        snapshot.Clusters.Single(c => c.Name == cluster).Plans.Single(p => p.Name == plan).Phases.SelectMany(p => p.Steps).Single(s => s.Name == step);

    public static PlanView? Plan(SchedulerSnapshot snapshot, string cluster, string plan) =>
        snapshot.Clusters.Single(c => c.Name == cluster).Plans.SingleOrDefault(p => p.Name == plan);

    public static NodeView Node(SchedulerSnapshot snapshot, string cluster, string node) =>
        snapshot.Clusters.Single(c => c.Name == cluster).Nodes.Single(n => n.Name == node);

    /// <summary>Admin requests of one operation, in order (read once the loop has settled).</summary>
    public static List<V1.AdminRequest> Requests(FakeMaster master, string operation) =>
        [.. master.AdminRequests.ToArray().Where(r => r.Operation == operation)];

    public static bool DeployComplete(SchedulerSnapshot snapshot, string cluster) =>
        Plan(snapshot, cluster, "deploy") is { Status: global::Drover.Scheduler.Plans.PlanStatus.Complete };
}
