using Drover.V1;

namespace Drover.Executor.Personalities;

/// <summary>
/// What the executor knows about one kind of service: how to turn a <see cref="NodeSpec"/> and the
/// ports Mesos gave into config files, argv and environment, health checks, the graceful-stop steps
/// and admin operations. Implementations are pure: they return what to write and run; the executor
/// writes the files (into <see cref="PersonalityContext.ConfigDirectory"/>), starts the process, runs
/// the checks, and disposes <see cref="ServicePlan.Resources"/> with the task's terminal update.
/// A problem with the spec (a missing port, a bad config value) is a <see cref="Tasks.LaunchException"/>
/// whose message names it; it fails the task with REASON_TASK_INVALID.
/// </summary>
public interface IPersonality
{
    ServiceKind Kind { get; }

    ServicePlan Plan(PersonalityContext context);
}
