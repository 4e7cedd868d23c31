using System.Net;
using System.Net.Sockets;
using Drover.Metrics;
using Drover.Sidecar.Metrics;
using Drover.Sidecar.View;

namespace Drover.Sidecar.Proxy;

/// <summary>
/// The Director's job for one (cluster, port name): a TCP listener whose connections are spliced to
/// that port of the cluster's serving nodes. The serving set follows the view; a new connection goes to
/// the node the balancer picks, and a connect that fails or times out is retried on the next node. A
/// node that leaves or stops serving gets no new connections, and its open ones are kept or closed by
/// the listener's <see cref="NodeLossPolicy"/>. Past <see cref="ProxySettings.MaxConnections"/> open
/// connections, a new one is closed at once.
/// </summary>
public sealed partial class ProxyListener : IAsyncDisposable
{
    private readonly ProxySettings _settings;
    private readonly RegistryView _view;
    private readonly ILogger _log;
    private readonly Balancer _balancer;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, Backend> _backends = new(StringComparer.Ordinal);
    private readonly HashSet<ProxyConnection> _open = [];
    private readonly Lock _openGate = new();
    private readonly CounterChild _upstreamBytes;
    private readonly CounterChild _downstreamBytes;
    private readonly CounterChild _rejectedOverCap;
    private readonly CounterChild _rejectedNoNode;
    private readonly CounterChild _closedByPolicy;
    private readonly GaugeChild _activeGauge;
    private readonly GaugeChild _backendsGauge;
    private readonly ProxyMetrics _metrics;
    private readonly Forwarder _forwarder;
    private Backend[] _serving = [];
    private int _active;
    private Task? _accepting;
    private Task? _following;

    public ProxyListener(ProxySettings settings, RegistryView view, ProxyMetrics metrics, Forwarder forwarder, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(forwarder);
        ArgumentNullException.ThrowIfNull(log);
        _settings = settings;
        _forwarder = forwarder;
        _view = view;
        _log = log;
        _metrics = metrics;
        _balancer = new Balancer(settings.Balance);
        _listener = new Socket(settings.Listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var name = settings.Name;
        _upstreamBytes = metrics.Bytes.WithLabels(name, "upstream");
        _downstreamBytes = metrics.Bytes.WithLabels(name, "downstream");
        _rejectedOverCap = metrics.Rejected.WithLabels(name, "limit");
        _rejectedNoNode = metrics.Rejected.WithLabels(name, "no_node");
        _closedByPolicy = metrics.ClosedByPolicy.WithLabels(name);
        _activeGauge = metrics.Active.WithLabels(name);
        _backendsGauge = metrics.Backends.WithLabels(name);
    }

    public ProxySettings Settings => _settings;

    /// <summary>Where it listens (the port the kernel gave, when configured with 0).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>The nodes new connections go to now.</summary>
    public IReadOnlyList<Backend> Serving => Volatile.Read(ref _serving);

    /// <summary>Open client connections.</summary>
    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>Binds and starts accepting and following the cluster.</summary>
    public void Start()
    {
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(_settings.Listen);
        _listener.Listen(_settings.Backlog);
        var subscription = _view.Subscribe(_settings.Cluster);
        _following = Task.Run(() => FollowAsync(subscription));
        _accepting = Task.Run(AcceptAsync);
        LogListening(_log, _settings.Name, LocalEndPoint.ToString(), _settings.Balance.ToString(), _settings.OnNodeLoss.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        List<ProxyConnection> open;
        lock (_openGate)
        {
            open = [.. _open];
        }
        foreach (var connection in open)
        {
            connection.Abort();
        }
        foreach (var task in new[] { _accepting, _following })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(false);
            }
        }
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of descriptors, a connection reset before it was accepted...: this connection only.
                LogAcceptFailed(_log, _settings.Name, e.SocketErrorCode.ToString());
                continue;
            }
            if (Interlocked.Increment(ref _active) > _settings.MaxConnections)
            {
                Interlocked.Decrement(ref _active);
                _rejectedOverCap.Inc();
                client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }
            _activeGauge.Inc();
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        Backend? backend = null;
        try
        {
            client.NoDelay = true;
            (var upstream, backend) = await ConnectAsync().ConfigureAwait(false);
            if (upstream is null || backend is null)
            {
                _rejectedNoNode.Inc();
                client.Dispose();
                return;
            }
            var connection = new ProxyConnection(client, upstream, backend, _forwarder, _settings.BufferSize, _upstreamBytes, _downstreamBytes);
            if (!backend.TryAdd(connection))
            {
                // The node was retired between the connect and now, under the close policy.
                _closedByPolicy.Inc();
                connection.Abort();
                return;
            }
            lock (_openGate)
            {
                _open.Add(connection);
            }
            _metrics.Connections.WithLabels(_settings.Name, backend.Node).Inc();
            try
            {
                await connection.RunAsync().ConfigureAwait(false);
            }
            finally
            {
                backend.Remove(connection);
                lock (_openGate)
                {
                    _open.Remove(connection);
                }
            }
        }
        catch (Exception e)
        {
            // One connection's fault never reaches the listener.
            LogConnectionFailed(_log, _settings.Name, e.GetType().Name, e.Message);
            client.Dispose();
        }
        finally
        {
            backend?.Release();
            Interlocked.Decrement(ref _active);
            _activeGauge.Dec();
        }
    }

    /// <summary>Connects to a serving node, trying the next one after a failure or timeout, up to the attempt limit.</summary>
    private async Task<(Socket? Upstream, Backend? Backend)> ConnectAsync()
    {
        List<Backend>? tried = null;
        for (var attempt = 0; attempt < _settings.ConnectAttempts; attempt++)
        {
            var backend = _balancer.Pick(Volatile.Read(ref _serving), tried);
            if (backend is null)
            {
                break;
            }
            backend.Reserve();
            Socket? upstream = null;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(_settings.ConnectTimeout);
                var endPoint = await AddressOfAsync(backend, timeout.Token).ConfigureAwait(false);
                upstream = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await _forwarder.ConnectAsync(upstream, endPoint, timeout.Token).ConfigureAwait(false);
                return (upstream, backend);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                upstream?.Dispose();
                backend.Release();
                if (_stop.IsCancellationRequested)
                {
                    break;
                }
                _metrics.ConnectFailures.WithLabels(_settings.Name, backend.Node).Inc();
                LogConnectFailed(_log, _settings.Name, backend.ToString(), e is SocketException s ? s.SocketErrorCode.ToString() : "timed out");
                (tried ??= []).Add(backend);
            }
        }
        return (null, null);
    }

    /// <summary>The node's address; a host name is looked up (its first address) within the connect's time.</summary>
    private static async Task<IPEndPoint> AddressOfAsync(Backend backend, CancellationToken cancellation)
    {
        if (backend.EndPoint is IPEndPoint ip)
        {
            return ip;
        }
        var addresses = await Dns.GetHostAddressesAsync(backend.Host, cancellation).ConfigureAwait(false);
        return addresses.Length > 0
            ? new IPEndPoint(addresses[0], backend.Port)
            : throw new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>Keeps the serving set equal to the cluster's serving nodes that have the port.</summary>
    private async Task FollowAsync(ClusterSubscription subscription)
    {
        using (subscription)
        {
            try
            {
                while (await subscription.Events.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
                {
                    ClusterEvent? last = null;
                    while (subscription.Events.TryRead(out var clusterEvent))
                    {
                        last = clusterEvent;
                    }
                    // Every event carries the whole cluster: the last one is all that matters.
                    if (last is not null)
                    {
                        Update(last is ClusterGone ? ClusterView.Empty(last.View.Name) : last.View);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        }
    }

    private void Update(ClusterView cluster)
    {
        var serving = new List<Backend>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in cluster.Nodes.Values)
        {
            if (!View.Serving.IsServing(node) || node.Port(_settings.PortName) is not { } port)
            {
                continue;
            }
            seen.Add(node.Node);
            if (!_backends.TryGetValue(node.Node, out var backend) || !backend.SameTarget(node.Host, port))
            {
                if (backend is not null)
                {
                    // Moved to another host or port: the old address is gone.
                    Retire(backend);
                }
                backend = new Backend(node.Node, node.Host, port);
                _backends[node.Node] = backend;
            }
            serving.Add(backend);
        }
        foreach (var (name, backend) in _backends.Where(b => !seen.Contains(b.Key)).ToList())
        {
            _backends.Remove(name);
            Retire(backend);
        }
        Volatile.Write(ref _serving, [.. serving]);
        _backendsGauge.Set(serving.Count);
    }

    private void Retire(Backend backend)
    {
        if (_settings.OnNodeLoss != NodeLossPolicy.Close)
        {
            // Keep: its open connections go on until either end closes them.
            return;
        }
        var open = backend.Retire();
        foreach (var connection in open)
        {
            _closedByPolicy.Inc();
            connection.Abort();
        }
        if (open.Count > 0)
        {
            LogClosedOnLoss(_log, _settings.Name, backend.ToString(), open.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "proxy {Listener}: listening on {EndPoint} ({Balance}, on node loss: {Policy})")]
    private static partial void LogListening(ILogger logger, string listener, string endPoint, string balance, string policy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "proxy {Listener}: accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, string listener, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "proxy {Listener}: connect to {Backend} failed ({Reason}); trying the next node")]
    private static partial void LogConnectFailed(ILogger logger, string listener, string backend, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "proxy {Listener}: connection failed: {Type}: {Message}")]
    private static partial void LogConnectionFailed(ILogger logger, string listener, string type, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "proxy {Listener}: {Backend} left; closed its {Count} open connection(s)")]
    private static partial void LogClosedOnLoss(ILogger logger, string listener, string backend, int count);
}
