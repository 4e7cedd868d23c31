using System.Globalization;
using Drover.Executor.Health;
using Drover.Posix;
using Drover.V1;

namespace Drover.Executor.Personalities.Riak;

/// <summary>
/// Riak KV: renders &lt;config&gt;/riak/riak.conf and runs `&lt;install&gt;/bin/riak console -noinput` in the
/// foreground, Erlang distribution on the task's 'disterl' port, registered with cEPMD on its 'epmd' port.
/// </summary>
/// <remarks>
/// <para><b>Ports</b> (TaskInfo.discovery.ports): http (listener.http.internal, and the /ping check), pb
/// (listener.protobuf.internal), handoff (handoff.port), disterl (erlang.distribution.port_range.minimum =
/// maximum) and epmd (ERL_EPMD_PORT: the executor serves cEPMD there).</para>
/// <para><b>Where Riak finds riak.conf.</b> Riak's start scripts read `$RUNNER_ETC_DIR/riak.conf`. The relx and
/// cuttlefish start scripts take RUNNER_ETC_DIR from the environment (`RUNNER_ETC_DIR=${RUNNER_ETC_DIR:-…/etc}`);
/// node_package builds of Riak 2 write the path into bin/riak at package time. We set RUNNER_ETC_DIR (and
/// RUNNER_LOG_DIR, RUNNER_GEN_DIR so generated configs and logs stay per node, out of a shared install), and
/// require of the install that its bin/riak honour it: a stock node_package bin/riak needs its
/// `RUNNER_ETC_DIR=` line changed to that `${RUNNER_ETC_DIR:-…}` form once, when the install is made.</para>
/// <para><b>NodeSpec.config</b>: `cookie` (distributed_cookie; default <see cref="RiakSettings.DefaultCookie"/>),
/// `ring_size` (default 64, a power of 2 from 8 to 1024), `storage_backend` (default bitcask), `listen_address`
/// (default 0.0.0.0), `admin_command` (riak-admin or "riak admin"), `otp_release` (21 or later: the node loads
/// Drover's EPMD module through ERL_FLAGS, `-epmd_module drover_epmd -pa &lt;dir&gt;`, and reaches peers whatever
/// their epmd port), `riak.conf.&lt;key&gt;` for any other riak.conf key, and the `health.*` timing keys. Other keys
/// are not read.</para>
/// <para><b>Stopping.</b> No stop step: since OTP 19 an Erlang node answers SIGTERM with init:stop(), the
/// orderly shutdown `riak stop` asks for through nodetool; leaving the cluster (`cluster leave`) is a
/// membership change an operator decides, not a side effect of a kill.</para>
/// </remarks>
public sealed class RiakPersonality : IPersonality
{
    public const string PingCheckName = "riak-ping";

    /// <summary>Output kept from one admin command (the end of it, when longer).</summary>
    public const int AdminOutputBytes = RiakAdmin.MaxOutputBytes;

    private readonly CommandRun _run;

    public RiakPersonality()
        : this(CommandRunner.RunAsync)
    {
    }

    /// <summary>With another way of running admin commands (tests and tools that cannot run the executor's reaper).</summary>
    public RiakPersonality(CommandRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        _run = run;
    }

    public ServiceKind Kind => ServiceKind.Riak;

    public ServicePlan Plan(PersonalityContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = RiakSettings.From(context);
        var environment = Environment(context, settings);
        var probe = new RiakPingProbe(settings.HttpPort);
        var check = HealthOverrides.Apply(
            new HealthCheckDefinition
            {
                Name = PingCheckName,
                Kind = HealthCheckKind.Custom,
                Probe = probe,
                Delay = RiakHealthTiming.Delay,
                Interval = RiakHealthTiming.Interval,
                Timeout = RiakHealthTiming.Timeout,
                Grace = RiakHealthTiming.Grace,
                ConsecutiveFailures = RiakHealthTiming.ConsecutiveFailures,
            },
            context);

        // Admin commands see what the node sees: riak.conf through RUNNER_ETC_DIR, cEPMD through ERL_EPMD_PORT.
        var adminEnvironment = new Dictionary<string, string>(context.Environment, StringComparer.Ordinal);
        foreach (var (name, value) in environment)
        {
            adminEnvironment[name] = value;
        }

        var admin = new RiakAdmin(settings, [.. adminEnvironment.OrderBy(kv => kv.Key, StringComparer.Ordinal)], context.Sandbox, _run);
        var describedAs = $"node {context.Node.Node} of cluster {context.Node.Cluster} (task {context.TaskId})";
        return new ServicePlan
        {
            Executable = settings.InstallDirectory + "/bin/riak",
            Arguments = [settings.InstallDirectory + "/bin/riak", "console", "-noinput"],
            Environment = environment,
            Files =
            [
                // 0600: it holds the cookie.
                new RenderedFile("riak/" + RiakConf.FileName, RiakConf.Render(settings, describedAs), UnixFileMode.UserRead | UnixFileMode.UserWrite),
            ],
            Directories = [settings.DataDirectory, settings.LogDirectory, settings.GeneratedDirectory],
            HealthChecks = [check],
            AdminOperations = admin.Operations(),
            Resources = [probe],
        };
    }

    private static Dictionary<string, string> Environment(PersonalityContext context, RiakSettings settings)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // The executor's cEPMD integration sets the same value; the node registers and resolves peers there.
            ["ERL_EPMD_PORT"] = settings.EpmdPort.ToString(CultureInfo.InvariantCulture),
            ["RUNNER_ETC_DIR"] = settings.EtcDirectory,
            ["RUNNER_LOG_DIR"] = settings.LogDirectory,
            ["RUNNER_GEN_DIR"] = settings.GeneratedDirectory,
        };

        // erlexec refuses to start without HOME, and Mesos gives executors none.
        if (!context.Environment.ContainsKey("HOME"))
        {
            environment["HOME"] = context.Sandbox;
        }

        if (settings.EpmdModuleDirectory is { } directory)
        {
            // erlexec adds ERL_FLAGS to every erl it starts: the node, and riak-admin's nodetool alike.
            var flags = $"-epmd_module {RiakSettings.EpmdModule} -pa {directory}";
            environment["ERL_FLAGS"] = context.Environment.TryGetValue("ERL_FLAGS", out var existing) && existing.Trim().Length > 0
                ? existing.Trim() + " " + flags
                : flags;
        }

        return environment;
    }
}
