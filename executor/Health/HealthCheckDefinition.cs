using System.Globalization;
using Drover.Executor.Tasks;
using Drover.Mesos.V1;

namespace Drover.Executor.Health;

public enum HealthCheckKind
{
    Command,
    Http,
    Tcp,

    /// <summary>JMX attribute predicates through the node's JMX helper (a <see cref="HealthCheckDefinition.Probe"/>).</summary>
    Jmx,

    /// <summary>The service's own nodetool, output parsed (a <see cref="HealthCheckDefinition.Probe"/>).</summary>
    Nodetool,

    /// <summary>Any other personality probe (HTTP body, ZooKeeper registration...).</summary>
    Custom,
}

/// <summary>
/// One health check of a task, normalized from Mesos' HealthCheck (or, later, from a
/// personality): what to probe and Mesos' timing rules: first probe after Delay, then
/// every Interval; a probe past Timeout failed (null: no timeout); failures before the
/// first success are ignored during Grace; ConsecutiveFailures failures kill the task.
/// </summary>
public sealed record HealthCheckDefinition
{
    public required string Name { get; init; }

    public required HealthCheckKind Kind { get; init; }

    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan? Timeout { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(10);

    public int ConsecutiveFailures { get; init; } = 3;

    /// <summary>HTTP: the URL probed on 127.0.0.1 (as Mesos does, not "localhost").</summary>
    public Uri? Url { get; init; }

    /// <summary>HTTP: text the body must contain (first 64 KiB), e.g. Riak's "OK"; null: any body.</summary>
    public string? BodyContains { get; init; }

    /// <summary>HTTP: the codes that count as healthy; empty = 200-399 after redirects.</summary>
    public IReadOnlyList<int> Statuses { get; init; } = [];

    public int Port { get; init; }

    /// <summary>COMMAND: what to run, in the task's environment.</summary>
    public string? Executable { get; init; }

    public IReadOnlyList<string> Arguments { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    /// <summary>JMX, NODETOOL, CUSTOM: the personality's probe. When set, it runs instead of the built-in kinds.</summary>
    public IHealthProbe? Probe { get; init; }

    /// <summary>
    /// TaskInfo.health_check, validated as Mesos' validation::healthCheck does; an invalid
    /// check fails the task at launch with the reason.
    /// </summary>
    public static HealthCheckDefinition FromMesos(HealthCheck check, LaunchPlan plan)
    {
        var kind = check.Type switch
        {
            HealthCheck.Types.Type.Command => HealthCheckKind.Command,
            HealthCheck.Types.Type.Http => HealthCheckKind.Http,
            HealthCheck.Types.Type.Tcp => HealthCheckKind.Tcp,
            _ => throw new LaunchException("TaskInfo.health_check has no type (COMMAND, HTTP or TCP)"),
        };

        var definition = new HealthCheckDefinition
        {
            Name = "mesos-" + kind.ToString().ToLowerInvariant(),
            Kind = kind,
            Delay = Seconds(check.DelaySeconds, "delay_seconds"),
            Interval = Seconds(check.IntervalSeconds, "interval_seconds"),
            Timeout = check.TimeoutSeconds == 0 ? null : Seconds(check.TimeoutSeconds, "timeout_seconds"),
            Grace = Seconds(check.GracePeriodSeconds, "grace_period_seconds"),
            ConsecutiveFailures = (int)Math.Min(check.ConsecutiveFailures, int.MaxValue),
        };

        return kind switch
        {
            HealthCheckKind.Command => WithCommand(definition, check.Command, plan),
            HealthCheckKind.Http => WithHttp(definition, check.Http),
            _ => WithTcp(definition, check.Tcp),
        };
    }

    private static HealthCheckDefinition WithCommand(HealthCheckDefinition definition, CommandInfo? command, LaunchPlan plan)
    {
        if (command is null)
        {
            throw new LaunchException("a COMMAND health check needs a command");
        }

        var (executable, argv) = LaunchPlanner.CommandLine(command.Shell, command.Value, command.Arguments);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in plan.Environment)
        {
            environment[name] = value;
        }

        foreach (var variable in command.Environment?.Variables ?? [])
        {
            environment[variable.Name] = variable.Value;
        }

        return definition with { Executable = executable, Arguments = argv, Environment = [.. environment] };
    }

    private static HealthCheckDefinition WithHttp(HealthCheckDefinition definition, HealthCheck.Types.HTTPCheckInfo? http)
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

        var port = CheckPort(http.Port);
        return definition with
        {
            Port = port,
            Url = new Uri(string.Create(CultureInfo.InvariantCulture, $"{scheme}://127.0.0.1:{port}{path}")),
            Statuses = [.. http.Statuses.Select(s => (int)s)],
        };
    }

    private static HealthCheckDefinition WithTcp(HealthCheckDefinition definition, HealthCheck.Types.TCPCheckInfo? tcp) =>
        tcp is null
            ? throw new LaunchException("a TCP health check needs 'tcp'")
            : definition with { Port = CheckPort(tcp.Port) };

    private static int CheckPort(uint port) =>
        port is > 0 and <= 65535 ? (int)port : throw new LaunchException($"health check port {port} is not a TCP port");

    private static TimeSpan Seconds(double value, string field) =>
        double.IsFinite(value) && value >= 0 && value < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(value)
            : throw new LaunchException($"health check {field} = {value} must be a non-negative number of seconds");
}
