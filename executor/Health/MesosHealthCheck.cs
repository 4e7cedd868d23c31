using Drover.Executor.Core;
using Drover.Executor.Tasks;
using Drover.Mesos.V1;

namespace Drover.Executor.Health;

/// <summary>TaskInfo.health_check as a <see cref="HealthCheckDefinition"/>, validated as Mesos' validation::healthCheck does.</summary>
public static class MesosHealthCheck
{
    /// <summary>The check, or a <see cref="LaunchException"/> with the reason the task fails at launch.</summary>
    public static HealthCheckDefinition From(HealthCheck check, LaunchPlan plan, IOrphanGuard? guard)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(plan);
        var (kind, probe) = check.Type switch
        {
            HealthCheck.Types.Type.Command => (HealthCheckKind.Command, (IHealthProbe)Command(check.Command, plan, guard)),
            HealthCheck.Types.Type.Http => (HealthCheckKind.Http, (IHealthProbe)Http(check.Http)),
            HealthCheck.Types.Type.Tcp => (HealthCheckKind.Tcp, (IHealthProbe)Tcp(check.Tcp)),
            _ => throw new LaunchException("TaskInfo.health_check has no type (COMMAND, HTTP or TCP)"),
        };

        return new HealthCheckDefinition
        {
            Name = "mesos-" + kind.ToString().ToLowerInvariant(),
            Kind = kind,
            Probe = probe,
            Delay = Seconds(check.DelaySeconds, "delay_seconds"),
            Interval = Seconds(check.IntervalSeconds, "interval_seconds"),
            Timeout = check.TimeoutSeconds == 0 ? null : Seconds(check.TimeoutSeconds, "timeout_seconds"),
            Grace = Seconds(check.GracePeriodSeconds, "grace_period_seconds"),
            ConsecutiveFailures = (int)Math.Min(check.ConsecutiveFailures, int.MaxValue),
        };
    }

    private static CommandProbe Command(CommandInfo? command, LaunchPlan plan, IOrphanGuard? guard)
    {
        if (command is null)
        {
            throw new LaunchException("a COMMAND health check needs a command");
        }

        var (executable, argv) = LaunchPlanner.CommandLine(command.Shell, command.Value, command.Arguments);
        var variables = (command.Environment?.Variables ?? []).Select(v => KeyValuePair.Create(v.Name, v.Value));
        return new CommandProbe(executable, argv, CheckEnvironment(plan, variables), plan.WorkingDirectory, guard);
    }

    /// <summary>A command check's environment: the service's, then the check's own variables.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> CheckEnvironment(LaunchPlan plan, IEnumerable<KeyValuePair<string, string>> own)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(own);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in plan.Environment)
        {
            environment[name] = value;
        }

        foreach (var (name, value) in own)
        {
            environment[name] = value;
        }

        return [.. environment];
    }

    private static HttpProbe Http(HealthCheck.Types.HTTPCheckInfo? http)
    {
        if (http is null)
        {
            throw new LaunchException("an HTTP health check needs 'http'");
        }

        var scheme = http.HasScheme ? http.Scheme : "http";
        if (scheme is not ("http" or "https"))
        {
            throw new LaunchException($"HTTP health check scheme '{scheme}' is neither 'http' nor 'https'");
        }

        var path = http.HasPath ? http.Path : "";
        if (path.Length > 0 && path[0] != '/')
        {
            throw new LaunchException($"HTTP health check path '{path}' does not start with '/'");
        }

        return new HttpProbe(scheme, Port(http.Port), path, [.. http.Statuses.Select(s => (int)s)]);
    }

    private static TcpProbe Tcp(HealthCheck.Types.TCPCheckInfo? tcp) =>
        tcp is null ? throw new LaunchException("a TCP health check needs 'tcp'") : new TcpProbe(Port(tcp.Port));

    private static int Port(uint port) =>
        port is > 0 and <= 65535 ? (int)port : throw new LaunchException($"health check port {port} is not a TCP port");

    private static TimeSpan Seconds(double value, string field) =>
        double.IsFinite(value) && value >= 0 && value < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(value)
            : throw new LaunchException($"health check {field} = {value} must be a non-negative number of seconds");
}
