using System.Net;

namespace Drover.Sidecar.Proxy;

/// <summary>
/// One node's port as a proxy target: where to connect, how many connections it carries (pending
/// connects included, for least-connections), and the open ones, so they can be closed when the node
/// leaves under the close policy.
/// </summary>
public sealed class Backend
{
    private readonly Lock _gate = new();
    private readonly HashSet<ProxyConnection> _connections = [];
    private int _active;
    private bool _retired;

    public Backend(string node, string host, int port)
    {
        Node = node;
        Host = host;
        Port = port;
        EndPoint = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
    }

    public string Node { get; }

    public string Host { get; }

    public int Port { get; }

    public EndPoint EndPoint { get; }

    /// <summary>Connections open or being opened to it.</summary>
    public int Active => Volatile.Read(ref _active);

    public void Reserve() => Interlocked.Increment(ref _active);

    public void Release() => Interlocked.Decrement(ref _active);

    /// <summary>Tracks an open connection; false if the backend was retired with its connections closed meanwhile.</summary>
    public bool TryAdd(ProxyConnection connection)
    {
        lock (_gate)
        {
            if (_retired)
            {
                return false;
            }
            _connections.Add(connection);
            return true;
        }
    }

    public void Remove(ProxyConnection connection)
    {
        lock (_gate)
        {
            _connections.Remove(connection);
        }
    }

    /// <summary>The node left or stopped serving, under the close policy: returns its open connections to close, and refuses new ones.</summary>
    public List<ProxyConnection> Retire()
    {
        lock (_gate)
        {
            _retired = true;
            var open = _connections.ToList();
            _connections.Clear();
            return open;
        }
    }

    public bool SameTarget(string host, int port) => Host == host && Port == port;

    public override string ToString() => $"{Node} ({Host}:{Port})";
}
