using Drover.Scheduler.Configuration;

namespace Drover.Scheduler.Tests;

public class SettingsTests
{
    private static readonly string[] Minimal = ["--master", "zk://127.0.0.1:2181/mesos", "--zk", "127.0.0.1:2181", "--executor-uri", "http://x/drover-executor.tar.gz"];

    [Fact]
    public void Parse_Minimal_TakesTheDefaults()
    {
        var settings = SchedulerSettings.Parse(Minimal, _ => null);

        Assert.Equal("run", settings.Command);
        Assert.Equal("drover", settings.Options.Framework);
        Assert.Equal("drover", settings.Options.Role);
        Assert.Equal(TimeSpan.FromDays(7), settings.Options.FailoverTimeout);
        Assert.Equal("127.0.0.1:2181", settings.Options.RegistryConnect);
        Assert.Equal("/drover", settings.ZooKeeperRoot);
        Assert.Equal("127.0.0.1:8090", settings.ApiListen);
    }

    [Fact]
    public void Parse_EnvironmentFillsWhatFlagsDoNotSay()
    {
        var environment = new Dictionary<string, string> { ["DROVER_FRAMEWORK"] = "ring-a", ["DROVER_FAILOVER_TIMEOUT"] = "2days", ["DROVER_ROLE"] = "from-env" };

        var settings = SchedulerSettings.Parse([.. Minimal, "--role", "from-flag"], environment.GetValueOrDefault);

        Assert.Equal("ring-a", settings.Options.Framework);
        Assert.Equal(TimeSpan.FromDays(2), settings.Options.FailoverTimeout);
        Assert.Equal("from-flag", settings.Options.Role);
    }

    [Theory]
    [InlineData("--executor-cpus", "lots", "--executor-cpus")]
    [InlineData("--failover-timeout", "forever", "--failover-timeout")]
    [InlineData("--framework", "a/b", "--framework")]
    [InlineData("--bogus", "x", "unknown option")]
    [InlineData("--zk-root", "no-slash", "--zk")]
    public void Parse_BadValue_NamesTheFlag(string flag, string value, string expected)
    {
        var e = Assert.Throws<SettingsException>(() => SchedulerSettings.Parse([.. Minimal, flag, value], _ => null));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ResetFramework_NeedsAConfirmedId()
    {
        var e = Assert.Throws<SettingsException>(() => SchedulerSettings.Parse(["reset-framework", "--zk", "127.0.0.1:2181"], _ => null));
        Assert.Contains("--confirm", e.Message, StringComparison.Ordinal);

        var settings = SchedulerSettings.Parse(["reset-framework", "--zk", "127.0.0.1:2181", "--confirm", "fw-1"], _ => null);
        Assert.Equal("fw-1", settings.Confirm);
    }
}
