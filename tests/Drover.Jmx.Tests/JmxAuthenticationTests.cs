using Drover.Jmx.Tests.Support;
using Drover.Testing.Standins.Cassandra;

namespace Drover.Jmx.Tests;

/// <summary>JMX authentication: credentials go to the helper on stdin, never in its argv.</summary>
public sealed class JmxAuthenticationTests : IAsyncLifetime
{
    private const string StorageService = "org.apache.cassandra.db:type=StorageService";
    private readonly string _passwords = Path.Combine(Path.GetTempPath(), "drover-jmx-passwords-" + Guid.NewGuid().ToString("N"));
    private StandinNode _node = null!;
    private string _jar = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_passwords, "# user password\ncontrol s3cret-pass\n");
        var standin = await CassandraStandin.PrepareAsync(Tools.Run);
        _jar = await JmxHelperJar.BuildAsync(Tools.Run);
        _node = await StandinNode.StartAsync(standin, passwordFile: _passwords);
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        File.Delete(_passwords);
    }

    [Fact]
    public async Task RightCredentials_Read_AndThePasswordIsNotInArgv()
    {
        await using var helper = Helper(new JmxCredentials("control", "s3cret-pass"));

        var values = await helper.ReadAsync(StorageService, ["Initialized"]);

        Assert.True(values["Initialized"].AsBoolean());
        var argv = await File.ReadAllTextAsync($"/proc/{helper.Pid}/cmdline");
        Assert.DoesNotContain("s3cret-pass", argv, StringComparison.Ordinal);
        Assert.Contains("--credentials-stdin", argv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongOrMissingCredentials_AreRemoteErrors()
    {
        await using var wrong = Helper(new JmxCredentials("control", "nope"));
        await using var none = Helper(null);

        var refused = await Assert.ThrowsAsync<JmxRemoteException>(() => wrong.ReadAsync(StorageService, ["Initialized"]));
        var missing = await Assert.ThrowsAsync<JmxRemoteException>(() => none.ReadAsync(StorageService, ["Initialized"]));

        Assert.Contains("Authentication failed", refused.Message, StringComparison.Ordinal);
        Assert.Contains("SecurityException", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_ToString_HidesThePassword() =>
        Assert.DoesNotContain("s3cret", new JmxCredentials("control", "s3cret-pass").ToString(), StringComparison.Ordinal);

    private JmxHelper Helper(JmxCredentials? credentials) =>
        new(JmxHelperOptions.ForJar("java", _jar, $"127.0.0.1:{_node.JmxPort}", Tools.CurrentEnvironment(), credentials));
}
