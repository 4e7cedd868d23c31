using System.Net;
using System.Net.Sockets;
using System.Text;
using Drover.Registry;
using Drover.Sidecar.Metrics;
using Drover.Sidecar.Proxy;
using Drover.Sidecar.View;
using Drover.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Drover.Sidecar.Tests.Support;

/// <summary>
/// A proxy listener over a real view whose inputs the test posts itself (no ZooKeeper): the nodes are
/// whatever the test says, pointing at <see cref="TestBackend"/>s.
/// </summary>
public sealed class ProxyHarness : IAsyncDisposable
{
    public const string Cluster = "ring";
    public const string PortName = "pb";

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Forwarder _forwarder = new();
    private readonly Dictionary<string, NodeRecord> _nodes = new(StringComparer.Ordinal);

    private ProxyHarness(ProxySettings settings)
    {
        Metrics = SidecarMetrics.Create();
        View = new RegistryView(new NoSource(), TimeProvider.System, new ViewObserver(NullLogger.Instance, Metrics));
        _loop = Task.Run(() => View.RunAsync(_stop.Token));
        View.Post(new ClustersChanged(new DirectoryChange<string>(DirectoryChangeKind.Snapshot, null, Entries: new Dictionary<string, string> { [Cluster] = Cluster })));
        View.Post(new NodesChanged(Cluster, new DirectoryChange<NodeRecord>(DirectoryChangeKind.Snapshot, null, Entries: new Dictionary<string, NodeRecord>())));
        Listener = new ProxyListener(settings, View, Metrics.Proxy, _forwarder, NullLogger.Instance);
        Listener.Start();
    }

    public RegistryView View { get; }

    public SidecarMetrics Metrics { get; }

    public ProxyListener Listener { get; }

    public static ProxyHarness Start(BalanceMode balance = BalanceMode.RoundRobin, NodeLossPolicy onNodeLoss = NodeLossPolicy.Keep, int maxConnections = 100, TimeSpan? connectTimeout = null, int connectAttempts = 3) =>
        new(new ProxySettings
        {
            Cluster = Cluster,
            PortName = PortName,
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Balance = balance,
            OnNodeLoss = onNodeLoss,
            MaxConnections = maxConnections,
            ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(2),
            ConnectAttempts = connectAttempts,
        });

    /// <summary>A serving node whose pb port is <paramref name="port"/>; waits until the listener balances over it.</summary>
    public Task PutAsync(string node, int port, bool? healthy = true) => PutAsync(Nodes.Record(Cluster, node, healthy: healthy, ports: [new NamedPort("http", 1), new NamedPort(PortName, port)]));

    public async Task PutAsync(NodeRecord record)
    {
        var kind = _nodes.ContainsKey(record.Node) ? DirectoryChangeKind.Updated : DirectoryChangeKind.Added;
        _nodes[record.Node] = record;
        View.Post(new NodesChanged(Cluster, new DirectoryChange<NodeRecord>(kind, record.Node, record)));
        await SettledAsync();
    }

    public async Task RemoveAsync(string node)
    {
        _nodes.Remove(node, out var old);
        View.Post(new NodesChanged(Cluster, new DirectoryChange<NodeRecord>(DirectoryChangeKind.Removed, node, Previous: old)));
        await SettledAsync();
    }

    /// <summary>Connects a client to the listener.</summary>
    public async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(Listener.LocalEndPoint).Within("a connect to the proxy");
        return socket;
    }

    /// <summary>Connects and reads the line a <see cref="BackendMode.NameThenEcho"/> backend sends first: which node it reached.</summary>
    public async Task<(Socket Socket, string Node)> ConnectToNodeAsync()
    {
        var socket = await ConnectAsync();
        return (socket, await ReadLineAsync(socket));
    }

    public static async Task<string> ReadLineAsync(Socket socket)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            var read = await socket.ReceiveAsync(one.AsMemory(), SocketFlags.None).AsTask().Within("a line from the node");
            if (read == 0)
            {
                throw new EndOfStreamException($"end of stream after '{line}'");
            }
            if (one[0] == '\n')
            {
                return line.ToString();
            }
            line.Append((char)one[0]);
        }
    }

    /// <summary>True once the peer closed (end of stream or reset).</summary>
    public static async Task<bool> ClosedAsync(Socket socket)
    {
        try
        {
            var buffer = new byte[256];
            while (true)
            {
                if (await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().Within("the connection to close") == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Listener.DisposeAsync();
        _forwarder.Dispose();
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    /// <summary>Waits until the listener's serving set matches the nodes the test put.</summary>
    private Task SettledAsync()
    {
        var expected = _nodes.Values.Where(Serving.IsServing).Select(n => n.Node).Order().ToList();
        return Eventually.TrueAsync(() => Listener.Serving.Select(b => b.Node).Order().SequenceEqual(expected), $"the listener to balance over [{string.Join(", ", expected)}]");
    }

    private sealed class NoSource : IRegistrySource
    {
        public void Watch(string cluster)
        {
        }

        public void Unwatch(string cluster)
        {
        }
    }
}
