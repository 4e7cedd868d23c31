using System.Net;
using System.Net.Sockets;
using Drover.Epmd;
using Drover.Executor.Logging;
using Drover.Executor.Tasks;
using Drover.Registry;
using Drover.Registry.Epmd;

namespace Drover.Executor.Cepmd;

/// <summary>
/// The cEPMD of one task whose named ports include <c>epmd</c>: listening on that port (every interface:
/// Erlang nodes on other agents dial agent:port) from before the service starts until the task's terminal
/// update, answering for the agent's host name, with its registrations in the cluster's ZooKeeper
/// <c>epmd/</c> when the NodeSpec names a ZooKeeper, else in memory. The service gets
/// <c>ERL_EPMD_PORT</c> (LaunchPlanner). Binding happens on the executor loop and is quick; the ZooKeeper
/// session connects in the background.
/// </summary>
public sealed class TaskEpmd
{
    /// <summary>The named port (TaskInfo.discovery) a cEPMD listens on.</summary>
    public const string PortName = "epmd";

    private readonly string _taskId;
    private readonly EpmdMetrics _metrics;
    private Task? _stopping;

    private TaskEpmd(string taskId, EpmdServer server, ZooKeeperEpmdRegistry? store, EpmdMetrics metrics)
    {
        _taskId = taskId;
        Server = server;
        Store = store;
        _metrics = metrics;
    }

    public EpmdServer Server { get; }

    /// <summary>The ZooKeeper store, or null when lookups are local only.</summary>
    public ZooKeeperEpmdRegistry? Store { get; }

    /// <summary>
    /// Starts the task's cEPMD if it has a port named <c>epmd</c> (setting <see cref="ServiceTask.Epmd"/>).
    /// False, with the reason for TASK_FAILED, when it cannot listen.
    /// </summary>
    public static bool TryStart(ServiceTask task, string? agentHostname, EpmdMetrics metrics, out string? error)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(metrics);
        error = null;
        if (!task.Plan.Ports.TryGetValue(PortName, out var port))
        {
            return true;
        }
        var host = agentHostname is { Length: > 0 } known ? known : Dns.GetHostName();
        ZooKeeperEpmdRegistry? store = null;
        try
        {
            store = OpenStore(task);
            var server = new EpmdServer(new EpmdServerOptions { Host = host }, store ?? (IEpmdRegistry)new InMemoryEpmdRegistry());
            // StartAsync binds and listens synchronously; the serving thread and the ZooKeeper session run by themselves.
            server.StartAsync(new IPEndPoint(IPAddress.Any, port)).GetAwaiter().GetResult();
            task.Epmd = new TaskEpmd(task.Id, server, store, metrics);
            metrics.Add(task.Id, server, store);
            Log.Info($"cEPMD listening on port {port} for host {host}; ERL_EPMD_PORT={port}; registrations {(store is null ? "in memory" : $"in ZooKeeper {store.Path}")}", task.Id);
            return true;
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            if (store is not null)
            {
                _ = store.DisposeAsync().AsTask();
            }
            error = $"cannot start the cEPMD on port {port}: {e.Message}";
            return false;
        }
    }

    /// <summary>Closes the listener and every registration (each unregistered), then the ZooKeeper session. Once.</summary>
    public Task StopAsync() => _stopping ??= StopOnceAsync();

    private async Task StopOnceAsync()
    {
        _metrics.Remove(_taskId);
        try
        {
            await Server.StopAsync().ConfigureAwait(false);
            if (Store is not null)
            {
                await Store.DisposeAsync().ConfigureAwait(false);
            }
            Log.Info("cEPMD stopped; its registrations are gone", _taskId);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.Warning($"cEPMD did not stop cleanly: {e.Message}", _taskId);
        }
    }

    private static ZooKeeperEpmdRegistry? OpenStore(ServiceTask task)
    {
        if (task.RegistryOptions is not RegistryOptions options || task.Plan.Node is not { } node)
        {
            Log.Info("NodeSpec.zookeeper is not set: cEPMD lookups are local only (nodes that registered with this task's cEPMD)", task.Id);
            return null;
        }
        var store = new ZooKeeperEpmdRegistry(options, node.Cluster);
        store.Changed += (_, e) => Log.Info(e.ToString(), task.Id);
        store.Session.Changed += (_, e) => Log.Info($"cEPMD: {e}", task.Id);
        return store;
    }
}
