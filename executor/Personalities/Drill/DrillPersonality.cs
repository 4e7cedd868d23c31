using Drover.Executor.Health;
using Drover.V1;

namespace Drover.Executor.Personalities.Drill;

/// <summary>
/// Apache Drill: one drillbit per task, run in the foreground with `bin/drillbit.sh run` (the mode
/// drillbit.sh documents for supervisors such as Mesos), configured by a rendered drill-override.conf in
/// DRILL_CONF_DIR. See README.md beside this file for the ports, the keys and the checks.
/// </summary>
public sealed class DrillPersonality : IPersonality
{
    public const string HealthCheckName = "drill-status";
    public const string StopStepName = "drill-graceful-shutdown";
    public const string GracefulShutdownOperation = "graceful-shutdown";
    public const string RegistrationOperation = "registration";

    public ServiceKind Kind => ServiceKind.Drill;

    public ServicePlan Plan(PersonalityContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = DrillSettings.From(context);
        var conf = DrillOverrideConf.Render(settings, context.Node.Config);
        var connections = new DrillConnections(settings); // nothing opens before its first use
        var check = HealthOverrides.Apply(DefaultCheck(new DrillHealthProbe(connections)), context);
        var executable = Path.Combine(settings.InstallDir, "bin", "drillbit.sh");
        return new ServicePlan
        {
            Executable = executable,
            Arguments = [executable, "run"],
            Environment = Environment(settings, context),
            Files = [new RenderedFile(Path.Combine("drill", DrillOverrideConf.FileName), conf)],
            Directories = [settings.ConfDir, settings.LogDir, settings.PidDir, settings.TmpDir, settings.SpillDir, settings.LocalStoreDir],
            HealthChecks = [check],
            StopSteps = [new StopStep(StopStepName, settings.StopTimeout, new DrillGracefulShutdown(connections).RunAsync)],
            AdminOperations = AdminOperations(connections),
            Resources = [connections],
        };
    }

    /// <summary>A drillbit takes tens of seconds to start (classpath scan, storage plugins): a long grace.</summary>
    private static HealthCheckDefinition DefaultCheck(DrillHealthProbe probe) => new()
    {
        Name = HealthCheckName,
        Kind = HealthCheckKind.Custom,
        Probe = probe,
        Delay = TimeSpan.FromSeconds(10),
        Interval = TimeSpan.FromSeconds(10),
        Timeout = TimeSpan.FromSeconds(20),
        Grace = TimeSpan.FromSeconds(120),
        ConsecutiveFailures = 3,
    };

    private static Dictionary<string, string> Environment(DrillSettings settings, PersonalityContext context)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DRILL_HOME"] = settings.InstallDir,
            ["DRILL_CONF_DIR"] = settings.ConfDir,
            ["DRILL_LOG_DIR"] = settings.LogDir,
            ["DRILL_PID_DIR"] = settings.PidDir,
            ["DRILL_TMP_DIR"] = settings.TmpDir,
            // What the drillbit advertises in its registration (Drill reads it in Drillbit's constructor);
            // without it Drill guesses from InetAddress.getLocalHost(), which need not be Mesos' hostname.
            ["DRILL_HOST_NAME"] = settings.Host,
        };
        if (context.Node.JavaHome.Length > 0)
        {
            environment["JAVA_HOME"] = context.Node.JavaHome;
        }

        if (context.Node.Config.TryGetValue(DrillSettings.HeapKey, out var heap))
        {
            environment["DRILL_HEAP"] = heap;
        }

        if (context.Node.Config.TryGetValue(DrillSettings.MaxDirectMemoryKey, out var direct))
        {
            environment["DRILL_MAX_DIRECT_MEMORY"] = direct;
        }

        return environment;
    }

    private static AdminOperation[] AdminOperations(DrillConnections connections) =>
    [
        new AdminOperation(
            GracefulShutdownOperation,
            "Asks the drillbit to shut down gracefully (POST /gracefulShutdown): it turns QUIESCENT, finishes its queries, unregisters and exits; the task then ends.",
            TimeSpan.FromSeconds(30),
            async (_, cancellation) =>
            {
                var result = await connections.Http.GracefulShutdownAsync(cancellation).ConfigureAwait(false);
                return new AdminResult(result.Ok, result.Detail);
            }),
        new AdminOperation(
            RegistrationOperation,
            "Shows this drillbit's registration in ZooKeeper (path and state).",
            TimeSpan.FromSeconds(30),
            async (_, cancellation) =>
            {
                var (lookup, detail) = await connections.RegistrationAsync(cancellation).ConfigureAwait(false);
                return new AdminResult(lookup is not null, detail);
            }),
    ];
}
