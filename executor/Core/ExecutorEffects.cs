using Drover.Executor.Tasks;
using Drover.Mesos.V1;

namespace Drover.Executor.Core;

/// <summary>
/// Everything the loop does to the world outside its own state, and its clock. The executor passes the real
/// ones (<see cref="Program"/>); unit tests pass fakes and a fake clock and drive <see cref="ExecutorLoop.Handle"/>.
/// </summary>
/// <param name="Agent">The agent's executor API.</param>
/// <param name="Processes">Spawning services; finding and sweeping descendants.</param>
/// <param name="Guard">The orphan watchdog.</param>
/// <param name="Time">Every timer and timestamp of the loop (kills, restarts, checks, subscriptions, exit).</param>
/// <param name="Plan">Turns a TaskInfo into what to run (<see cref="LaunchPlanner.Plan"/>), probes included.</param>
/// <param name="Jitter">A number in [0, 1) per subscription backoff (Mesos spreads executors' retries).</param>
public sealed record ExecutorEffects(
    IAgentConnection Agent,
    IProcessControl Processes,
    IOrphanGuard Guard,
    TimeProvider Time,
    Func<TaskInfo, PlanContext, LaunchPlan> Plan,
    Func<double> Jitter);
