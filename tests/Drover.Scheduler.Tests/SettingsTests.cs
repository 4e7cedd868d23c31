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

    [Fact]
    public void Parse_ThePackagedCommandLines_AreUnderstood()
    {
        // Marathon's app (its variables as Marathon fills them) and the systemd unit with its flags file.
        var marathon = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Drover.Testing.RepositoryFiles.PathOf("packaging/scheduler/marathon.json")))
            .RootElement.GetProperty("cmd").GetString()!
            .Replace("$HOST", "agent1.example", StringComparison.Ordinal).Replace("$PORT0", "31005", StringComparison.Ordinal);
        var env = File.ReadAllLines(Drover.Testing.RepositoryFiles.PathOf("packaging/scheduler/scheduler.env"))
            .Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var unit = File.ReadAllLines(Drover.Testing.RepositoryFiles.PathOf("packaging/scheduler/drover-scheduler.service"))
            .Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal))["ExecStart=".Length..]
            .Replace("$DROVER_SCHEDULER_FLAGS", env["DROVER_SCHEDULER_FLAGS"], StringComparison.Ordinal)
            .Replace("${DROVER_API_LISTEN}", env["DROVER_API_LISTEN"], StringComparison.Ordinal)
            .Replace("%d", "/run/credentials/drover-scheduler.service", StringComparison.Ordinal);

        static SchedulerSettings Parse(string commandLine) =>
            SchedulerSettings.Parse(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray(), _ => null);

        var fromMarathon = Parse(marathon);
        Assert.Equal("0.0.0.0:31005", fromMarathon.ApiListen);
        Assert.Equal("/etc/drover/api-token", fromMarathon.ApiTokenFile);
        Assert.Equal("http://agent1.example:31005/", fromMarathon.Options.WebUiUrl);
        Assert.StartsWith("zk://", fromMarathon.Master, StringComparison.Ordinal);

        var fromUnit = Parse(unit);
        Assert.Equal("0.0.0.0:8090", fromUnit.ApiListen);
        Assert.Equal("/run/credentials/drover-scheduler.service/api-token", fromUnit.ApiTokenFile);
        Assert.Equal(fromMarathon.Master, fromUnit.Master);
    }
}
