namespace Drover.ZooKeeper;

/// <summary>
/// Hands out servers to connect to, as StaticHostProvider does: the list is shuffled once so that
/// clients spread over the ensemble, then tried in turn. After a whole round without a successful
/// connection the caller is told to back off before the next round.
/// </summary>
internal sealed class HostProvider
{
    private readonly ServerAddress[] _servers;
    private int _next;
    private int _triedSinceConnected;

    public HostProvider(IReadOnlyList<ServerAddress> servers, Random random)
    {
        _servers = [.. servers];
        random.Shuffle(_servers);
    }

    public int Count => _servers.Length;

    /// <summary>The next server, and whether every server was tried since the last connection.</summary>
    public (ServerAddress Server, bool RoundCompleted) Next()
    {
        var roundCompleted = _triedSinceConnected >= _servers.Length;
        if (roundCompleted)
        {
            _triedSinceConnected = 0;
        }
        var server = _servers[_next];
        _next = (_next + 1) % _servers.Length;
        _triedSinceConnected++;
        return (server, roundCompleted);
    }

    public void OnConnected() => _triedSinceConnected = 0;
}
