using Drover.Mesos.V1;
using Drover.Testing;
using static Drover.Executor.Tests.EndToEnd.ExecutorHarness;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.Executor.Tests.EndToEnd;

/// <summary>TaskInfo.health_check honoured for plain command tasks, by Mesos' health-checker rules.</summary>
public class HealthCheckTests
{
    private static HealthCheck CommandCheck(string command, double interval = 0.1, double grace = 0, uint failures = 3, double timeout = 5) => new()
    {
        Type = HealthCheck.Types.Type.Command,
        Command = new CommandInfo { Value = command },
        DelaySeconds = 0,
        IntervalSeconds = interval,
        GracePeriodSeconds = grace,
        ConsecutiveFailures = failures,
        TimeoutSeconds = timeout,
    };

    [Fact]
    public async Task CommandCheck_Passing_ReportsHealthyOnce()
    {
        await using var h = await StartAsync();
        var task = CommandTask("t1", "touch ok; exec sleep 1000");
        task.HealthCheck = CommandCheck("test -f ok && echo probe >> probes", grace: 10); // a probe may run before `touch`
        await h.LaunchAsync(task);

        var healthy = await h.WaitForUpdateAsync("t1", u => u.HasHealthy && u.Healthy);
        var probes = Path.Combine(h.Sandbox, "probes");
        await Eventually.TrueAsync(() => File.Exists(probes) && File.ReadAllLines(probes).Length >= 6, "five more passing probes", WaitTimeout); // none of them is reported

        Assert.Equal(TaskStatus.Types.Reason.TaskHealthCheckStatusUpdated, healthy.Reason);
        Assert.Equal(TaskState.TaskRunning, healthy.State);
        Assert.Single(h.UpdatesOf("t1"), u => u.HasHealthy);
    }

    [Fact]
    public async Task CommandCheck_Failing_ReportsEachFailure_ThenKillsUnhealthy()
    {
        await using var h = await StartAsync();
        var task = CommandTask("t1", "exec sleep 1000");
        task.HealthCheck = CommandCheck("test -f never", failures: 3);
        await h.LaunchAsync(task);

        var killed = await h.WaitForStateAsync("t1", TaskState.TaskKilled);

        var unhealthy = h.UpdatesOf("t1").Where(u => u.State == TaskState.TaskRunning && u.HasHealthy).ToList();
        Assert.Equal(3, unhealthy.Count);
        Assert.All(unhealthy, u => Assert.False(u.Healthy));
        Assert.All(unhealthy, u => Assert.Equal("COMMAND health check failed: Command returned exited with status 1", u.Message));
        Assert.True(killed.HasHealthy && !killed.Healthy, "the terminal update of a task killed by its health check says healthy = false");
    }

    [Fact]
    public async Task CommandCheck_Hanging_TimesOutAsAFailure()
    {
        await using var h = await StartAsync();
        var task = CommandTask("t1", "exec sleep 1000");
        task.HealthCheck = CommandCheck("sleep 600", failures: 1, timeout: 0.3);
        await h.LaunchAsync(task);

        var unhealthy = await h.WaitForUpdateAsync("t1", u => u.HasHealthy && !u.Healthy);
        await h.WaitForStateAsync("t1", TaskState.TaskKilled);

        Assert.Contains("has not returned", unhealthy.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandCheck_GracePeriod_IgnoresEarlyFailures()
    {
        await using var h = await StartAsync();
        // The service becomes healthy after 0.7 s; the grace period (5 s) covers the failures before.
        var task = CommandTask("t1", "sleep 0.7; touch ok; exec sleep 1000");
        task.HealthCheck = CommandCheck("test -f ok", grace: 5, failures: 1);
        await h.LaunchAsync(task);

        await h.WaitForUpdateAsync("t1", u => u.HasHealthy && u.Healthy);

        Assert.DoesNotContain(h.UpdatesOf("t1"), u => u.HasHealthy && !u.Healthy);
        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskRunning], h.StatesOf("t1"));
    }

    [Fact]
    public async Task CommandCheck_RecoveringService_ReportsHealthyAgainAfterFailures()
    {
        await using var h = await StartAsync();
        var task = CommandTask("t1", "touch ok; sleep 0.5; rm ok; sleep 0.5; touch ok; exec sleep 1000");
        task.HealthCheck = CommandCheck("test -f ok", interval: 0.1, grace: 10, failures: 100);
        await h.LaunchAsync(task);

        await h.WaitForUpdateAsync("t1", u => u.HasHealthy && !u.Healthy);
        await h.WaitForUpdateAsync("t1", u => u.HasHealthy && u.Healthy && h.UpdatesOf("t1").Any(x => x.HasHealthy && !x.Healthy && x.Timestamp < u.Timestamp));

        var healthFlags = h.UpdatesOf("t1").Where(u => u.HasHealthy).Select(u => u.Healthy).ToList();
        Assert.True(healthFlags[0]);
        Assert.Contains(false, healthFlags);
        Assert.True(healthFlags[^1]);
    }

    [Fact]
    public async Task HttpAndTcpChecks_AgainstARealServer()
    {
        await using var h = await StartAsync();
        var (webPort, dataPort) = (FreePort.Next(), FreePort.Next());
        var http = CommandTask("web", "exec /usr/bin/python3 -m http.server --bind 127.0.0.1 $PORT_HTTP", ports: [("http", webPort)]);
        http.HealthCheck = new HealthCheck
        {
            Type = HealthCheck.Types.Type.Http,
            Http = new HealthCheck.Types.HTTPCheckInfo { Port = (uint)webPort, Path = "/" },
            DelaySeconds = 0,
            IntervalSeconds = 0.2,
            GracePeriodSeconds = 30,
        };
        var tcp = CommandTask("tcp", "exec /usr/bin/python3 -m http.server --bind 127.0.0.1 $PORT_DATA", ports: [("data", dataPort)]);
        tcp.HealthCheck = new HealthCheck
        {
            Type = HealthCheck.Types.Type.Tcp,
            Tcp = new HealthCheck.Types.TCPCheckInfo { Port = (uint)dataPort },
            DelaySeconds = 0,
            IntervalSeconds = 0.2,
            GracePeriodSeconds = 30,
        };
        await h.LaunchAsync(http);
        await h.LaunchAsync(tcp);

        await h.WaitForUpdateAsync("web", u => u.HasHealthy && u.Healthy);
        await h.WaitForUpdateAsync("tcp", u => u.HasHealthy && u.Healthy);
    }

    [Fact]
    public async Task InvalidHealthCheck_FailsTheTaskAtLaunch()
    {
        await using var h = await StartAsync();
        var task = CommandTask("t1", "exec sleep 1000");
        task.HealthCheck = new HealthCheck { Type = HealthCheck.Types.Type.Http, Http = new HealthCheck.Types.HTTPCheckInfo { Port = 80, Path = "no-slash" } };
        await h.LaunchAsync(task);

        var failed = await h.WaitForStateAsync("t1", TaskState.TaskFailed);
        Assert.Contains("does not start with '/'", failed.Message, StringComparison.Ordinal);
    }
}
