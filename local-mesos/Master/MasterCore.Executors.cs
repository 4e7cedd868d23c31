using Drover.LocalMesos.Agent;
using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using Google.Protobuf;
using Event = Drover.Mesos.V1.Scheduler.Event;
using Reason = Drover.Mesos.V1.TaskStatus.Types.Reason;
using Source = Drover.Mesos.V1.TaskStatus.Types.Source;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.LocalMesos.Master;

internal sealed partial class MasterCore
{
    private readonly Dictionary<string, List<TaskStatus>> _waitingForFramework = new(StringComparer.Ordinal);

    /// <summary>
    /// LAUNCH (one task) or LAUNCH_GROUP: checked as the master does (task ids, agent, command vs executor, resources
    /// held by the offer, the executor's own resources); valid tasks take their resources out of the offer and go to
    /// the executor (started on first use), invalid ones get TASK_ERROR. A group is valid or fails whole.
    /// </summary>
    private ResourceSet LaunchTasks(FrameworkRecord framework, EmulatedAgent agent, ResourceSet offered, IReadOnlyList<TaskInfo> tasks, ExecutorInfo? executorInfo, bool group)
    {
        var reason = group ? Reason.TaskGroupInvalid : Reason.TaskInvalid;
        var error = tasks.Count == 0 ? "Task group is empty" : null;
        var commandOnly = !group && executorInfo is null;
        if (commandOnly)
        {
            // No Mesos command executor here: the Drover executor stands in for it (it runs a command-only LAUNCH).
            executorInfo = new ExecutorInfo
            {
                Type = ExecutorInfo.Types.Type.Custom,
                ExecutorId = new ExecutorID { Value = tasks[0].TaskId.Value },
                Command = new CommandInfo { Value = "drover-executor" },
                Name = "Command Executor (emulated by the Drover executor)",
            };
        }

        executorInfo = executorInfo!.Clone();
        executorInfo.FrameworkId = new FrameworkID { Value = framework.Id };
        var key = (framework.Id, executorInfo.ExecutorId.Value);
        var existing = agent.Executors.GetValueOrDefault(key);
        var needed = ResourceSet.Empty;
        foreach (var task in tasks)
        {
            error ??= TaskError(framework, agent, task, group, commandOnly);
            if (error is null)
            {
                needed = needed.Plus(ResourceSet.Of(Normalize(framework, task.Resources)));
            }
        }

        if (error is null && existing is null)
        {
            var executorResources = ResourceSet.Of(Normalize(framework, executorInfo.Resources));
            if (group)
            {
                foreach (var name in new[] { MesosResources.Cpus, MesosResources.Mem, MesosResources.Disk })
                {
                    error ??= executorResources.Scalar(name) > 0 ? null : $"Executor '{executorInfo.ExecutorId.Value}' uses no {name}";
                }
            }

            needed = needed.Plus(executorResources);
        }
        else if (error is null && existing is not null && !commandOnly && !SameExecutor(existing.Info, executorInfo))
        {
            error = "ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID";
        }

        if (error is null && !offered.Contains(needed))
        {
            error = $"Total resources {needed} required by task and its executor is more than available {offered}";
        }

        if (error is not null)
        {
            foreach (var task in tasks)
            {
                Send(framework, UpdateEvent(MasterStatus(task.TaskId.Value, agent.Id, TaskState.TaskError, reason, error)));
            }

            Log($"launch on agent {agent.Id} for framework {framework.Id} refused: {error}");
            return offered;
        }

        var run = existing;
        if (run is null)
        {
            run = new ExecutorRun(framework.Id, executorInfo, Unallocated(Normalize(framework, executorInfo.Resources)), "");
            agent.Executors.Add(key, run);
        }

        var delivered = new List<TaskInfo>();
        foreach (var task in tasks)
        {
            var record = new TaskRecord(framework.Id, task.Clone(), run.Id, Unallocated(Normalize(framework, task.Resources)));
            _tasks[(framework.Id, task.TaskId.Value)] = record;
            run.Tasks.Add(record.Id);
            var copy = task.Clone();
            if (group)
            {
                // As the agent hands a task group to a custom executor: every task carries the executor too.
                copy.Executor = executorInfo.Clone();
            }

            delivered.Add(copy);
        }

        Log($"launching {string.Join(", ", tasks.Select(t => t.TaskId.Value))} on agent {agent.Id} in executor {run.Id}");
        var frameworkInfo = framework.Info.Clone();
        run.Enqueue(
            async r =>
            {
                if (r.Emulator is null)
                {
                    await StartExecutorAsync(agent, frameworkInfo, r).ConfigureAwait(false);
                }

                if (VolumeError(agent, r, delivered) is { } volumeError)
                {
                    Loop.Post(() => FailLaunch(agent, r, delivered, volumeError));
                    return;
                }

                if (group)
                {
                    await r.Emulator!.LaunchGroupAsync([.. delivered]).ConfigureAwait(false);
                }
                else
                {
                    await r.Emulator!.LaunchAsync(delivered[0]).ConfigureAwait(false);
                }
            },
            e => Loop.Post(() => FailLaunch(agent, run, delivered, $"Failed to launch container: {e.Message}")));
        return offered.Minus(needed);
    }

    private string? TaskError(FrameworkRecord framework, EmulatedAgent agent, TaskInfo task, bool group, bool commandOnly)
    {
        if (IdError(task.TaskId.Value) is { } idError)
        {
            return $"Task ID is invalid: {idError}";
        }

        if (_tasks.ContainsKey((framework.Id, task.TaskId.Value)))
        {
            return $"Task has duplicate ID: {task.TaskId.Value}";
        }

        if (task.AgentId.Value != agent.Id)
        {
            return $"Task uses invalid agent: {task.AgentId.Value}";
        }

        if (group ? task.Command is null : (task.Executor is null) == (task.Command is null))
        {
            return group ? "'TaskInfo.command' must be set for a task in a task group" : "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present";
        }

        if (!commandOnly && task.Executor is { } own && own.ExecutorId.Value.Length == 0)
        {
            return "ExecutorID must not be empty";
        }

        try
        {
            _ = ResourceSet.Of(task.Resources);
        }
        catch (ResourceException e)
        {
            return $"Task uses invalid resources: {e.Message}";
        }

        return null;
    }

    private static bool SameExecutor(ExecutorInfo running, ExecutorInfo asked)
    {
        var a = running.Clone();
        var b = asked.Clone();
        a.FrameworkId = null;
        b.FrameworkId = null;
        return a.Equals(b);
    }

    /// <summary>Links each persistent volume of the tasks into the sandbox (the agent's volume isolation); the error text is the agent's.</summary>
    private static string? VolumeError(EmulatedAgent agent, ExecutorRun run, IReadOnlyList<TaskInfo> tasks)
    {
        foreach (var task in tasks)
        {
            foreach (var volume in task.Resources.Where(r => r.IsPersistentVolume()))
            {
                var target = agent.VolumePath(volume.ReservationRole(), volume.Disk.Persistence.Id);
                Directory.CreateDirectory(target);
                var link = Path.Combine(run.Sandbox, volume.Disk.Volume?.ContainerPath ?? "data");
                var existing = new FileInfo(link);
                if (existing.LinkTarget is { } pointsTo)
                {
                    if (pointsTo != target)
                    {
                        return $"Failed to launch container: The existing symlink '{link}' points to '{pointsTo}' and the new target is '{target}'";
                    }

                    continue;
                }

                File.CreateSymbolicLink(link, target);
            }
        }

        return null;
    }

    /// <summary>The agent could not start the tasks: TASK_FAILED from the agent (acknowledgeable).</summary>
    private void FailLaunch(EmulatedAgent agent, ExecutorRun run, IReadOnlyList<TaskInfo> tasks, string message)
    {
        foreach (var task in tasks)
        {
            AgentUpdate(agent, run, task.TaskId.Value, TaskState.TaskFailed, Reason.ContainerLaunchFailed, message);
        }
    }

    private async Task StartExecutorAsync(EmulatedAgent agent, FrameworkInfo framework, ExecutorRun run)
    {
        var binary = _options.ExecutorBinary ?? System.Environment.GetEnvironmentVariable("DROVER_EXECUTOR_BINARY");
        if (string.IsNullOrEmpty(binary))
        {
            throw new InvalidOperationException("the local Mesos has no executor binary (--executor or DROVER_EXECUTOR_BINARY)");
        }

        var agentInfo = agent.Info.Clone();
        var emulator = new MesosAgentEmulator(new MesosAgentEmulatorOptions
        {
            FrameworkId = run.FrameworkId,
            ExecutorId = run.Id,
            AgentId = agent.Id,
            Hostname = agent.Hostname,
            Checkpoint = framework.Checkpoint,
            Role = framework.Roles.FirstOrDefault() ?? "*",
            FrameworkCapabilities = framework.Capabilities.Select(c => c.Type).ToArray(),
            ExecutorInfo = run.Info,
            FrameworkInfo = framework,
            AgentInfo = agentInfo,
            RegistrationTimeout = _options.ExecutorRegistrationTimeout,
            WaitTimeout = _options.ExecutorRegistrationTimeout,
        });
        var agentId = agent.Id;
        emulator.UpdateAccepted += update => Loop.Post(() => ExecutorUpdate(agentId, run, update.Status));
        emulator.MessageReceived += data => Loop.Post(() => ExecutorMessage(agentId, run, data));
        await emulator.StartAsync().ConfigureAwait(false);
        run.Emulator = emulator;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in run.Info.Command?.Environment?.Variables ?? [])
        {
            if (variable.Type != Drover.Mesos.V1.Environment.Types.Variable.Types.Type.Secret && variable.HasValue)
            {
                environment[variable.Name] = variable.Value;
            }
        }

        var process = emulator.LaunchExecutor(binary, new ExecutorLaunchOptions
        {
            WorkDirectory = agent.WorkDirectory,
            KeepSandbox = true,
            Checkpoint = framework.Checkpoint,
            ShutdownGracePeriod = _options.ExecutorShutdownGracePeriod,
            Environment = environment,
        });
        run.Process = process;
        run.Sandbox = process.Sandbox;
        process.Exited += exited => Loop.Post(() => ExecutorExited(agentId, run));
        if (process.HasExited)
        {
            Loop.Post(() => ExecutorExited(agentId, run));
        }
    }

    /// <summary>An update the executor sent its agent (already acknowledged by the agent): recorded and forwarded with its uuid.</summary>
    private void ExecutorUpdate(string agentId, ExecutorRun run, TaskStatus status)
    {
        var agent = _agents[agentId];
        if (agent.State != AgentState.Active)
        {
            agent.Held.Add(() => ExecutorUpdate(agentId, run, status));
            return;
        }

        var copy = status.Clone();
        copy.AgentId ??= new AgentID { Value = agentId };
        copy.ContainerStatus ??= ContainerStatusOf(agent, run);
        Forward(agent, run.FrameworkId, copy);
    }

    /// <summary>An update the agent makes itself (executor gone, launch failed): acknowledgeable, SOURCE_AGENT.</summary>
    private void AgentUpdate(EmulatedAgent agent, ExecutorRun run, string taskId, TaskState state, Reason reason, string message)
    {
        var status = new TaskStatus
        {
            TaskId = new TaskID { Value = taskId },
            State = state,
            Source = Source.Agent,
            Reason = reason,
            Message = message,
            AgentId = new AgentID { Value = agent.Id },
            ExecutorId = run.Info.ExecutorId.Clone(),
            Timestamp = Now.ToUnixTimeMilliseconds() / 1000.0,
            Uuid = NewUuid(),
        };
        Forward(agent, run.FrameworkId, status);
    }

    private void Forward(EmulatedAgent agent, string frameworkId, TaskStatus status)
    {
        _options.StatusForwarded?.Invoke(status);
        if (_tasks.TryGetValue((frameworkId, status.TaskId.Value), out var task))
        {
            // Mesos does not let a terminal task come back (a late RUNNING after a FAILED is only forwarded).
            if (!task.IsTerminal)
            {
                task.State = status.State;
            }

            task.Latest = status;
            if (task.IsTerminal)
            {
                FreeTask(task);
            }
        }

        if (Framework(frameworkId) is not { } framework)
        {
            if (!_removedFrameworks.Contains(frameworkId))
            {
                // The master lost the framework (failover without state): the agent retries until it re-registers.
                if (!_waitingForFramework.TryGetValue(frameworkId, out var waiting))
                {
                    _waitingForFramework[frameworkId] = waiting = [];
                }

                waiting.Add(status);
            }
            else if (task is not null && task.IsTerminal)
            {
                _tasks.Remove((frameworkId, task.Id));
            }

            return;
        }

        if (status.HasUuid)
        {
            task?.Pending.Add(status.Uuid);
            framework.Unacknowledged.Add(new V1Update(status));
        }
        else if (task is not null && task.IsTerminal && task.Pending.Count == 0)
        {
            _tasks.Remove((frameworkId, task.Id));
        }

        Send(framework, UpdateEvent(status));
        _ = agent;
    }

    /// <summary>Updates held for a framework the master did not know, handed over when it subscribes.</summary>
    private void DeliverWaiting(FrameworkRecord framework)
    {
        if (_waitingForFramework.Remove(framework.Id, out var waiting))
        {
            foreach (var status in waiting)
            {
                if (status.HasUuid && _tasks.TryGetValue((framework.Id, status.TaskId.Value), out var task))
                {
                    task.Pending.Add(status.Uuid);
                }

                if (status.HasUuid)
                {
                    framework.Unacknowledged.Add(new V1Update(status));
                }

                Send(framework, UpdateEvent(status));
            }
        }
    }

    private void ExecutorMessage(string agentId, ExecutorRun run, ByteString data)
    {
        var agent = _agents[agentId];
        if (agent.State != AgentState.Active)
        {
            agent.Held.Add(() => ExecutorMessage(agentId, run, data));
            return;
        }

        if (Framework(run.FrameworkId) is { } framework)
        {
            Send(framework, new Event
            {
                Type = Event.Types.Type.Message,
                Message = new Event.Types.Message { AgentId = agent.Info.Id.Clone(), ExecutorId = run.Info.ExecutorId.Clone(), Data = data },
            });
        }
    }

    /// <summary>
    /// The executor process is gone: its tasks that were not terminal fail (from the agent), its resources are free,
    /// and the framework gets FAILURE with the executor's wait status.
    /// </summary>
    private void ExecutorExited(string agentId, ExecutorRun run)
    {
        if (run.Exited)
        {
            return;
        }

        var agent = _agents[agentId];
        if (agent.State != AgentState.Active)
        {
            agent.Held.Add(() => ExecutorExited(agentId, run));
            return;
        }

        run.Exited = true;
        agent.Executors.Remove((run.FrameworkId, run.Id));
        agent.Free = agent.Free.Plus(run.Resources);
        var exitCode = run.Process?.ExitCode ?? 0;
        var message = run.Process?.KilledForRegistrationTimeout == true
            ? $"Executor did not register within {Mesos.MesosDuration.Format(_options.ExecutorRegistrationTimeout)}"
            : "Executor terminated";
        var reason = run.Process?.KilledForRegistrationTimeout == true ? Reason.ExecutorRegistrationTimeout : Reason.ExecutorTerminated;
        foreach (var taskId in run.Tasks)
        {
            if (_tasks.TryGetValue((run.FrameworkId, taskId), out var task) && !task.IsTerminal)
            {
                AgentUpdate(agent, run, taskId, TaskState.TaskFailed, reason, message);
            }
        }

        // The wait status: exit code << 8, or the signal number (ExitCode is 128 + n for a signal).
        var status = exitCode > 128 ? exitCode - 128 : exitCode << 8;
        if (Framework(run.FrameworkId) is { } framework)
        {
            Send(framework, new Event
            {
                Type = Event.Types.Type.Failure,
                Failure = new Event.Types.Failure { AgentId = agent.Info.Id.Clone(), ExecutorId = run.Info.ExecutorId.Clone(), Status = status },
            });
        }

        Log($"executor {run.Id} of framework {run.FrameworkId} on agent {agent.Id} exited with code {exitCode}");
        _ = DisposeExecutorAsync(run);
        AllocateSoon();
    }

    /// <summary>SHUTDOWN to the executor; the agent kills it if it is still alive after the shutdown grace period.</summary>
    private void ShutdownExecutor(EmulatedAgent agent, ExecutorRun run)
    {
        var grace = _options.ExecutorShutdownGracePeriod + TimeSpan.FromSeconds(1);
        run.Enqueue(
            async r =>
            {
                if (r.Emulator is null || r.Process is null)
                {
                    return;
                }

                await r.Emulator.ShutdownAsync().ConfigureAwait(false);
                try
                {
                    await r.Process.WaitForExitAsync(grace).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    r.Process.KillProcessGroup();
                    r.Process.Kill();
                }
            },
            e => Log($"SHUTDOWN of executor {run.Id} on agent {agent.Id}: {e.Message}"));
    }

    private void FreeTask(TaskRecord task)
    {
        if (task.Freed)
        {
            return;
        }

        task.Freed = true;
        if (_agents.TryGetValue(task.AgentId, out var agent))
        {
            agent.Free = agent.Free.Plus(task.Resources);
            AllocateSoon();
        }
    }

    private static ContainerStatus ContainerStatusOf(EmulatedAgent agent, ExecutorRun run)
    {
        var status = new ContainerStatus();
        if (run.Process is { } process)
        {
            status.ExecutorPid = (uint)process.Pid;
        }

        var network = new NetworkInfo();
        network.IpAddresses.Add(new NetworkInfo.Types.IPAddress { IpAddress = System.Net.IPAddress.TryParse(agent.Hostname, out _) ? agent.Hostname : "127.0.0.1" });
        status.NetworkInfos.Add(network);
        return status;
    }

    private static async Task DisposeExecutorAsync(ExecutorRun run)
    {
        if (run.Emulator is { } emulator)
        {
            await emulator.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            run.Process?.Dispose();
        }
    }
}
