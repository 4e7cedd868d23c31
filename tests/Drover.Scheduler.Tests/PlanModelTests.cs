using Drover.Mesos.V1;
using Drover.Scheduler.Model;
using Drover.Scheduler.Plans;

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
