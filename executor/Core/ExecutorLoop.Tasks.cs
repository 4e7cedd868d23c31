using Drover.Logging;
using Drover.Executor.Registration;
using Drover.Executor.Supervision;
using Drover.Executor.Tasks;
using Drover.Executor.Updates;
using Drover.Mesos;
using Drover.Mesos.V1;
using Drover.Posix;
using Drover.Registry;

namespace Drover.Executor.Core;

/// <summary>A task's life (<see cref="TaskPhase"/>): launch, its process, restarts by policy, its terminal update.</summary>
public sealed partial class ExecutorLoop
{
    /// <summary>
    /// How long a terminal update waits for the service's output to reach its files after the process exited.
    /// A process outside the service's session can hold the pipe open for ever; the update goes anyway.
    /// </summary>
    public static readonly TimeSpan OutputDrainLimit = TimeSpan.FromSeconds(2);

    private void OnLaunch(TaskInfo task) => Launch(task, group: null);

    private void OnLaunchGroup(TaskGroupInfo group)
    {
        var ids = group.Tasks.Select(t => t.TaskId.Value).ToList();
        Log.Info($"launching task group [{string.Join(", ", ids)}]");
        var taskGroup = new TaskGroup(ids);
        foreach (var task in group.Tasks)
        {
            Launch(task, taskGroup);
        }
    }

    private void Launch(TaskInfo info, TaskGroup? group)
    {
        var id = info.TaskId?.Value;
        if (info.TaskId is null || string.IsNullOrEmpty(id))
        {
            Log.Error("ignoring a task without a task_id");
            return;
        }

        if (_tasks.ContainsKey(id))
        {
            // Answering would overwrite the live task's state at the scheduler.
            Log.Error($"ignoring a second launch of task id '{id}' while it is known here", id);
            return;
        }

        LaunchPlan plan;
        RegistryOptions? registry;
        try
        {
            if (_phase.RefusesLaunches)
            {
                throw new LaunchException("the executor is shutting down");
            }

            AcceptWork();
            plan = _plan(info, PlanContext());
            registry = RegistryOptionsFor(plan, id);
        }
        catch (LaunchException e)
        {
            // A bad task fails alone; the executor stays up for its other work.
            Log.Error($"cannot launch: {e.Message}", id);
            var failed = new ServiceTask(info, LaunchPlan.Invalid, group) { Phase = TaskPhase.Terminated };
            _tasks[id] = failed;
            Forward(failed, _statuses.Create(info.TaskId, TaskState.TaskFailed, e.Message, TaskStatus.Types.Reason.TaskInvalid));
            GroupMemberEnded(failed, TaskState.TaskFailed);
            return;
        }

        var task = new ServiceTask(info, plan, group) { RegistryOptions = registry };
        _tasks[id] = task;
        StartMetricsServer(task);
        Log.Info($"launching {(plan.Node is { } node ? $"node '{node.Node}' of cluster '{node.Cluster}'" : "command task")}: {plan.Describe()}", id);
        Forward(task, _statuses.Create(info.TaskId, TaskState.TaskStarting));
        if (!PrepareFiles(task))
        {
            return;
        }

        if (!StartEpmd(task))
        {
            StartFirstProcess(task);
        }
    }

    /// <summary>The last step of a launch (after the cEPMD, if any, listens): the process, then TASK_RUNNING.</summary>
    private void StartFirstProcess(ServiceTask task)
    {
        if (StartProcess(task))
        {
            Forward(task, _statuses.Create(task.Info.TaskId, TaskState.TaskRunning));
        }
    }

    /// <summary>Spawns the task's process; on failure the task fails and false is returned.</summary>
    private bool StartProcess(ServiceTask task)
    {
        try
        {
            var process = _processes.Start(task.Plan);
            task.Process = process;
            task.Incarnation++;
            task.Phase = TaskPhase.Running;
            _byPid[process.Pid] = task;
            _guard.Add(process.ProcessGroupId);
            _strayScan ??= _time.CreateTimer(static loop => ((ExecutorLoop)loop!).Post(new StrayScanDue()), this, StrayScanInterval, StrayScanInterval);
            Log.Info($"started pid {process.Pid}", task.Id);
            StartHealthChecks(task);
            Register(task);
            return true;
        }
        catch (LaunchException e)
        {
            Log.Error(e.Message, task.Id);
            Terminate(task, TaskState.TaskFailed, e.Message);
            return false;
        }
    }

    private void OnChildExited(ChildExit exit)
    {
        if (exit.Pid == _guard.WatchdogPid)
        {
            Log.Warning($"orphan watchdog (pid {exit.Pid}) {ExitDescription.Of(exit)}; restarting it");
            _guard.Restart();
            return;
        }

        if (!_byPid.Remove(exit.Pid, out var owner))
        {
            // A descendant re-parented to us (we are a child subreaper): reaped, nothing to report.
            Log.Debug($"reaped descendant pid {exit.Pid} ({ExitDescription.Of(exit)})");
            return;
        }

        var process = owner.Process!;
        owner.Process = null;
        // Whatever the service left in its session dies with it: a restart must find its ports free.
        process.KillSession();
        _guard.Remove(process.ProcessGroupId);
        OnServiceExited(owner, process, exit);
    }

    private void OnServiceExited(ServiceTask task, IServiceProcess process, ChildExit exit)
    {
        var how = "Command " + ExitDescription.Of(exit);
        task.LastExit = how;
        Log.Info($"pid {exit.Pid} {ExitDescription.Of(exit)}", task.Id);

        if (task.Phase == TaskPhase.Killing)
        {
            EndAfterOutput(task, process, TaskState.TaskKilled, how);
            return;
        }

        if (ExitDescription.Succeeded(exit))
        {
            EndAfterOutput(task, process, TaskState.TaskFinished, how);
            return;
        }

        if (_phase is not (ExecutorPhase.ShuttingDown or ExecutorPhase.AgentLost) && task.Restarts.TryRecordRestart(task.Plan.Restart, Now))
        {
            var backoff = task.Plan.Restart.BackoffFor(task.Restarts.InWindow);
            task.Phase = TaskPhase.BackingOff;
            task.Registration?.Update(NodeState.Restarting, null);
            _metrics.Restarts.WithLabels(task.Id).Inc();
            Log.Warning($"restarting in {MesosDuration.Format(backoff)} (restart {task.Restarts.InWindow} of {task.Plan.Restart.MaxRestarts} within {MesosDuration.Format(task.Plan.Restart.Window)})", task.Id);
            Schedule(backoff, new RestartDue(task.Id, task.Incarnation));
            return;
        }

        var restarts = task.Restarts.Total;
        EndAfterOutput(task, process, TaskState.TaskFailed, restarts > 0 ? $"{how} after {restarts} restart{(restarts == 1 ? "" : "s")}" : how);
    }

    /// <summary>
    /// The terminal update of a task whose process exited waits until the service's output is in its files (an
    /// operator reading stdout after TASK_FINISHED expects all of it), at most <see cref="OutputDrainLimit"/>.
    /// </summary>
    private void EndAfterOutput(ServiceTask task, IServiceProcess process, TaskState state, string message)
    {
        if (process.OutputClosed.IsCompleted)
        {
            Terminate(task, state, message);
            return;
        }

        task.Phase = TaskPhase.Ending;
        task.Ending = new PendingEnd(state, message);
        var incarnation = task.Incarnation;
        process.OutputClosed.ContinueWith(
            _ => Post(new OutputDrained(task.Id, incarnation, TimedOut: false)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        Schedule(OutputDrainLimit, new OutputDrained(task.Id, incarnation, TimedOut: true));
    }

    private void OnOutputDrained(OutputDrained drained)
    {
        if (!_tasks.TryGetValue(drained.TaskId, out var task) || task.Phase != TaskPhase.Ending || task.Incarnation != drained.Incarnation || task.Ending is not { } end)
        {
            return;
        }

        if (drained.TimedOut)
        {
            Log.Warning($"the service's output is still open {MesosDuration.Format(OutputDrainLimit)} after it exited (a process outside its session holds the pipe); reporting anyway", task.Id);
        }

        Terminate(task, end.State, end.Message);
    }

    private void OnRestartDue(RestartDue due)
    {
        if (!_tasks.TryGetValue(due.TaskId, out var task) || task.Phase != TaskPhase.BackingOff || task.Incarnation != due.Incarnation)
        {
            return;
        }

        if (StartProcess(task))
        {
            Forward(task, _statuses.Create(task.Info.TaskId, TaskState.TaskRunning,
                $"restarted after: {task.LastExit} (restart {task.Restarts.InWindow} of {task.Plan.Restart.MaxRestarts} within {MesosDuration.Format(task.Plan.Restart.Window)})"));
        }
    }

    /// <summary>Ends a task: its terminal update, its registry entry and helpers closed, then the task-group rule.</summary>
    private void Terminate(ServiceTask task, TaskState state, string message)
    {
        task.Phase = TaskPhase.Terminated;
        task.Kill = null;
        task.Ending = null;
        var status = _statuses.Create(task.Info.TaskId, state, message, healthy: task.KilledUnhealthy ? false : null);
        Log.Info($"{StatusFactory.Name(state)}: {message}", task.Id);
        Forward(task, status);
        if (task.Registration is { } registration)
        {
            _closings.Add(registration.Close(RegistryEntry.StateOf(state)));
            task.Registration = null;
        }

        StopEpmd(task);
        DisposeResources(task);
        GroupMemberEnded(task, state);
    }

    /// <summary>Mesos' default executor: a task of a group that failed or was killed takes the rest of the group with it.</summary>
    private void GroupMemberEnded(ServiceTask task, TaskState state)
    {
        if (task.Group is not { Killing: false } group || state is not (TaskState.TaskFailed or TaskState.TaskKilled))
        {
            return;
        }

        group.Killing = true;
        foreach (var id in group.TaskIds)
        {
            if (id != task.Id && _tasks.TryGetValue(id, out var other) && other.IsActive && other.Phase != TaskPhase.Killing)
            {
                Kill(other, policy: null, $"task '{task.Id}' of its group ended {state}");
            }
        }
    }
}
