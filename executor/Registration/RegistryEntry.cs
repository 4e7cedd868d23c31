using Drover.Logging;
using Drover.Executor.Tasks;
using Drover.Registry;
using Drover.V1;

namespace Drover.Executor.Registration;

/// <summary>
/// One task's entry in the ZooKeeper registry (an endpoint record and a ServerSet member, lib/Drover.Registry): registered
/// when its service starts, kept current with its phase and health, removed with its terminal
/// update. The registry keeps the desired state and writes it in the background (retrying, and
/// writing it again after a session expiry), so nothing here blocks the executor loop; failures
/// are logged, never secrets.
/// </summary>
public sealed class RegistryEntry
{
    private readonly NodeRegistry _registry;
    private readonly string _taskId;
    private Task _closing = Task.CompletedTask;

    private RegistryEntry(NodeRegistry registry, string taskId)
    {
        _registry = registry;
        _taskId = taskId;
        _registry.Changed += (_, e) => Log.Info($"registry: {e}", _taskId);
    }

    public NodeRegistryStatistics Statistics => _registry.Statistics;

    /// <summary>Whether the registry's ZooKeeper session is connected right now.</summary>
    public bool Connected => _registry.Session.Current?.State is Drover.ZooKeeper.ZooKeeperState.Connected;

    /// <summary>Options from the NodeSpec; a malformed spec fails the task at launch, naming the problem.</summary>
    public static RegistryOptions Options(ZooKeeperSpec spec, string? frameworkName)
    {
        try
        {
            var framework = spec.Framework.Length > 0 ? spec.Framework : frameworkName;
            return new RegistryOptions
            {
                ConnectString = spec.Connect,
                Root = spec.Root.Length > 0 ? spec.Root : "/drover",
                Framework = string.IsNullOrEmpty(framework) ? throw new LaunchException("NodeSpec.zookeeper.framework is empty and the framework has no name") : framework,
                SessionTimeout = spec.SessionTimeout is { } t ? t.ToTimeSpan() : RegistryOptions.DefaultSessionTimeout,
                Credentials = spec.Digest.Length > 0 ? DigestCredentials.Parse(spec.Digest) : null,
            };
        }
        catch (ArgumentException e)
        {
            // The message names the setting; it never carries the digest (DigestCredentials hides it).
            throw new LaunchException($"NodeSpec.zookeeper is invalid: {e.Message}");
        }
    }

    public static RegistryEntry Start(RegistryOptions options, NodeRecord record, string? primaryPort)
    {
        var registration = new RegistryEntry(new NodeRegistry(options), record.TaskId ?? record.Node);
        registration.Watch(registration._registry.RegisterAsync(record, primaryPort), "register");
        return registration;
    }

    public void Update(NodeState state, bool? healthy)
    {
        try
        {
            Watch(_registry.UpdateAsync(state, healthy), $"update to {state}");
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            Log.Warning($"registry: cannot update to {state}: {e.Message}", _taskId);
        }
    }

    /// <summary>The terminal state, then the entry removed and the session closed; awaitable before exit.</summary>
    public Task Close(NodeState terminal)
    {
        Update(terminal, null);
        _closing = CloseAsync();
        return _closing;
    }

    public Task Closing => _closing;

    private async Task CloseAsync()
    {
        try
        {
            await _registry.DeregisterAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            Log.Info("registry: deregistered", _taskId);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or Drover.ZooKeeper.KeeperException)
        {
            Log.Warning($"registry: deregistration did not complete ({e.Message}); closing the session removes the ephemeral entries", _taskId);
        }
        finally
        {
            await _registry.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Watch(Task write, string what) =>
        write.ContinueWith(
            t => Log.Warning($"registry: {what} failed: {t.Exception?.GetBaseException().Message}", _taskId),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    public static NodeState StateOf(TaskPhase phase) => phase switch
    {
        TaskPhase.Starting => NodeState.Starting,
        TaskPhase.Running => NodeState.Running,
        TaskPhase.BackingOff => NodeState.Restarting,
        TaskPhase.Killing => NodeState.Killing,
        _ => NodeState.Unknown,
    };

    public static NodeState StateOf(Mesos.V1.TaskState terminal) => terminal switch
    {
        Mesos.V1.TaskState.TaskFinished => NodeState.Finished,
        Mesos.V1.TaskState.TaskFailed => NodeState.Failed,
        Mesos.V1.TaskState.TaskKilled => NodeState.Killed,
        Mesos.V1.TaskState.TaskLost => NodeState.Lost,
        _ => NodeState.Error,
    };
}
