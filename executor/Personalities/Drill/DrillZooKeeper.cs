using Drover.ZooKeeper;

namespace Drover.Executor.Personalities.Drill;

/// <summary>
/// The executor's own ZooKeeper session for reading a drillbit's registration: connected on first use,
/// replaced when it expired or closed, closed when the task ends (a plan Resource). Reads only.
/// </summary>
public sealed class DrillZooKeeper : IAsyncDisposable
{
    /// <summary>A Drill cluster has a handful of drillbits; more children than this is not a Drill registry.</summary>
    public const int MaxRegistrations = 4096;

    private static readonly TimeSpan MaxConnectTime = TimeSpan.FromSeconds(5);

    private readonly DrillSettings _settings;
    private readonly Func<ZooKeeperClientOptions, CancellationToken, Task<ZooKeeperClient>> _connect;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ZooKeeperClient? _client;
    private bool _disposed;
    private int _disposing;

    public DrillZooKeeper(DrillSettings settings, Func<ZooKeeperClientOptions, CancellationToken, Task<ZooKeeperClient>>? connect = null)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _connect = connect ?? ZooKeeperClient.ConnectAsync;
    }

    /// <summary>Reads every registration of the cluster and finds this node's. ZooKeeper errors propagate.</summary>
    public async Task<RegistrationLookup> LookupAsync(CancellationToken cancellation)
    {
        var client = await ClientAsync(cancellation).ConfigureAwait(false);
        var path = _settings.RegistrationPath;
        IReadOnlyList<string> names;
        try
        {
            names = (await client.GetChildrenAsync(path, watcher: null, cancellation).ConfigureAwait(false)).Children;
        }
        catch (NoNodeException)
        {
            return DrillRegistration.Find(path, null, _settings.Host, _settings.UserPort);
        }

        if (names.Count > MaxRegistrations)
        {
            throw new InvalidDataException($"{path} has {names.Count} children, more than the {MaxRegistrations} a Drill cluster would register");
        }

        // Pipelined: ZooKeeper answers in order on one connection.
        var reads = names.Select(name => ReadAsync(client, path, name, cancellation)).ToList();
        var nodes = new List<RegistrationNode>(reads.Count);
        foreach (var read in reads)
        {
            if (await read.ConfigureAwait(false) is { } node)
            {
                nodes.Add(node);
            }
        }

        return DrillRegistration.Find(path, nodes, _settings.Host, _settings.UserPort);
    }

    private static async Task<RegistrationNode?> ReadAsync(ZooKeeperClient client, string path, string name, CancellationToken cancellation)
    {
        try
        {
            var result = await client.GetDataAsync($"{path}/{name}", watcher: null, cancellation).ConfigureAwait(false);
            return new RegistrationNode(name, result.Data);
        }
        catch (NoNodeException)
        {
            return null; // unregistered between the listing and the read
        }
    }

    private async Task<ZooKeeperClient> ClientAsync(CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_client is { State: not (ZooKeeperState.Expired or ZooKeeperState.AuthFailed or ZooKeeperState.Closed) } live)
            {
                return live;
            }

            if (_client is { } dead)
            {
                _client = null;
                await dead.DisposeAsync().ConfigureAwait(false);
            }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            limit.CancelAfter(MaxConnectTime);
            try
            {
                _client = await _connect(Options(), limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw new TimeoutException($"no ZooKeeper session with {_settings.ZkConnect} within {MaxConnectTime.TotalSeconds:0.#} s");
            }

            return _client;
        }
        finally
        {
            _gate.Release();
        }
    }

    private ZooKeeperClientOptions Options() => new()
    {
        ConnectString = _settings.ZkConnect,
        SessionTimeout = _settings.ZkSessionTimeout,
        AuthInfo = _settings.ZkCredentials is { } credentials ? [credentials.AuthInfo] : [],
    };

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposing, 1) == 1)
        {
            return;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_client is { } client)
            {
                _client = null;
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }
}
