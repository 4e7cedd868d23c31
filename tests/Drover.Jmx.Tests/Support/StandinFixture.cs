using Drover.Testing.Standins.Cassandra;

namespace Drover.Jmx.Tests.Support;

/// <summary>The compiled stand-in, the helper jar and one running node, shared by a test class.</summary>
public sealed class StandinFixture : IAsyncLifetime
{
    public CassandraStandin Standin { get; private set; } = null!;

    public string HelperJar { get; private set; } = null!;

    public StandinNode Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Standin = await CassandraStandin.PrepareAsync(Tools.Run);
        HelperJar = await JmxHelperJar.BuildAsync(Tools.Run);
        Node = await StandinNode.StartAsync(Standin);
    }

    public async Task DisposeAsync() => await Node.DisposeAsync();

    public JmxHelper Helper(TimeSpan? timeout = null, JmxCredentials? credentials = null, int? port = null) =>
        new(JmxHelperOptions.ForJar("java", HelperJar, $"127.0.0.1:{port ?? Node.JmxPort}", Tools.CurrentEnvironment(), credentials) with
        {
            RequestTimeout = timeout ?? TimeSpan.FromSeconds(20),
        });
}
