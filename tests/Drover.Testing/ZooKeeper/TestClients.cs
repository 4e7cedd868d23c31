using Drover.ZooKeeper;

namespace Drover.Testing.ZooKeeper;

/// <summary>Clients of a test server with short timeouts, and paths no other test uses.</summary>
public static class TestClients
{
    /// <summary>Short enough that expiry tests stay fast, long enough for a loaded 2-core machine.</summary>
    public static readonly TimeSpan DefaultSessionTimeout = TimeSpan.FromSeconds(4);

    /// <summary>How long a test waits for a session before it fails, naming what it waited for.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A client of <paramref name="server"/> (or of <paramref name="connectString"/>, e.g. a proxy in front of it).</summary>
    public static Task<ZooKeeperClient> ConnectAsync(
        this ZooKeeperServer server,
        string? connectString = null,
        TimeSpan? sessionTimeout = null,
        Action<WatchedEvent>? defaultWatcher = null,
        IReadOnlyList<AuthInfo>? authInfo = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        return ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = connectString ?? server.ConnectString,
            SessionTimeout = sessionTimeout ?? DefaultSessionTimeout,
            DefaultWatcher = defaultWatcher,
            AuthInfo = authInfo ?? [],
        });
    }

    /// <summary>Connects with the given options, failing the test (not hanging it) if no session comes.</summary>
    public static Task<ZooKeeperClient> ConnectAsync(ZooKeeperClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ZooKeeperClient.ConnectAsync(options).Within($"a session with {options.ConnectString}", ConnectTimeout);
    }

    /// <summary>A fresh node path for one test, so tests sharing a server never see each other's nodes.</summary>
    public static string UniquePath(string name) => $"/{name}-{Guid.NewGuid():N}";

    /// <summary>
    /// Ends <paramref name="victim"/>'s session from outside, as ZooKeeper does at expiry: another client takes
    /// its id and password and closes it.
    /// </summary>
    public static async Task ExpireAsync(string connectString, ZooKeeperClient victim)
    {
        ArgumentNullException.ThrowIfNull(victim);
        var impostor = await ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = connectString,
            SessionTimeout = victim.SessionTimeout,
            SessionId = victim.SessionId,
            SessionPassword = victim.SessionPassword,
        }).ConfigureAwait(false);
        await impostor.CloseAsync().ConfigureAwait(false);
    }
}
