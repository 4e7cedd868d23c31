using Xunit;

namespace Drover.Testing.ZooKeeper;

/// <summary>
/// One real standalone ZooKeeper server shared by the tests of a class or collection (a JVM start
/// is too slow to repeat per test); each test works under paths of its own. Test projects extend
/// it with their own helpers.
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
}
