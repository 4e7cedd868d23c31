using Drover.Executor.Health;
using Drover.Executor.Tasks;
using Drover.Jmx;
using Drover.Posix;
using Drover.V1;

namespace Drover.Executor.Personalities.Cassandra;

/// <summary>
/// Apache Cassandra 4: renders &lt;config&gt;/cassandra/ (cassandra.yaml, cassandra-env.sh, the stock jvm*.options
/// and logback files, cassandra-rackdc.properties) and runs `&lt;install&gt;/bin/cassandra -f` with CASSANDRA_CONF
/// pointing there. See README.md beside this file for every choice.
/// </summary>
/// <remarks>
/// <para><b>Ports</b> (TaskInfo.discovery.ports): native (native_transport_port), storage (storage_port), jmx
/// (JMX_PORT in our cassandra-env.sh; LOCAL_JMX=yes, so JMX listens on 127.0.0.1 only).</para>
/// <para><b>Health</b>: `health.check` = jmx (default; StorageService attributes through the persistent JMX
/// helper) or nodetool (`nodetool info` parsed).</para>
/// <para><b>Stop</b>: StorageService.drain (bounded by `drain.timeout`, default 2m), then the executor's SIGTERM.</para>
/// </remarks>
public sealed class CassandraPersonality : IPersonality
{
    public const string JmxCheckName = "cassandra-jmx";
    public const string NodetoolCheckName = "cassandra-nodetool";

    /// <summary>Cassandra takes 30-90 s to open its native transport (commit log replay, gossip settle).</summary>
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(15);

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    /// <summary>Above the helper's own request timeout (10 s), so a hung JMX call is reported by the helper.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(180);

    public const int DefaultConsecutiveFailures = 3;

    /// <summary>Stock conf files copied from the install beside ours (bin/cassandra and cassandra.in.sh read them from CASSANDRA_CONF).</summary>
    public static readonly IReadOnlyList<string> CopiedConfFiles =
    [
        "jvm.options", "jvm-server.options", "jvm-clients.options",
        "jvm8-server.options", "jvm8-clients.options", "jvm11-server.options", "jvm11-clients.options",
        "jvm17-server.options", "jvm17-clients.options", "logback.xml", "logback-tools.xml",
        "hotspot_compiler", "commitlog_archiving.properties", "cassandra-jaas.config",
    ];

    private readonly Func<CommandRequest, CancellationToken, Task<CommandResult>> _run;

    public CassandraPersonality()
        : this(CommandRunner.RunAsync)
    {
    }

    /// <summary>With another way of running nodetool (tests).</summary>
    public CassandraPersonality(Func<CommandRequest, CancellationToken, Task<CommandResult>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        _run = run;
    }

    public ServiceKind Kind => ServiceKind.Cassandra;

    public ServicePlan Plan(PersonalityContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = CassandraSettings.From(context);
        var paths = CassandraPaths.For(context);
        var environment = Environment(context, settings, paths);
        var serviceEnvironment = Merge(context.Environment, environment);
        var nodetool = new CassandraNodetool(
            Path.Combine(settings.InstallDir, "bin", "nodetool"), settings.JmxPort, serviceEnvironment, context.Sandbox, _run);
        var helper = Helper(context, settings, serviceEnvironment);
        var health = Timing(
            settings.HealthCheck == CassandraHealthCheck.Jmx
                ? new HealthCheckDefinition { Name = JmxCheckName, Kind = HealthCheckKind.Jmx, Probe = new CassandraJmxProbe(helper!) }
                : new HealthCheckDefinition
                {
                    Name = NodetoolCheckName,
                    Kind = HealthCheckKind.Nodetool,
                    Probe = new CassandraNodetoolProbe(nodetool, HealthOverrides.Duration(context, HealthOverrides.TimeoutKey) ?? DefaultTimeout),
                },
            context);

        var executable = Path.Combine(settings.InstallDir, "bin", "cassandra");
        return new ServicePlan
        {
            Executable = executable,
            Arguments = [executable, "-f"],
            Environment = environment,
            Files = Files(context, settings, paths),
            Directories = [paths.Conf, paths.Logs, paths.Data, paths.CommitLog, paths.SavedCaches, paths.Hints, paths.CdcRaw],
            WorkingDirectory = context.Sandbox,
            HealthChecks = [health],
            StopSteps =
            [
                new StopStep("drain", settings.DrainTimeout, async cancellation =>
                {
                    var result = await CassandraAdmin.Drain(nodetool, helper, settings.DrainTimeout, cancellation).ConfigureAwait(false);
                    if (!result.Ok)
                    {
                        throw new InvalidOperationException(result.Output);
                    }
                }),
            ],
            AdminOperations = CassandraAdmin.Operations(nodetool, helper, settings.DrainTimeout),
            Resources = helper is null ? [] : [helper],
        };
    }

    private static Dictionary<string, string> Environment(PersonalityContext context, CassandraSettings settings, CassandraPaths paths)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CASSANDRA_HOME"] = settings.InstallDir,
            ["CASSANDRA_CONF"] = paths.Conf,
            ["CASSANDRA_LOG_DIR"] = paths.Logs,
            // JMX on 127.0.0.1 without authentication (the stock default), whatever the agent's environment says.
            ["LOCAL_JMX"] = "yes",
        };
        if (context.Node.JavaHome is { Length: > 0 } javaHome)
        {
            environment["JAVA_HOME"] = javaHome;
        }

        return environment;
    }

    private static List<RenderedFile> Files(PersonalityContext context, CassandraSettings settings, CassandraPaths paths)
    {
        var conf = Path.Combine(settings.InstallDir, "conf");
        var envPath = Path.Combine(conf, "cassandra-env.sh");
        var stockEnv = context.ReadInstallFile(envPath)
            ?? throw new LaunchException($"{envPath} does not exist: NodeSpec.install_dir must be a Cassandra install (bin/cassandra, conf/)");
        var folder = CassandraPaths.ConfFolder;
        var files = new List<RenderedFile>
        {
            new($"{folder}/cassandra.yaml", CassandraYaml.Render(settings, paths)),
            new($"{folder}/cassandra-env.sh", CassandraEnvScript.Render(stockEnv, envPath, settings.JmxPort)),
        };
        if (settings.UsesRackDc)
        {
            files.Add(new($"{folder}/cassandra-rackdc.properties", $"# Rendered by drover-executor.\ndc={settings.DataCenter}\nrack={settings.Rack}\n"));
        }

        var copied = 0;
        foreach (var name in CopiedConfFiles)
        {
            if (context.ReadInstallFile(Path.Combine(conf, name)) is { } content)
            {
                files.Add(new($"{folder}/{name}", content));
                copied += name.StartsWith("jvm", StringComparison.Ordinal) ? 1 : 0;
            }
        }

        return copied > 0
            ? files
            : throw new LaunchException($"{conf} has no jvm-server.options (nor jvm.options): bin/cassandra reads the JVM options from CASSANDRA_CONF, and Drover copies them from the install");
    }

    private static JmxHelper? Helper(PersonalityContext context, CassandraSettings settings, IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        if (context.JmxHelperJar is not { } jar)
        {
            return settings.HealthCheck == CassandraHealthCheck.Jmx
                ? throw new LaunchException("drover-jmx-helper.jar is missing beside drover-executor (or DROVER_JMX_HELPER): the Cassandra JMX health check needs it; set NodeSpec.config['health.check'] = 'nodetool' to check with nodetool instead")
                : null;
        }

        var java = context.Node.JavaHome is { Length: > 0 } home ? Path.Combine(home, "bin", "java") : "java";
        return new JmxHelper(JmxHelperOptions.ForJar(java, jar, $"127.0.0.1:{CassandraSettings.Invariant(settings.JmxPort)}", environment) with
        {
            WorkingDirectory = context.Sandbox,
        });
    }

    private static HealthCheckDefinition Timing(HealthCheckDefinition check, PersonalityContext context) =>
        HealthOverrides.Apply(check with
        {
            Delay = DefaultDelay,
            Interval = DefaultInterval,
            Timeout = DefaultTimeout,
            Grace = DefaultGrace,
            ConsecutiveFailures = DefaultConsecutiveFailures,
        }, context);

    private static List<KeyValuePair<string, string>> Merge(IReadOnlyDictionary<string, string> baseEnvironment, Dictionary<string, string> additions)
    {
        var merged = new Dictionary<string, string>(baseEnvironment, StringComparer.Ordinal);
        foreach (var (name, value) in additions)
        {
            merged[name] = value;
        }

        return [.. merged];
    }
}
