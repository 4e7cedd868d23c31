using Drover.Registry;
using Drover.ZooKeeper;
using Xunit;

namespace Drover.Testing.ZooKeeper;

/// <summary>
/// One real standalone ZooKeeper server shared by the tests of a class or collection (a JVM start
/// is too slow to repeat per test); each test works under paths, or a framework, of its own. The one
/// ZooKeeper fixture of the tests, with the helpers the registry and cEPMD suites share.
/// </summary>
public class ZooKeeperServerFixture : IAsyncLifetime
{
    private ZooKeeperServer? _server;

    public ZooKeeperServer Server => _server ?? throw new InvalidOperationException("The server is not started.");

    public async Task InitializeAsync() => _server = await ZooKeeperServer.StartStandaloneAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Registry options for one test: a fresh framework (unless named), short session, quick retries.</summary>
    public RegistryOptions Options(
        string? connectString = null, DigestCredentials? credentials = null, TimeSpan? sessionTimeout = null, TimeSpan? conflictTimeout = null, string? framework = null)
    {
        var options = new RegistryOptions
        {
            ConnectString = connectString ?? Server.ConnectString,
            Framework = framework ?? $"fw-{Guid.NewGuid():N}",
            SessionTimeout = sessionTimeout ?? TestClients.DefaultSessionTimeout,
            Credentials = credentials,
            InitialBackoff = TimeSpan.FromMilliseconds(20),
            MaxBackoff = TimeSpan.FromMilliseconds(500),
        };
        return conflictTimeout is { } timeout ? With(options, conflictTimeout: timeout) : options;
    }

    /// <summary>The same registry (root, framework, credentials) reached another way, e.g. through a proxy.</summary>
    public static RegistryOptions With(RegistryOptions options, string? connectString = null, TimeSpan? sessionTimeout = null, TimeSpan? conflictTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new()
        {
            ConnectString = connectString ?? options.ConnectString,
            Root = options.Root,
            Framework = options.Framework,
            SessionTimeout = sessionTimeout ?? options.SessionTimeout,
            Credentials = options.Credentials,
            InitialBackoff = options.InitialBackoff,
            MaxBackoff = options.MaxBackoff,
            ConflictTimeout = conflictTimeout ?? options.ConflictTimeout,
        };
    }

    /// <summary>A plain client (no credentials) for looking at what was written.</summary>
    public Task<ZooKeeperClient> ObserverAsync() => Server.ConnectAsync();

    /// <summary>Ends a session from outside, as ZooKeeper does at expiry: another client takes its id and password and closes it.</summary>
    public Task ExpireAsync(ZooKeeperClient victim) => TestClients.ExpireAsync(Server.ConnectString, victim);
}
