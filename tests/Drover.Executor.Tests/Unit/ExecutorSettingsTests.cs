using Drover.Executor.Configuration;

namespace Drover.Executor.Tests.Unit;

public class ExecutorSettingsTests
{
    private static Dictionary<string, string> AgentEnvironment() => new()
    {
        ["MESOS_AGENT_ENDPOINT"] = "127.0.0.1:5051",
        ["MESOS_CHECKPOINT"] = "1",
        ["MESOS_DIRECTORY"] = "/var/lib/mesos/slaves/a/frameworks/f/executors/e/runs/c",
        ["MESOS_EXECUTOR_ID"] = "e",
        ["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = "5secs",
        ["MESOS_FRAMEWORK_ID"] = "f",
        ["MESOS_HTTP_COMMAND_EXECUTOR"] = "0",
        ["MESOS_RECOVERY_TIMEOUT"] = "15mins",
        ["MESOS_SANDBOX"] = "/var/lib/mesos/slaves/a/frameworks/f/executors/e/runs/c",
        ["MESOS_SLAVE_ID"] = "a",
        ["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = "2secs",
        ["PATH"] = "/usr/bin:/bin",
    };

    [Fact]
    public void FromEnvironment_TheAgentsVariables_AreRead()
    {
        var settings = ExecutorSettings.FromEnvironment(AgentEnvironment());

        Assert.Equal("f", settings.FrameworkId);
        Assert.Equal("e", settings.ExecutorId);
        Assert.Equal("a", settings.AgentId);
        Assert.True(settings.Checkpoint);
        Assert.Equal(TimeSpan.FromMinutes(15), settings.RecoveryTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.SubscriptionBackoffMax);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.ShutdownGracePeriod);
        Assert.Equal(new Uri("http://127.0.0.1:5051/api/v1/executor"), settings.AgentApiUri);
        Assert.Null(settings.AuthenticationToken);
    }

    [Fact]
    public void FromEnvironment_NoCheckpointVariables_UsesAgentDefaults()
    {
        var env = AgentEnvironment();
        env.Remove("MESOS_RECOVERY_TIMEOUT");
        env.Remove("MESOS_SUBSCRIPTION_BACKOFF_MAX");
        env["MESOS_CHECKPOINT"] = "0";

        var settings = ExecutorSettings.FromEnvironment(env);

        Assert.False(settings.Checkpoint);
        Assert.Equal(ExecutorSettings.DefaultRecoveryTimeout, settings.RecoveryTimeout);
    }

    [Theory]
    [InlineData("MESOS_FRAMEWORK_ID")]
    [InlineData("MESOS_EXECUTOR_ID")]
    [InlineData("MESOS_AGENT_ENDPOINT")]
    public void FromEnvironment_MissingIdentity_NamesTheVariable(string name)
    {
        var env = AgentEnvironment();
        env.Remove(name);

        var error = Assert.Throws<ExecutorSettingsException>(() => ExecutorSettings.FromEnvironment(env));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MESOS_RECOVERY_TIMEOUT", "soon")]
    [InlineData("MESOS_SUBSCRIPTION_BACKOFF_MAX", "2 parsecs")]
    [InlineData("MESOS_CHECKPOINT", "maybe")]
    [InlineData("MESOS_AGENT_ENDPOINT", "localhost")]
    public void FromEnvironment_MalformedValue_NamesVariableAndValue(string name, string value)
    {
        var env = AgentEnvironment();
        env[name] = value;

        var error = Assert.Throws<ExecutorSettingsException>(() => ExecutorSettings.FromEnvironment(env));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_Token_IsKeptButSecret()
    {
        var env = AgentEnvironment();
        env["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"] = "s3cr3t";

        var settings = ExecutorSettings.FromEnvironment(env);

        Assert.Equal("s3cr3t", settings.AuthenticationToken);
        Assert.Contains("MESOS_EXECUTOR_AUTHENTICATION_TOKEN", ExecutorSettings.SecretVariables);
        Assert.DoesNotContain("s3cr3t", settings.ToString(), StringComparison.Ordinal);
    }
}
