using Drover.LocalMesos.Master;
using Drover.Mesos.Scheduler;
using Drover.ZooKeeper;

namespace Drover.LocalMesos;

/// <summary>
/// Drover's local Mesos, in process: an emulated Mesos 1.12 master (the v1 scheduler API as a real master answers
/// it) with N emulated agents whose launches start the real executor through the agent emulator, plus optional
/// standby masters (307 to the leader) and registration in ZooKeeper (json.info_ znodes, the leader lowest).
/// The fault knobs are what tests need: lose an agent and bring it back, fail the master over (to a standby or in
/// place, keeping or losing its framework state), rescind an offer. It emulates Mesos; it is not Mesos.
/// </summary>
public sealed class LocalMesos : IAsyncDisposable
{
    private readonly LocalMesosOptions _options;
    private readonly MasterCore _core;
    private readonly List<MasterServer> _servers = [];
    private readonly string? _ownedWorkDirectory;
    private readonly SemaphoreSlim _faults = new(1, 1);
    private MasterServer? _leader;
    private ZooKeeperClient? _zooKeeper;
    private readonly List<string> _znodes = [];
    private string _zkPath = "";

    private LocalMesos(LocalMesosOptions options, string workDirectory, string? owned)
    {
        _options = options;
        WorkDirectory = workDirectory;
        _ownedWorkDirectory = owned;
        _core = new MasterCore(options, TimeProvider.System, workDirectory);
    }

    /// <summary>What the program prints first, and what the master's page says.</summary>
    public static string Banner => MasterServer.Banner;

    public string WorkDirectory { get; }

    /// <summary>The leading master, or null during a failover.</summary>
    public MasterEndpoint? Leader => _leader?.Endpoint;

    /// <summary>Every master, the first one leading at start.</summary>
    public IReadOnlyList<MasterEndpoint> Masters => _servers.Select(s => s.Endpoint).ToArray();

    /// <summary>All masters as a scheduler's --master list ("h:p,h:p").</summary>
    public MasterAddress MasterAddress => MasterAddress.Of([.. Masters]);

    public IReadOnlyList<string> AgentIds => _core.AgentIds;

    public static async Task<LocalMesos> StartAsync(LocalMesosOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var owned = options.WorkDirectory is null ? Directory.CreateTempSubdirectory("drover-local-mesos-").FullName : null;
        var work = Path.GetFullPath(options.WorkDirectory ?? owned!);
        Directory.CreateDirectory(work);
        var mesos = new LocalMesos(options, work, owned);
        try
        {
            for (var i = 0; i <= options.Standbys; i++)
            {
                var server = new MasterServer(mesos._core, options, i == 0 ? options.Port : 0, () => mesos._leader);
                mesos._servers.Add(server);
                await server.StartAsync().ConfigureAwait(false);
            }

            await mesos.LeadAsync(mesos._servers[0]).ConfigureAwait(false);
            if (options.ZooKeeper is { } zk)
            {
                await mesos.RegisterInZooKeeperAsync(zk, cancellationToken).ConfigureAwait(false);
            }

            return mesos;
        }
        catch
        {
            await mesos.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The agent's path of a persistent volume (work_dir/volumes/roles/role/id).</summary>
    public Task<string> VolumePathAsync(string agentId, string role, string persistenceId) => _core.VolumePathAsync(agentId, role, persistenceId);

    /// <summary>The master's /master/state JSON.</summary>
    public Task<byte[]> StateJsonAsync() => _core.Loop.InvokeAsync(_core.StateJson);

    /// <summary>One agent's state JSON (reserved resources with labels, executors, tasks).</summary>
    public Task<byte[]?> AgentStateJsonAsync(string agentId) => _core.Loop.InvokeAsync(() => _core.AgentStateJson(agentId));

    /// <summary>The outstanding offers' ids.</summary>
    public Task<IReadOnlyList<string>> OfferIdsAsync() => _core.Loop.InvokeAsync(_core.OfferIds);

    /// <summary>Rescinds an outstanding offer (RESCIND to its framework, the resources go back). False if there is none.</summary>
    public Task<bool> RescindOfferAsync(string offerId) => _core.Loop.InvokeAsync(() => _core.RescindOffer(offerId));

    /// <summary>The next <paramref name="count"/> ACCEPTs find their offers rescinded just before they arrive (RESCIND first, then TASK_DROPPED).</summary>
    public Task RescindBeforeAcceptsAsync(int count = 1) => _core.Loop.InvokeAsync(() => _core.RescindBeforeAccepts(count));

    /// <summary>The agent becomes unreachable (tasks UNREACHABLE, FAILURE, offers rescinded); with <paramref name="hostDied"/> its executors are killed too.</summary>
    public Task LoseAgentAsync(string agentId, bool hostDied = false) => _core.Loop.InvokeAsync(() => _core.LoseAgent(agentId, hostDied));

    /// <summary>The agent re-registers.</summary>
    public Task RestoreAgentAsync(string agentId) => _core.Loop.InvokeAsync(() => _core.RestoreAgent(agentId));

    /// <summary>
    /// A master failover: the leader's connections drop, then, after <paramref name="downtime"/> with no leader
    /// (standbys answer 503), <paramref name="to"/> (a master index; the next one by default, or the same master
    /// restarted when there is no standby) leads with a new master id, and ZooKeeper says so.
    /// </summary>
    public async Task FailoverAsync(int? to = null, bool keepState = false, TimeSpan? downtime = null)
    {
        await _faults.WaitAsync().ConfigureAwait(false);
        try
        {
            var current = _leader;
            var next = _servers[to ?? (_servers.Count == 1 ? 0 : (_servers.IndexOf(current!) + 1) % _servers.Count)];
            _leader = null;
            await _core.Loop.InvokeAsync(() => _core.NewMasterProcess(keepState)).ConfigureAwait(false);
            if (_zooKeeper is not null)
            {
                await UnregisterAllAsync().ConfigureAwait(false);
            }

            if (current is not null && current == next)
            {
                await current.StopAsync().ConfigureAwait(false);
            }

            if (downtime is { } pause && pause > TimeSpan.Zero)
            {
                await Task.Delay(pause).ConfigureAwait(false);
            }

            if (!next.IsListening)
            {
                await next.StartAsync().ConfigureAwait(false);
            }

            await LeadAsync(next).ConfigureAwait(false);
            if (_zooKeeper is not null)
            {
                await RegisterAllAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _faults.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _leader = null;
        foreach (var server in _servers)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        if (_zooKeeper is not null)
        {
            await _zooKeeper.DisposeAsync().ConfigureAwait(false);
        }

        await _core.DisposeAsync().ConfigureAwait(false);
        if (_ownedWorkDirectory is not null)
        {
            try
            {
                Directory.Delete(_ownedWorkDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private async Task LeadAsync(MasterServer server)
    {
        var info = server.Info(_core.MasterId);
        await _core.Loop.InvokeAsync(() => _core.Leader = info).ConfigureAwait(false);
        _leader = server;
        _options.Log?.Invoke($"master {info.Id} at {server.Endpoint} leads");
    }

    private async Task RegisterInZooKeeperAsync(string zk, CancellationToken cancellationToken)
    {
        var address = MasterAddress.Parse(zk);
        if (!address.IsZooKeeper)
        {
            throw new ArgumentException($"--zk wants zk://host:port/path, not '{zk}'");
        }

        _zkPath = address.ZooKeeperPath!;
        _zooKeeper = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectString = address.ZooKeeperServers! }, cancellationToken).ConfigureAwait(false);
        var path = "";
        foreach (var segment in _zkPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path += "/" + segment;
            try
            {
                await _zooKeeper.CreateAsync(path, ReadOnlyMemory<byte>.Empty, Ids.OpenAclUnsafe, CreateMode.Persistent, cancellationToken).ConfigureAwait(false);
            }
            catch (NodeExistsException)
            {
            }
        }

        await RegisterAllAsync().ConfigureAwait(false);
    }

    /// <summary>Every master contends, the leader first: its json.info_ has the lowest sequence number.</summary>
    private async Task RegisterAllAsync()
    {
        var masterId = _core.MasterId;
        foreach (var server in _servers.OrderBy(s => s == _leader ? 0 : 1))
        {
            var info = server.Info(server == _leader ? masterId : $"{masterId}-standby-{server.Port}");
            var created = await _zooKeeper!.CreateAsync($"{_zkPath}/{ZooKeeperMasterDetector.LabelPrefix}", MasterInfoJson.Format(info), Ids.OpenAclUnsafe, CreateMode.EphemeralSequential).ConfigureAwait(false);
            _znodes.Add(created);
        }
    }

    private async Task UnregisterAllAsync()
    {
        foreach (var znode in _znodes)
        {
            try
            {
                await _zooKeeper!.DeleteAsync(znode).ConfigureAwait(false);
            }
            catch (NoNodeException)
            {
            }
        }

        _znodes.Clear();
    }
}
