namespace Drover.ZooKeeper;

/// <summary>
/// Hands out servers to connect to, as StaticHostProvider does: the list is shuffled once so that
/// clients spread over the ensemble, then tried in turn. After a whole round without a successful
/// connection the caller is told to back off before the next round. The list can be replaced (a new
/// list from Exhibitor, as ZooKeeper.updateServerList): the next server comes from the new one.
/// </summary>
internal sealed class HostProvider
{
    private readonly Lock _lock = new();
    private readonly Random _random;
    private ServerAddress[] _servers;
    private int _next;
    private int _triedSinceConnected;

    public HostProvider(IReadOnlyList<ServerAddress> servers, Random random)
    {
        _random = random;
        _servers = Shuffled(servers);
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _servers.Length;
            }
        }
    }

    public IReadOnlyList<ServerAddress> Servers
    {
        get
        {
            lock (_lock)
            {
                return _servers;
            }
        }
    }

    /// <summary>The next server, and whether every server was tried since the last connection.</summary>
    public (ServerAddress Server, bool RoundCompleted) Next()
    {
        lock (_lock)
        {
            if (_servers.Length == 0)
            {
                throw new InvalidOperationException("No server is known yet.");
            }
            var roundCompleted = _triedSinceConnected >= _servers.Length;
            if (roundCompleted)
            {
                _triedSinceConnected = 0;
            }
            var server = _servers[_next % _servers.Length];
            _next = (_next + 1) % _servers.Length;
            _triedSinceConnected++;
            return (server, roundCompleted);
        }
    }

    public void OnConnected()
    {
        lock (_lock)
        {
            _triedSinceConnected = 0;
        }
    }

    public bool Contains(ServerAddress server)
    {
        lock (_lock)
        {
            return Array.IndexOf(_servers, server) >= 0;
        }
    }

    /// <summary>Replaces the list (shuffled again) and starts a new round over it.</summary>
    public void Update(IReadOnlyList<ServerAddress> servers)
    {
        var shuffled = Shuffled(servers);
        lock (_lock)
        {
            _servers = shuffled;
            _next = 0;
            _triedSinceConnected = 0;
        }
    }

    private ServerAddress[] Shuffled(IReadOnlyList<ServerAddress> servers)
    {
        ServerAddress[] copy = [.. servers];
        lock (_lock)
        {
            _random.Shuffle(copy);
        }
        return copy;
    }
}
