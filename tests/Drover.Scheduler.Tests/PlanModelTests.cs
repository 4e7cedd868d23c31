using Drover.Mesos.V1;
using Drover.Scheduler.Model;
using Drover.Scheduler.Plans;
using Drover.Scheduler.State;

namespace Drover.Scheduler.Tests;

public class PlanModelTests
{
    private static Plan TwoPhases(Strategy first, Strategy second) => new()
    {
        Name = "deploy",
        Cluster = "c",
        Phases =
        [
            new Phase { Name = "seeds", Strategy = first, Steps = [Step("a"), Step("b")] },
            new Phase { Name = "others", Strategy = second, Steps = [Step("c"), Step("d")] },
        ],
    };

    private static Step Step(string node) => new() { Name = node, Action = new RunNode(node) };

    /// <summary>A plan record as the scheduler stored it before steps were persisted as copies of themselves (written by that build).</summary>
    private const string StoredBefore = """{"format":1,"cluster":"ring","name":"deploy","strategy":"SERIAL","interrupted":false,"created":"2026-12-05T13:59:00+00:00","phases":[{"name":"seeds","strategy":"PARALLEL","steps":[{"name":"reserve-ring-0","action":{"type":"run_node","node_name":"ring-0","node":"ring-0"},"status":"COMPLETE","message":"healthy on host1","started":"2026-12-05T14:00:00+00:00","finished":"2026-12-05T14:00:01+00:00","restarts":0,"attempts":0},{"name":"gap-ring-3","action":{"type":"service","node_name":"ring-3","operation":"gap","leaves":false,"node":"ring-3"},"status":"IN_PROGRESS","message":"","deadline":"2026-12-05T14:02:00+00:00","request_id":"r-1","restarts":2,"baseline":3,"attempts":1}]}]}""";

    [Fact]
    public void PlanRecord_ReadsWhatWasStoredBefore_AndWritesItBackByteForByte()
    {
        var plan = StateCodec.DecodePlan("/drover/demo/plans/ring/deploy", System.Text.Encoding.UTF8.GetBytes(StoredBefore)).ToPlan();

        var gap = plan.FindStep("seeds", "gap-ring-3")!;
        Assert.Equal(new ServiceStep("ring-3", "gap"), gap.Action);
        Assert.Equal((StepStatus.InProgress, "r-1", 2, 3L, 1), (gap.Status, gap.RequestId, gap.Restarts, gap.Baseline, gap.Attempts));
        Assert.Equal(DateTimeOffset.Parse("2026-12-05T14:02:00Z", System.Globalization.CultureInfo.InvariantCulture), gap.Deadline);
        Assert.Equal((StepStatus.Complete, "healthy on host1"), (plan.Steps.First().Status, plan.Steps.First().Message));
        var (_, data) = new StateCodec(new StatePaths("/drover", "demo")).Encode(new StoreWrite.PutPlan(PlanRecord.From(plan)));
        Assert.Equal(StoredBefore, System.Text.Encoding.UTF8.GetString(data!));
    }

    [Fact]
    public void PlanRecord_HoldsCopies_TheLiveStepsChangeWithoutTouchingIt()
    {
        var plan = TwoPhases(Strategy.Serial, Strategy.Parallel);
        var record = PlanRecord.From(plan);
        plan.Steps.First().Status = StepStatus.Complete;
        plan.Steps.First().Message = "done";
        Assert.Equal((StepStatus.Pending, ""), (record.Phases[0].Steps[0].Status, record.Phases[0].Steps[0].Message));

        var loaded = record.ToPlan();
        loaded.Steps.Last().Reset();
        Assert.Equal(0, record.Phases[1].Steps[1].Restarts);
        Assert.Equal(["a", "b", "c", "d"], loaded.Steps.Select(s => s.Name));
    }

    [Fact]
    public void Candidates_SerialPhases_OneStepAtATimeInOrder()
    {
        var plan = TwoPhases(Strategy.Serial, Strategy.Serial);

        Assert.Equal(["a"], plan.Candidates().Select(s => s.Name));
        plan.Steps.First().Status = StepStatus.Complete;
        Assert.Equal(["b"], plan.Candidates().Select(s => s.Name));
        plan.FindStep("seeds", "b")!.Status = StepStatus.Complete;
        Assert.Equal(["c"], plan.Candidates().Select(s => s.Name));
        Assert.Equal(PlanStatus.InProgress, plan.Status);
    }

    [Fact]
    public void Candidates_ParallelPhase_EveryUnfinishedStep()
    {
        var plan = TwoPhases(Strategy.Parallel, Strategy.Serial);
        plan.Steps.First().Status = StepStatus.Complete;

        Assert.Equal(["b"], plan.Candidates().Select(s => s.Name));
        plan.Steps.First().Status = StepStatus.InProgress;
        Assert.Equal(["a", "b"], plan.Candidates().Select(s => s.Name));
    }

    [Fact]
    public void Candidates_ErrorBlocksSerialPhase_UntilRestarted()
    {
        var plan = TwoPhases(Strategy.Serial, Strategy.Serial);
        var a = plan.Steps.First();
        a.Status = StepStatus.Error;

        Assert.Empty(plan.Candidates());
        Assert.Equal(PlanStatus.Error, plan.Status);

        a.Reset();
        Assert.Equal(["a"], plan.Candidates().Select(s => s.Name));
        Assert.Equal(1, a.Restarts);
    }

    [Fact]
    public void Interrupt_StopsNewSteps_ContinueResumes()
    {
        var plan = TwoPhases(Strategy.Serial, Strategy.Serial);
        plan.Interrupted = true;

        Assert.Empty(plan.Candidates());
        Assert.Equal(PlanStatus.Interrupted, plan.Status);

        plan.Interrupted = false;
        Assert.Single(plan.Candidates());
    }

    [Fact]
    public void Status_AllComplete_IsComplete()
    {
        var plan = TwoPhases(Strategy.Serial, Strategy.Parallel);
        foreach (var step in plan.Steps)
        {
            step.Status = StepStatus.Complete;
        }

        Assert.Equal(PlanStatus.Complete, plan.Status);
        Assert.Empty(plan.Candidates());
    }

    [Theory]
    [InlineData(TaskState.TaskStaging, NodePhase.Launching, NodePhase.Starting)]
    [InlineData(TaskState.TaskStarting, NodePhase.Launching, NodePhase.Starting)]
    [InlineData(TaskState.TaskStarting, NodePhase.Running, NodePhase.Running)]
    [InlineData(TaskState.TaskRunning, NodePhase.Starting, NodePhase.Running)]
    [InlineData(TaskState.TaskRunning, NodePhase.Lost, NodePhase.Running)]
    [InlineData(TaskState.TaskRunning, NodePhase.Killing, NodePhase.Killing)]
    [InlineData(TaskState.TaskRunning, NodePhase.Leaving, NodePhase.Leaving)]
    [InlineData(TaskState.TaskKilling, NodePhase.Running, NodePhase.Killing)]
    [InlineData(TaskState.TaskFinished, NodePhase.Running, NodePhase.Stopped)]
    [InlineData(TaskState.TaskFailed, NodePhase.Running, NodePhase.Stopped)]
    [InlineData(TaskState.TaskKilled, NodePhase.Killing, NodePhase.Stopped)]
    [InlineData(TaskState.TaskError, NodePhase.Launching, NodePhase.Stopped)]
    [InlineData(TaskState.TaskDropped, NodePhase.Launching, NodePhase.Stopped)]
    [InlineData(TaskState.TaskUnknown, NodePhase.Launching, NodePhase.Stopped)]
    [InlineData(TaskState.TaskLost, NodePhase.Running, NodePhase.Lost)]
    [InlineData(TaskState.TaskUnreachable, NodePhase.Running, NodePhase.Lost)]
    [InlineData(TaskState.TaskGone, NodePhase.Lost, NodePhase.Stopped)]
    [InlineData(TaskState.TaskGoneByOperator, NodePhase.Lost, NodePhase.Stopped)]
    public void Lifecycle_TaskState_MovesThePhase(TaskState state, NodePhase from, NodePhase to)
    {
        Assert.Equal(to, NodeLifecycle.OnTaskState(from, state));
    }

    [Fact]
    public void Lifecycle_OnlyGoneStatesMeanTheAgentIsGone()
    {
        var gone = Enum.GetValues<TaskState>().Where(NodeLifecycle.AgentGone).ToArray();

        Assert.Equal([TaskState.TaskGone, TaskState.TaskGoneByOperator], gone.Order());
    }
}
