using System.Globalization;
using Drover.Executor.Personalities;
using Drover.Executor.Personalities.Cassandra;
using Drover.Executor.Tasks;
using Drover.Jmx;
using Drover.Posix;
using Drover.V1;

namespace Drover.Executor.Health;

/// <summary>
/// NodeSpec.health_checks (drover.v1.CheckSpec) as <see cref="HealthCheckDefinition"/>s, validated like
/// TaskInfo.health_check: a check naming a port the task does not have, or with no kind, fails the launch.
/// JMX checks get one JMX helper per port and credentials, returned as resources that live with the task.
/// </summary>
public static class CheckSpecs
{
    public static (IReadOnlyList<HealthCheckDefinition> Checks, IReadOnlyList<IAsyncDisposable> Resources) Definitions(
        IEnumerable<CheckSpec> specs, PersonalityContext context, LaunchPlan plan)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var result = new List<HealthCheckDefinition>();
        var helpers = new Dictionary<string, JmxHelper>(StringComparer.Ordinal);
        var index = 0;
        foreach (var spec in specs)
        {
            index++;
            result.Add(Definition(spec, index, context, plan, helpers));
        }

        return (result, [.. helpers.Values]);
    }

    private static HealthCheckDefinition Definition(CheckSpec spec, int index, PersonalityContext context, LaunchPlan plan, Dictionary<string, JmxHelper> helpers)
    {
        var label = spec.Name.Length > 0 ? spec.Name : $"health_checks[{index - 1}]";
        var timeout = Duration(spec.Timeout, TimeSpan.FromSeconds(20), label, "timeout");
        var (kind, probe) = spec.KindCase switch
        {
            CheckSpec.KindOneofCase.Http => (HealthCheckKind.Http, (IHealthProbe)Http(spec.Http, label, context)),
            CheckSpec.KindOneofCase.Tcp => (HealthCheckKind.Tcp, (IHealthProbe)new TcpProbe(Port(spec.Tcp.Port, label, context))),
            CheckSpec.KindOneofCase.Command => (HealthCheckKind.Command, (IHealthProbe)Command(spec.Command, plan, context)),
            CheckSpec.KindOneofCase.Jmx => (HealthCheckKind.Jmx, (IHealthProbe)Jmx(spec.Jmx, label, context, plan, helpers)),
            CheckSpec.KindOneofCase.Nodetool => (HealthCheckKind.Nodetool, (IHealthProbe)Nodetool(spec.Nodetool, label, context, plan, timeout)),
            _ => throw new LaunchException($"NodeSpec health check '{label}' has no kind (http, tcp, command, jmx or nodetool)"),
        };

        return new HealthCheckDefinition
        {
            Name = spec.Name.Length > 0 ? spec.Name : spec.KindCase.ToString().ToLowerInvariant(),
            Kind = kind,
            Probe = probe,
            Delay = Duration(spec.Delay, TimeSpan.FromSeconds(15), label, "delay"),
            Interval = Duration(spec.Interval, TimeSpan.FromSeconds(10), label, "interval"),
            Timeout = timeout,
            Grace = Duration(spec.GracePeriod, TimeSpan.FromSeconds(10), label, "grace_period"),
            ConsecutiveFailures = spec.ConsecutiveFailures == 0 ? 3 : (int)Math.Min(spec.ConsecutiveFailures, int.MaxValue),
        };
    }

    private static HttpProbe Http(HttpCheck http, string label, PersonalityContext context)
    {
        var scheme = http.Scheme.Length > 0 ? http.Scheme : "http";
        if (scheme is not ("http" or "https"))
        {
            throw new LaunchException($"NodeSpec health check '{label}': scheme '{scheme}' is neither 'http' nor 'https'");
        }

        if (http.Path.Length > 0 && http.Path[0] != '/')
        {
            throw new LaunchException($"NodeSpec health check '{label}': path '{http.Path}' does not start with '/'");
        }

        return new HttpProbe(scheme, Port(http.Port, label, context), http.Path, [.. http.Statuses.Select(s => (int)s)], http.BodyContains.Length > 0 ? http.BodyContains : null);
    }

    private static CommandProbe Command(CommandSpec command, LaunchPlan plan, PersonalityContext context)
    {
        var (executable, argv) = LaunchPlanner.CommandLine(command.Shell, command.Value, command.Arguments);
        return new CommandProbe(executable, argv, MesosHealthCheck.CheckEnvironment(plan, command.Environment), plan.WorkingDirectory, context.Guard);
    }

    private static JmxProbe Jmx(JmxCheck jmx, string label, PersonalityContext context, LaunchPlan plan, Dictionary<string, JmxHelper> helpers)
    {
        var port = Port(jmx.Port, label, context);
        if (jmx.Mbean.Length == 0 || jmx.Predicates.Count == 0)
        {
            throw new LaunchException($"NodeSpec health check '{label}': a JMX check needs an mbean and at least one predicate");
        }

        if (context.JmxHelperJar is not { } jar)
        {
            throw new LaunchException($"NodeSpec health check '{label}': drover-jmx-helper.jar is missing beside drover-executor (or DROVER_JMX_HELPER)");
        }

        JmxAttributeCheck check;
        try
        {
            check = new JmxAttributeCheck(jmx.Mbean, [.. jmx.Predicates.Select(p => JmxCondition.Create(p.Attribute, Comparison(p.Operator), p.Value))]);
        }
        catch (ArgumentException e)
        {
            throw new LaunchException($"NodeSpec health check '{label}': {e.Message}");
        }

        var credentials = jmx.Username.Length > 0 ? new JmxCredentials(jmx.Username, jmx.Password) : null;
        var key = string.Create(CultureInfo.InvariantCulture, $"{port}\n{jmx.Username}\n{jmx.Password}");
        if (!helpers.TryGetValue(key, out var helper))
        {
            var java = context.Node.JavaHome is { Length: > 0 } home ? Path.Combine(home, "bin", "java") : "java";
            helper = new JmxHelper(JmxHelperOptions.ForJar(java, jar, string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}"), plan.Environment, credentials) with
            {
                WorkingDirectory = context.Sandbox,
            });
            helpers[key] = helper;
        }

        return new JmxProbe(helper, check);
    }

    private static JmxComparison Comparison(JmxPredicate.Types.Operator op) => op switch
    {
        JmxPredicate.Types.Operator.Equals => JmxComparison.Equals,
        JmxPredicate.Types.Operator.NotEquals => JmxComparison.NotEquals,
        JmxPredicate.Types.Operator.GreaterThan => JmxComparison.GreaterThan,
        JmxPredicate.Types.Operator.LessThan => JmxComparison.LessThan,
        _ => throw new LaunchException($"JMX predicate operator {(int)op} is unknown"),
    };

    /// <summary>The service's own nodetool (`info`, parsed as the Cassandra personality does), through CommandRunner.</summary>
    private static CassandraNodetoolProbe Nodetool(NodetoolCheck nodetool, string label, PersonalityContext context, LaunchPlan plan, TimeSpan timeout)
    {
        var port = Port(nodetool.Port, label, context);
        var path = nodetool.Nodetool.Length > 0 ? nodetool.Nodetool
            : context.Node.InstallDir.Length > 0 ? Path.Combine(context.Node.InstallDir, "bin", "nodetool")
            : throw new LaunchException($"NodeSpec health check '{label}': say where nodetool is (nodetool, or NodeSpec.install_dir)");
        var runner = new CassandraNodetool(path, port, plan.Environment, plan.WorkingDirectory, CommandRunner.RunAsync);
        return new CassandraNodetoolProbe(runner, timeout);
    }

    private static int Port(string name, string label, PersonalityContext context) =>
        name.Length == 0
            ? throw new LaunchException($"NodeSpec health check '{label}' names no port")
            : context.Ports.TryGetValue(name, out var port)
                ? port
                : throw new LaunchException($"NodeSpec health check '{label}' uses port '{name}', which is not among the task's named ports");

    private static TimeSpan Duration(Google.Protobuf.WellKnownTypes.Duration? value, TimeSpan fallback, string label, string field)
    {
        if (value is null)
        {
            return fallback;
        }

        var span = value.ToTimeSpan();
        return span >= TimeSpan.Zero ? span : throw new LaunchException($"NodeSpec health check '{label}': {field} is negative");
    }
}
