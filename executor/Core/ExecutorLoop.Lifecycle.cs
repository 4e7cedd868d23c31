using System.Collections.Immutable;
using Drover.Logging;
using Drover.Executor.Metrics;
using Drover.Executor.Tasks;
using Drover.Mesos;
using Drover.Registry;

namespace Drover.Executor.Core;

/// <summary>
/// The executor's life (<see cref="ExecutorPhase"/>): every transition of the phase is here. Work arrives
/// (<see cref="AcceptWork"/>), the executor is told to stop (<see cref="Shutdown"/>) or loses its agent
/// (<see cref="StopAfterAgentLoss"/>), and after every event <see cref="Settle"/> applies the exit rule.
/// </summary>
public sealed partial class ExecutorLoop
{
    /// <summary>A launch arrived: the executor serves (again), unless it is stopping, which the caller checked.</summary>
    private void AcceptWork()
    {
        if (_phase is ExecutorPhase.AwaitingWork or ExecutorPhase.Draining)
        {
            _phase = new ExecutorPhase.Serving();
        }
    }

    /// <summary>SHUTDOWN, or SIGTERM/SIGINT to the executor: kill every task, report, exit.</summary>
    private void Shutdown(string why)
    {
        if (_phase is ExecutorPhase.ShuttingDown or ExecutorPhase.AgentLost or ExecutorPhase.Exited)
        {
            Log.Info($"already stopping ({_phase}); ignoring: {why}");
            return;
        }

        Log.Info($"shutting down: {why}");
        _phase = new ExecutorPhase.ShuttingDown(why);
        KillAll(why);
    }

    /// <summary>The agent is gone for good: stop the services (their updates cannot be delivered) and exit 1.</summary>
    private void StopAfterAgentLoss(string why)
    {
        Log.Warning($"stopping all services: {why}");
        _link = new AgentLink.Abandoned();
        if (_phase is not ExecutorPhase.Exited)
        {
            _phase = new ExecutorPhase.AgentLost(why);
        }

        KillAll(why);
    }

    private void KillAll(string why)
    {
        foreach (var task in _tasks.Values.ToList())
        {
            if (task.IsActive)
            {
                Kill(task, policy: null, why);
            }
        }
    }

    /// <summary>The exit rule after every event; a drain that begins gets its deadline timer.</summary>
    private void Settle()
    {
        var before = _phase;
        _phase = _phase.Settle(_tasks.Values.Any(t => t.IsActive), _ledger.Count, Now, _settings.TerminalAckTimeout);
        if (_phase.DrainsUntil is { } deadline && deadline != before.DrainsUntil)
        {
            Schedule(deadline - Now, new TerminalAckDeadline(deadline));
        }

        if (_phase is ExecutorPhase.Exited exited && before is not ExecutorPhase.Exited)
        {
            Log.Info($"exiting with status {exited.Code}: {exited.Why}");
            _strayScan?.Dispose();
            _agent.Disconnect();
        }
    }

    private void OnTerminalAckDeadline(TerminalAckDeadline deadline)
    {
        if (_phase.DrainsUntil == deadline.Deadline && _ledger.Count > 0)
        {
            _phase = new ExecutorPhase.Exited(0, $"{_ledger.Count} update(s) still unacknowledged after {MesosDuration.Format(_settings.TerminalAckTimeout)}; exiting anyway");
        }
    }

    /// <summary>
    /// Last act before exit: nothing the services started may outlive the executor; every remaining
    /// descendant gets SIGKILL (the orphan watchdog excepted: it exits by itself when our pipe closes).
    /// </summary>
    private void SweepDescendants()
    {
        var killed = _processes.KillDescendants(_guard.WatchdogPid is var pid and > 0 ? [pid] : []);
        if (killed > 0)
        {
            Log.Warning($"killed {killed} leftover process(es) before exiting");
        }
    }

    /// <summary>Registry entries go with their terminal updates; wait (boundedly) for ZooKeeper to hear of it.</summary>
    private async Task AwaitClosingsAsync()
    {
        foreach (var task in _tasks.Values)
        {
            if (task.Registration is { } registration)
            {
                _closings.Add(registration.Close(NodeState.Lost));
            }
        }

        try
        {
            await Task.WhenAll(_closings).WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.Warning("ZooKeeper did not confirm every deregistration; the sessions' end removes the ephemeral entries");
        }
    }

    /// <summary>Task gauges and the services the scrape reads: cheap, so refreshed after every event.</summary>
    private void RefreshMetrics()
    {
        var phases = new int[Enum.GetValues<TaskPhase>().Length];
        var services = ImmutableArray.CreateBuilder<ExecutorMetrics.ServiceView>();
        foreach (var task in _tasks.Values)
        {
            phases[(int)task.Phase]++;
            if (task.Process is { } process)
            {
                services.Add(new ExecutorMetrics.ServiceView(task.Id, process.ProcessGroupId, process.StartedUnixMs, task.Registration));
            }
        }

        foreach (var phase in Enum.GetValues<TaskPhase>())
        {
            _metrics.Tasks.WithLabels(phase.ToString().ToLowerInvariant()).Set(phases[(int)phase]);
        }

        _metrics.AgentConnected.Set(_link is AgentLink.Subscribed ? 1 : 0);
        _metrics.UpdatesPending.Set(_ledger.Count);
        _metrics.PublishServices(services.ToImmutable());
    }
}
