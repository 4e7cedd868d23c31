namespace Drover.Scheduler.Plans;

/// <summary>
/// A plan of phases of steps (as in dcos-commons). Owned and mutated only by the scheduler loop; persisted whole
/// (definition and progress) before anything a step starts is acted on, so a restarted scheduler resumes it.
/// </summary>
public sealed class Plan
{
    public required string Name { get; init; }

    public required string Cluster { get; init; }

    public Strategy Strategy { get; init; } = Strategy.Serial;

    public required IReadOnlyList<Phase> Phases { get; init; }

    /// <summary>Set by an operator: steps in progress go on, no new step starts.</summary>
    public bool Interrupted { get; set; }

    /// <summary>When the plan was made (the scheduler's clock).</summary>
    public DateTimeOffset Created { get; init; }

    public PlanStatus Status => Derive(Phases.Select(p => p.Status), Interrupted);

    public IEnumerable<Step> Steps => Phases.SelectMany(p => p.Steps);

    public Step? FindStep(string phase, string step) =>
        Phases.FirstOrDefault(p => p.Name == phase)?.Steps.FirstOrDefault(s => s.Name == step);

    /// <summary>
    /// The steps that may start now: none when interrupted; by the plan's strategy over phases and each phase's
    /// over its steps. A serial sequence stops at its first step that is not complete (an error blocks it).
    /// </summary>
    public IEnumerable<Step> Candidates()
    {
        if (Interrupted)
        {
            yield break;
        }

        foreach (var phase in Phases)
        {
            if (phase.Status == PlanStatus.Complete)
            {
                continue;
            }

            foreach (var step in phase.Candidates())
            {
                yield return step;
            }

            if (Strategy == Strategy.Serial)
            {
                yield break;
            }
        }
    }

    internal static PlanStatus Derive(IEnumerable<PlanStatus> children, bool interrupted)
    {
        var list = children.ToList();
        if (list.Count == 0 || list.All(s => s == PlanStatus.Complete))
        {
            return PlanStatus.Complete;
        }

        if (list.Contains(PlanStatus.Error))
        {
            return PlanStatus.Error;
        }

        if (interrupted || list.Contains(PlanStatus.Interrupted))
        {
            return PlanStatus.Interrupted;
        }

        return list.All(s => s == PlanStatus.Pending) ? PlanStatus.Pending : PlanStatus.InProgress;
    }
}

/// <summary>A named group of steps run serially or in parallel.</summary>
public sealed class Phase
{
    public required string Name { get; init; }

    public Strategy Strategy { get; init; } = Strategy.Serial;

    public required IReadOnlyList<Step> Steps { get; init; }

    public PlanStatus Status => Plan.Derive(Steps.Select(s => s.Status switch
    {
        StepStatus.Pending => PlanStatus.Pending,
        StepStatus.InProgress => PlanStatus.InProgress,
        StepStatus.Complete => PlanStatus.Complete,
        _ => PlanStatus.Error,
    }), interrupted: false);

    public IEnumerable<Step> Candidates()
    {
        foreach (var step in Steps)
        {
            if (step.Status == StepStatus.Complete)
            {
                continue;
            }

            if (step.Status != StepStatus.Error)
            {
                yield return step;
            }

            if (Strategy == Strategy.Serial)
            {
                yield break;
            }
        }
    }
}

/// <summary>One step: an action and its progress. The memo fields are what the loop must remember across a restart.</summary>
public sealed class Step
{
    public required string Name { get; init; }

    public required StepAction Action { get; init; }

    public StepStatus Status { get; set; }

    /// <summary>What the step waits for or why it failed, for operators.</summary>
    public string Message { get; set; } = "";

    public DateTimeOffset? Started { get; set; }

    public DateTimeOffset? Finished { get; set; }

    /// <summary>A wait step's end; an admin step's deadline.</summary>
    public DateTimeOffset? Deadline { get; set; }

    /// <summary>The AdminRequest sent for this step (admin and leave operations), so the reply finds it.</summary>
    public string? RequestId { get; set; }

    /// <summary>How many times the operator restarted it.</summary>
    public int Restarts { get; set; }

    /// <summary>What the step measures progress against (a node's incarnation or placements when it started).</summary>
    public long? Baseline { get; set; }

    /// <summary>A service step's attempts so far that asked to be tried again (its planner bounds them).</summary>
    public int Attempts { get; set; }

    /// <summary>
    /// A copy to persist or to load from (<c>PlanRecord</c>): every field is a value or immutable (the action is a
    /// record), so a shallow copy is a whole one, and the live step goes on changing without touching it.
    /// </summary>
    public Step Copy() => (Step)MemberwiseClone();

    /// <summary>Back to the start (operator's "restart step").</summary>
    public void Reset()
    {
        Status = StepStatus.Pending;
        Message = "";
        Started = null;
        Finished = null;
        Deadline = null;
        RequestId = null;
        Baseline = null;
        Attempts = 0;
        Restarts++;
    }
}
