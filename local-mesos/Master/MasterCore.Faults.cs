using Drover.Mesos.V1;
using Event = Drover.Mesos.V1.Scheduler.Event;
using Reason = Drover.Mesos.V1.TaskStatus.Types.Reason;

namespace Drover.LocalMesos.Master;

internal sealed partial class MasterCore
{
    /// <summary>
    /// The agent is partitioned (its health checks time out): its offers are rescinded, its tasks become
    /// TASK_UNREACHABLE (TASK_LOST for frameworks that are not PARTITION_AWARE) and every framework gets FAILURE with
    /// the agent id. Its executors run on, unless <paramref name="hostDied"/>: then they are killed and the agent comes
    /// back without them (reservations and volumes survive: they are checkpointed on the agent).
    /// </summary>
    public void LoseAgent(string agentId, bool hostDied)
    {
        var agent = Agent(agentId);
        if (agent.State == AgentState.Unreachable)
        {
            return;
        }

        agent.State = AgentState.Unreachable;
        agent.UnreachableSince = Now;
        foreach (var offer in _offers.Values.Where(o => o.AgentId.Value == agentId).ToArray())
        {
            Rescind(offer, sendEvent: true);
        }

        foreach (var task in _tasks.Values.Where(t => t.AgentId == agentId && !t.IsTerminal).ToArray())
        {
            var framework = Framework(task.FrameworkId);
            var state = framework?.PartitionAware != false ? TaskState.TaskUnreachable : TaskState.TaskLost;
            task.BeforeUnreachable = task.State;
            task.State = state;
            if (framework is not null)
            {
                var status = MasterStatus(task.Id, agentId, state, Reason.AgentRemoved, "health check timed out");
                status.UnreachableTime = new TimeInfo { Nanoseconds = Now.ToUnixTimeMilliseconds() * 1_000_000 };
                Send(framework, UpdateEvent(status));
            }
        }

        foreach (var framework in _frameworks.Values)
        {
            Send(framework, new Event { Type = Event.Types.Type.Failure, Failure = new Event.Types.Failure { AgentId = agent.Info.Id.Clone() } });
        }

        if (hostDied)
        {
            foreach (var run in agent.Executors.Values)
            {
                run.Exited = true;
                _ = DisposeExecutorAsync(run);
            }
        }

        agent.Held.RemoveAll(_ => hostDied);
        Log($"agent {agentId} is unreachable{(hostDied ? ", its host died" : "")}");
    }

    /// <summary>
    /// The agent re-registers: what its executors said meanwhile is forwarded, tasks still running are RUNNING again
    /// (the scheduler learns it by reconciling, as with Mesos); a host that died comes back without executors or tasks.
    /// </summary>
    public void RestoreAgent(string agentId)
    {
        var agent = Agent(agentId);
        if (agent.State == AgentState.Active)
        {
            return;
        }

        agent.State = AgentState.Active;
        agent.UnreachableSince = null;
        foreach (var run in agent.Executors.Values.Where(r => r.Exited).ToArray())
        {
            // The host died: the agent recovers no executor; their tasks are gone.
            agent.Executors.Remove((run.FrameworkId, run.Id));
            agent.Free = agent.Free.Plus(run.Resources);
            foreach (var taskId in run.Tasks)
            {
                if (_tasks.Remove((run.FrameworkId, taskId), out var task))
                {
                    FreeTask(task);
                }
            }
        }

        foreach (var task in _tasks.Values.Where(t => t.AgentId == agentId && t.BeforeUnreachable is not null))
        {
            task.State = task.BeforeUnreachable!.Value;
            task.BeforeUnreachable = null;
        }

        var held = agent.Held.ToArray();
        agent.Held.Clear();
        foreach (var action in held)
        {
            action();
        }

        Log($"agent {agentId} re-registered");
        AllocateSoon();
    }

    /// <summary>Rescinds one outstanding offer (false if there is no such offer).</summary>
    public bool RescindOffer(string offerId)
    {
        if (!_offers.TryGetValue(offerId, out var offer))
        {
            return false;
        }

        Rescind(offer, sendEvent: true);
        return true;
    }

    /// <summary>
    /// The next <paramref name="count"/> ACCEPT calls find their offers rescinded just before they arrive: the race of
    /// an offer taken back (agent removed, offer timeout, another framework's need) while a scheduler was matching it.
    /// The RESCIND goes out first, then the ACCEPT is handled as one on invalid offers.
    /// </summary>
    public void RescindBeforeAccepts(int count) => _rescindBeforeAccepts += count;

    /// <summary>The ids of the outstanding offers.</summary>
    public IReadOnlyList<string> OfferIds() => [.. _offers.Keys];

    /// <summary>
    /// A new master process takes over (a failover, or a restart): every scheduler connection is dropped, offers are
    /// taken back, the master id changes. Without <paramref name="keepState"/> it forgets the frameworks (a real
    /// master's registry does not hold them: they re-register with their ids); agents, tasks, reservations and volumes
    /// stay, since the agents re-register with them.
    /// </summary>
    public void NewMasterProcess(bool keepState)
    {
        MasterId = NewMasterId();
        foreach (var offer in _offers.Values.ToArray())
        {
            RemoveOffer(offer, filters: null);
        }

        foreach (var framework in _frameworks.Values)
        {
            var stream = framework.Stream;
            framework.Stream = null;
            framework.Generation++;
            stream?.Abort();
            if (!keepState)
            {
                foreach (var update in framework.Unacknowledged)
                {
                    if (!_waitingForFramework.TryGetValue(framework.Id, out var waiting))
                    {
                        _waitingForFramework[framework.Id] = waiting = [];
                    }

                    waiting.Add(update.Status);
                }
            }
        }

        if (!keepState)
        {
            _frameworks.Clear();
            _removedFrameworks.Clear();
        }

        Log($"master {MasterId} took over ({(keepState ? "with" : "without")} the previous master's framework state)");
    }
}
