using System.Net;
using Drover.Executor.Cepmd;
using Drover.Logging;
using Drover.Executor.Registration;
using Drover.Executor.Tasks;
using Drover.Mesos.V1;
using Drover.Metrics.Http;
using Drover.Registry;

namespace Drover.Executor.Core;

/// <summary>
/// What lives beside a task's process: its rendered files, its cEPMD, its registry entry, the /metrics
/// endpoint, the helpers it owns, and the watch for descendants that leave its session.
/// </summary>
public sealed partial class ExecutorLoop
{
    /// <summary>How often services' descendants are checked for sessions of their own.</summary>
    private static readonly TimeSpan StrayScanInterval = TimeSpan.FromSeconds(15);

    private PlanContext PlanContext() => new(
        _settings.Sandbox,
        _settings.Environment,
        _agentInfo?.Hostname,
        System.Environment.UserName,
        JmxHelperJar(),
        _guard);

    /// <summary>The JMX helper ships beside the binary; DROVER_JMX_HELPER overrides (tests, odd layouts).</summary>
    private string? JmxHelperJar()
    {
        var path = _settings.Environment.TryGetValue("DROVER_JMX_HELPER", out var configured) && configured.Length > 0
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "drover-jmx-helper.jar");
        return File.Exists(path) ? Path.GetFullPath(path) : null;
    }

    /// <summary>Writes the personality's files and directories; false (and the task failed) when the sandbox refuses.</summary>
    private bool PrepareFiles(ServiceTask task)
    {
        var plan = task.Plan;
        try
        {
            foreach (var directory in plan.Directories)
            {
                Directory.CreateDirectory(directory);
            }

            foreach (var file in plan.Files)
            {
                var path = SandboxPath.Resolve(plan.ConfigDirectory!, file.RelativePath)
                    ?? throw new IOException($"rendered file '{file.RelativePath}' would leave {plan.ConfigDirectory}");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, file.Content);
                if (OperatingSystem.IsLinux())
                {
                    File.SetUnixFileMode(path, file.Mode); // scripts the service runs need their x bit
                }
            }

            if (plan.Files.Count > 0)
            {
                Log.Info($"rendered {plan.Files.Count} file(s) into {plan.ConfigDirectory}: {string.Join(", ", plan.Files.Select(f => f.RelativePath))}", task.Id);
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var message = $"cannot write the service's configuration: {e.Message}";
            Log.Error(message, task.Id);
            Terminate(task, TaskState.TaskFailed, message);
            return false;
        }
    }

    /// <summary>
    /// Starts the task's cEPMD when it has a port named `epmd`; the launch goes on when it listens
    /// (<see cref="OnEpmdStarted"/>). False when there is none to start.
    /// </summary>
    private bool StartEpmd(ServiceTask task)
    {
        if (!task.Plan.Ports.TryGetValue(TaskEpmd.PortName, out var port))
        {
            return false;
        }

        var id = task.Id;
        TaskEpmd.StartAsync(id, port, task.RegistryOptions, task.Plan.Node, _agentInfo?.Hostname, _metrics.Epmd).ContinueWith(
            started => Post(new EpmdStarted(id, started.IsCompletedSuccessfully ? started.Result : new TaskEpmd.Failed($"cannot start the cEPMD on port {port}: {started.Exception?.GetBaseException().Message}"))),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return true;
    }

    private void OnEpmdStarted(EpmdStarted started)
    {
        if (!_tasks.TryGetValue(started.TaskId, out var task) || task.Phase != TaskPhase.Starting)
        {
            // Killed (or the executor stopped) meanwhile: the late listener goes at once.
            if (started.Result is TaskEpmd.Started late)
            {
                _closings.Add(late.Epmd.StopAsync());
            }

            return;
        }

        switch (started.Result)
        {
            case TaskEpmd.Started listening:
                task.Epmd = listening.Epmd;
                StartFirstProcess(task);
                break;
            case TaskEpmd.Failed failed:
                Terminate(task, TaskState.TaskFailed, failed.Reason);
                break;
        }
    }

    /// <summary>Closes the listener and unregisters its nodes; the executor waits for it (boundedly) before exiting.</summary>
    private void StopEpmd(ServiceTask task)
    {
        if (task.Epmd is { } epmd)
        {
            _closings.Add(epmd.StopAsync());
            task.Epmd = null;
        }
    }

    /// <summary>A node with NodeSpec.zookeeper registers; one without runs without a registry, and says so.</summary>
    private RegistryOptions? RegistryOptionsFor(LaunchPlan plan, string taskId)
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

        return RegistryEntry.Options(node.Zookeeper, _frameworkInfo?.Name);
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
            Host = _agentInfo?.Hostname is { Length: > 0 } host ? host : Dns.GetHostName(),
            Ports = [.. task.Plan.Ports.Select(p => new NamedPort(p.Key, p.Value))],
            TaskId = task.Id,
            AgentId = _statuses.AgentId?.Value,
            ExecutorId = _settings.ExecutorId,
            Version = node.Version.Length > 0 ? node.Version : null,
            State = NodeState.Running,
        };
        try
        {
            task.Registration = RegistryEntry.Start(options, record, node.RequiredPorts.FirstOrDefault());
            Log.Info($"registering node '{node.Node}' of cluster '{node.Cluster}' in ZooKeeper ({options.ConnectString})", task.Id);
        }
        catch (ArgumentException e)
        {
            Log.Error($"cannot register the node: {e.Message}", task.Id);
        }
    }

    /// <summary>
    /// Serves /metrics on the first task port named `metrics` (TaskInfo.discovery), on every interface:
    /// Prometheus scrapes it from elsewhere, like the service's own ports.
    /// </summary>
    private void StartMetricsServer(ServiceTask task)
    {
        if (_metricsServer is not null || !task.Plan.Ports.TryGetValue("metrics", out var port))
        {
            return;
        }

        try
        {
            _metricsServer = MetricsServer.Start(_metrics.Registry, IPAddress.Any, port);
            Log.Info($"serving Prometheus metrics on port {port} at /metrics", task.Id);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
        {
            Log.Error($"cannot serve metrics on port {port}: {e.Message}", task.Id);
        }
    }

    /// <summary>The task's helpers go after its terminal update; exit waits for them (boundedly).</summary>
    private void DisposeResources(ServiceTask task)
    {
        foreach (var resource in task.Plan.Resources)
        {
            _closings.Add(DisposeQuietlyAsync(resource, task.Id));
        }
    }

    private static async Task DisposeQuietlyAsync(IAsyncDisposable resource, string taskId)
    {
        try
        {
            await resource.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.Warning($"closing {resource.GetType().Name} failed: {e.Message}", taskId);
        }
    }

    /// <summary>
    /// A service process that calls setsid leaves its group, so the orphan watchdog would not kill it if the
    /// executor died. Every so often, hand the watchdog each group found among our descendants; the scan
    /// reads /proc only while services run.
    /// </summary>
    private void OnStrayScanDue()
    {
        if (_phase is ExecutorPhase.Exited)
        {
            return;
        }

        // Forget stray groups that are gone, before their id can be reused by someone else's group.
        foreach (var group in _guard.Groups.ToList())
        {
            if (!_byPid.Values.Any(t => t.Process?.ProcessGroupId == group) && !_processes.GroupExists(group))
            {
                _guard.Remove(group);
            }
        }

        if (_byPid.Count == 0)
        {
            return;
        }

        var known = _guard.Groups;
        var watchdog = _guard.WatchdogPid;
        foreach (var process in _processes.Descendants())
        {
            if (process.Pid != watchdog && process.ProcessGroupId != watchdog && !known.Contains(process.ProcessGroupId))
            {
                Log.Info($"process {process.Pid} ({process.Command}) runs in a group of its own ({process.ProcessGroupId}); the watchdog now covers it");
                _guard.Add(process.ProcessGroupId);
                known = _guard.Groups;
            }
        }
    }
}
