using System.Net;
using System.Net.Sockets;
using Drover.Epmd;
using Drover.Logging;
using Drover.Registry;
using Drover.Registry.Epmd;
using Drover.V1;

namespace Drover.Executor.Cepmd;

/// <summary>
/// The cEPMD of one task whose named ports include <c>epmd</c>: listening on that port (every interface:
/// Erlang nodes on other agents dial agent:port) from before the service starts until the task's terminal
/// update, answering for the agent's host name, with its registrations in the cluster's ZooKeeper
/// <c>epmd/</c> when the NodeSpec names a ZooKeeper, else in memory. The service gets
/// <c>ERL_EPMD_PORT</c> (LaunchPlanner). The loop starts it before the service and goes on with the launch
/// when it listens; the ZooKeeper session connects in the background.
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

    /// <summary>What <see cref="StartAsync"/> came to.</summary>
    public abstract record StartResult;

    /// <summary>Listening; the task owns <paramref name="Epmd"/> until its terminal update.</summary>
    public sealed record Started(TaskEpmd Epmd) : StartResult;

    /// <summary>The port could not be bound (or the options are bad): the reason for TASK_FAILED.</summary>
    public sealed record Failed(string Reason) : StartResult;

    /// <summary>
    /// Starts the cEPMD of task <paramref name="taskId"/> on <paramref name="port"/>, with its registrations in
    /// the cluster's ZooKeeper when <paramref name="registry"/> is set. Nothing is changed on the caller's side:
    /// the result says what to keep.
    /// </summary>
    public static async Task<StartResult> StartAsync(string taskId, int port, RegistryOptions? registry, NodeSpec? node, string? agentHostname, EpmdMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        ArgumentNullException.ThrowIfNull(metrics);
        var host = agentHostname is { Length: > 0 } known ? known : Dns.GetHostName();
        ZooKeeperEpmdRegistry? store = null;
        try
        {
            store = OpenStore(taskId, registry, node);
            var server = new EpmdServer(new EpmdServerOptions { Host = host }, store ?? (IEpmdRegistry)new InMemoryEpmdRegistry());
            await server.StartAsync(new IPEndPoint(IPAddress.Any, port)).ConfigureAwait(false);
            metrics.Add(taskId, server, store);
            Log.Info($"cEPMD listening on port {port} for host {host}; ERL_EPMD_PORT={port}; registrations {(store is null ? "in memory" : $"in ZooKeeper {store.Path}")}", taskId);
            return new Started(new TaskEpmd(taskId, server, store, metrics));
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            if (store is not null)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }

            return new Failed($"cannot start the cEPMD on port {port}: {e.Message}");
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

    private static ZooKeeperEpmdRegistry? OpenStore(string taskId, RegistryOptions? options, NodeSpec? node)
    {
        if (options is null || node is null)
        {
            Log.Info("NodeSpec.zookeeper is not set: cEPMD lookups are local only (nodes that registered with this task's cEPMD)", taskId);
            return null;
        }

        var store = new ZooKeeperEpmdRegistry(options, node.Cluster);
        store.Changed += (_, e) => Log.Info(e.ToString(), taskId);
        store.Session.Changed += (_, e) => Log.Info($"cEPMD: {e}", taskId);
        return store;
    }
}
