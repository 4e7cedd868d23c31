using Drover.Executor.Logging;
using Drover.Executor.Registry;
using Drover.Executor.Supervision;
using Drover.Executor.Tasks;
using Drover.Executor.Updates;
using Drover.Posix;
using Drover.Registry;
using Drover.Mesos.V1;
using RestartPolicy = Drover.Executor.Supervision.RestartPolicy;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.Executor.Core;

/// <summary>Launching tasks, watching their processes, restarting them by policy.</summary>
public sealed partial class ExecutorLoop
{
    private bool _launchedAny;

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

        _launchedAny = true;
        LaunchPlan plan;
        Drover.Registry.RegistryOptions? registry;
        try
        {
            if (_shutdown is not null)
            {
                throw new LaunchException("the executor is shutting down");
            }

            plan = LaunchPlanner.Plan(info, PlanContext());
            registry = RegistryOptionsFor(plan, id);
        }
        catch (LaunchException e)
        {
            // A bad task fails alone; the executor stays up for its other work.
            Log.Error($"cannot launch: {e.Message}", id);
            var failed = new ServiceTask(info, InvalidPlan(), group) { Phase = TaskPhase.Terminated };
            _tasks[id] = failed;
            Forward(failed, _statuses.Create(info.TaskId, TaskState.TaskFailed, e.Message, TaskStatus.Types.Reason.TaskInvalid));
            GroupMemberEnded(failed, TaskState.TaskFailed);
            MaybeExit();
            return;
        }

        var task = new ServiceTask(info, plan, group) { RegistryOptions = registry };
        _tasks[id] = task;
        StartMetricsServer(task);
        Log.Info($"launching {(plan.Node is { } node ? $"node '{node.Node}' of cluster '{node.Cluster}'" : "command task")}: {plan.Describe()}", id);
        Forward(task, _statuses.Create(info.TaskId, TaskState.TaskStarting));
        if (PrepareFiles(task) && StartEpmd(task) && StartProcess(task))
        {
            Forward(task, _statuses.Create(info.TaskId, TaskState.TaskRunning));
        }
    }

    /// <summary>Spawns the task's process; on failure the task fails and false is returned.</summary>
    private bool StartProcess(ServiceTask task)
    {
        try
        {
            if (_guard is null)
            {
                _guard = OrphanGuard.Start();
                Schedule(StrayScanInterval, new StrayScanDue());
            }

            var process = ServiceProcess.Start(task.Plan, _pump);
            task.Process = process;
            task.Incarnation++;
            task.Phase = TaskPhase.Running;
            _byPid[process.Pid] = task;
            _guard.Add(process.ProcessGroupId);
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
        if (_guard is { } guard && exit.Pid == guard.WatchdogPid)
        {
            Log.Warning($"orphan watchdog (pid {exit.Pid}) {ExitDescription.Of(exit)}; restarting it");
            _guard = guard.Restart();
            foreach (var task in _byPid.Values)
            {
                _guard.Add(task.Process!.ProcessGroupId);
            }

            return;
        }

        if (_checkProcesses.Remove(exit.Pid, out var check))
        {
            OnCommandCheckExited(check, exit);
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
        _guard?.Remove(process.ProcessGroupId);
        OnServiceExited(owner, exit);
    }

    private void OnServiceExited(ServiceTask task, ChildExit exit)
    {
        var how = "Command " + ExitDescription.Of(exit);
        task.LastExit = how;
        Log.Info($"pid {exit.Pid} {ExitDescription.Of(exit)}", task.Id);

        if (task.Phase == TaskPhase.Killing)
        {
            Terminate(task, TaskState.TaskKilled, how);
            return;
        }

        if (ExitDescription.Succeeded(exit))
        {
            Terminate(task, TaskState.TaskFinished, how);
            return;
        }

        if (_shutdown is null && task.Restarts.TryRecordRestart(task.Plan.Restart, NowMs))
        {
            var backoff = task.Plan.Restart.BackoffFor(task.Restarts.InWindow);
            task.Phase = TaskPhase.BackingOff;
            task.Registration?.Update(NodeState.Restarting, null);
            _metrics.Restarts.WithLabels(task.Id).Inc();
            Log.Warning($"restarting in {Drover.Mesos.MesosDuration.Format(backoff)} (restart {task.Restarts.InWindow} of {task.Plan.Restart.MaxRestarts} within {Drover.Mesos.MesosDuration.Format(task.Plan.Restart.Window)})", task.Id);
            Schedule(backoff, new RestartDue(task.Id, task.Incarnation));
            return;
        }

        var restarts = task.Restarts.Total;
        Terminate(task, TaskState.TaskFailed, restarts > 0 ? $"{how} after {restarts} restart{(restarts == 1 ? "" : "s")}" : how);
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
                $"restarted after: {task.LastExit} (restart {task.Restarts.InWindow} of {task.Plan.Restart.MaxRestarts} within {Drover.Mesos.MesosDuration.Format(task.Plan.Restart.Window)})"));
        }
    }

    /// <summary>Ends a task: its terminal update, then the task-group rule, then perhaps the executor.</summary>
    private void Terminate(ServiceTask task, TaskState state, string message)
    {
        task.Phase = TaskPhase.Terminated;
        task.Kill = null;
        var status = _statuses.Create(task.Info.TaskId, state, message, healthy: task.KilledUnhealthy ? false : null);
        Log.Info($"{StatusFactory.Name(state)}: {message}", task.Id);
        Forward(task, status);
        if (task.Registration is { } registration)
        {
            _registryClosings.Add(registration.Close(NodeRegistration.StateOf(state)));
            task.Registration = null;
        }

        StopEpmd(task);
        DisposeResources(task);
        GroupMemberEnded(task, state);
        MaybeExit();
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

    /// <summary>
    /// A service process that calls setsid leaves its group, so the orphan watchdog would not
    /// kill it if the executor died. Every so often, hand the watchdog each group found among
    /// our descendants; the scan reads /proc only while services run.
    /// </summary>
    private static readonly TimeSpan StrayScanInterval = TimeSpan.FromSeconds(15);

    private void OnStrayScanDue()
    {
        if (_guard is not { } guard || _exitCode is not null)
        {
            return;
        }

        // Forget stray groups that are gone, before their id can be reused by someone else's group.
        foreach (var group in guard.Groups.ToList())
        {
            if (!_byPid.Values.Any(t => t.Process?.ProcessGroupId == group) && !Signals.GroupExists(group))
            {
                guard.Remove(group);
            }
        }

        if (_byPid.Count > 0)
        {
            var known = guard.Groups;
            foreach (var process in ProcessTree.Descendants(System.Environment.ProcessId))
            {
                if (process.Pid != guard.WatchdogPid && process.ProcessGroupId != guard.WatchdogPid && !known.Contains(process.ProcessGroupId))
                {
                    Log.Info($"process {process.Pid} ({process.Command}) runs in a group of its own ({process.ProcessGroupId}); the watchdog now covers it");
                    guard.Add(process.ProcessGroupId);
                    known = guard.Groups;
                }
            }
        }

        Schedule(StrayScanInterval, new StrayScanDue());
    }

    private readonly List<Task> _registryClosings = [];

    /// <summary>A node with NodeSpec.zookeeper registers; one without runs without a registry, and says so.</summary>
    private Drover.Registry.RegistryOptions? RegistryOptionsFor(LaunchPlan plan, string taskId)
    {
        if (plan.Node is not { } node)
        {
            return null;
        }

        if (node.Zookeeper is null)
        {
            Log.Info("NodeSpec.zookeeper is not set: this node runs without a registry (no endpoint record, no ServerSet member)", taskId);
            return null;
        }

        if (node.Cluster.Length == 0 || node.Node.Length == 0)
        {
            throw new LaunchException("a node that registers needs NodeSpec.cluster and NodeSpec.node");
        }

        return NodeRegistration.Options(node.Zookeeper, _frameworkInfo?.Name);
    }

    /// <summary>First start: the node's entry appears; a restart: it is running again.</summary>
    private void Register(ServiceTask task)
    {
        if (task.Registration is { } existing)
        {
            existing.Update(NodeState.Running, null);
            return;
        }

        if (task.RegistryOptions is not { } options || task.Plan.Node is not { } node)
        {
            return;
        }

        var record = new NodeRecord
        {
            Cluster = node.Cluster,
            Node = node.Node,
            Kind = node.Kind.ToString().ToLowerInvariant(),
            Host = _agentInfo?.Hostname is { Length: > 0 } host ? host : System.Net.Dns.GetHostName(),
            Ports = [.. task.Plan.Ports.Select(p => new NamedPort(p.Key, p.Value))],
            TaskId = task.Id,
            AgentId = _statuses.AgentId?.Value,
            ExecutorId = _settings.ExecutorId,
            Version = node.Version.Length > 0 ? node.Version : null,
            State = NodeState.Running,
        };
        try
        {
            task.Registration = NodeRegistration.Start(options, record, node.RequiredPorts.FirstOrDefault());
            Log.Info($"registering node '{node.Node}' of cluster '{node.Cluster}' in ZooKeeper ({options.ConnectString})", task.Id);
        }
        catch (ArgumentException e)
        {
            Log.Error($"cannot register the node: {e.Message}", task.Id);
        }
    }

    private PlanContext PlanContext() => new(
        _settings.Sandbox,
        _settings.Environment,
        _agentInfo?.Hostname,
        System.Environment.UserName,
        JmxHelperJar());

    /// <summary>The JMX helper ships beside the binary; DROVER_JMX_HELPER overrides (tests, odd layouts).</summary>
    private string? JmxHelperJar()
    {
        var path = _settings.Environment.TryGetValue("DROVER_JMX_HELPER", out var configured) && configured.Length > 0
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "drover-jmx-helper.jar");
        return File.Exists(path) ? Path.GetFullPath(path) : null;
    }

    private static LaunchPlan InvalidPlan() => new()
    {
        Executable = "",
        Arguments = [],
        Environment = [],
        WorkingDirectory = "",
        Ports = new Dictionary<string, int>(),
        Restart = RestartPolicy.Never,
        LogDirectory = "",
        Logs = LogRotation.Default,
    };
}
