using System.Globalization;
using Drover.Mesos;

namespace Drover.Scheduler.Configuration;

/// <summary>
/// The program's settings: flags (<c>--name value</c>), each with an environment fallback
/// (<c>DROVER_NAME</c>, dashes as underscores). Every value is checked here, with an error naming the flag.
/// </summary>
public sealed record SchedulerSettings
{
    public string Command { get; init; } = "run";

    /// <summary>"h1:5050,h2:5050" or "zk://h1:2181,h2:2181/mesos".</summary>
    public string Master { get; init; } = "";

    public string ZooKeeper { get; init; } = "";

    public string ZooKeeperRoot { get; init; } = "/drover";

    /// <summary>A file holding the framework's ZooKeeper digest "user:password"; null: open ACLs.</summary>
    public string? ZooKeeperDigestFile { get; init; }

    public TimeSpan ZooKeeperSessionTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public required SchedulerOptions Options { get; init; }

    /// <summary>A file holding the principal's secret (HTTP basic authentication to the master).</summary>
    public string? SecretFile { get; init; }

    /// <summary>Where the operator API, console and /metrics listen (host:port; <c>--api-listen</c>).</summary>
    public string ApiListen { get; init; } = DefaultApiListen;

    /// <summary>A file holding the operator API's bearer token; null: no token (then only a loopback address is allowed).</summary>
    public string? ApiTokenFile { get; init; }

    /// <summary>Masters older than this are refused (the features the scheduler uses need it).</summary>
    public string MinimumMasterVersion { get; init; } = Drover.Mesos.Scheduler.SchedulerClientOptions.DefaultMinimumMasterVersion;

    public const string DefaultApiListen = "127.0.0.1:8090";

    /// <summary>reset-framework: the framework id the operator confirms.</summary>
    public string? Confirm { get; init; }

    public bool Debug { get; init; }

    public const string Usage = """
        usage: drover-scheduler [run] --master <h:p,...|zk://h:p,.../mesos> --zk <h:p,...> --executor-uri <tarball> [options]
               drover-scheduler reset-framework --zk <h:p,...> --framework <name> --confirm <framework id>

        options (each also from the environment: DROVER_<NAME>, e.g. DROVER_ZK_ROOT):
          --zk-root <path>             ZooKeeper root (default /drover); state under <root>/<framework>/scheduler
          --zk-digest-file <file>      the framework's ZooKeeper digest user:password (default: open ACLs)
          --zk-session-timeout <dur>   default 10secs
          --framework <name>           framework name: its own clusters, state and reservation labels (default drover)
          --role <role>                Mesos role to reserve in (default drover)
          --principal <principal>      framework principal; --secret-file <file> holds its secret
          --user <user>                FrameworkInfo.user (default: the agents' choice)
          --failover-timeout <dur>     default 1weeks
          --executor-uri <uri>         the drover-executor tarball the agents fetch and extract
          --executor-command <cmd>     default ./drover-executor
          --executor-cpus <n>          default 0.1; --executor-mem <MB> default 64; --executor-disk <MB> default 16
          --registry-zk <h:p,...>      ZooKeeper for the node registry (default: --zk)
          --api-listen <host:port>     operator API, web console and /metrics (default 127.0.0.1:8090)
          --api-token-file <file>      the API's bearer token (required for a non-loopback --api-listen)
          --hostname <name>            FrameworkInfo.hostname
          --webui-url <url>            FrameworkInfo.webui_url: the Mesos UI links to it (the console)
          --min-master-version <v>     refuse older masters (default 1.9.0)
          --refuse-seconds <dur>       how long declined resources stay away (default 60secs)
          --debug                      debug logging
        """;

    public static SchedulerSettings Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var command = "run";
        var debug = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (i == 0 && !arg.StartsWith('-'))
            {
                command = arg is "run" or "reset-framework" ? arg : throw new SettingsException($"unknown command '{arg}'");
                continue;
            }

            if (arg == "--debug")
            {
                debug = true;
                continue;
            }

            if (arg is "--help" or "-h")
            {
                throw new SettingsException("");
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || !Known.Contains(arg[2..]))
            {
                throw new SettingsException($"unknown option '{arg}'");
            }

            if (i + 1 >= args.Count)
            {
                throw new SettingsException($"{arg} needs a value");
            }

            values[arg[2..]] = args[++i];
        }

        string? Get(string name) => values.TryGetValue(name, out var value) ? value
            : environment("DROVER_" + name.Replace('-', '_').ToUpperInvariant()) is { Length: > 0 } env ? env : null;
        string Required(string name) => Get(name) ?? throw new SettingsException($"--{name} is required");

        var framework = Get("framework") ?? "drover";
        try
        {
            Drover.Registry.RegistryPaths.ValidateName(framework, "framework name");
        }
        catch (ArgumentException e)
        {
            throw new SettingsException($"--framework: {e.Message}");
        }

        var zk = Required("zk");
        var options = new SchedulerOptions
        {
            Framework = framework,
            Role = Get("role") ?? "drover",
            Principal = Get("principal"),
            User = Get("user") ?? "",
            FailoverTimeout = Duration(Get("failover-timeout"), "failover-timeout", SchedulerOptions.DefaultFailoverTimeout),
            Hostname = Get("hostname"),
            ExecutorUri = command == "run" ? Required("executor-uri") : Get("executor-uri") ?? "",
            ExecutorCommand = Get("executor-command") ?? "./drover-executor",
            ExecutorCpus = Number(Get("executor-cpus"), "executor-cpus", 0.1, 0.01, 64),
            ExecutorMem = Number(Get("executor-mem"), "executor-mem", 64, 16, 65536),
            ExecutorDisk = Number(Get("executor-disk"), "executor-disk", 16, 1, 1 << 20),
            RegistryConnect = Get("registry-zk") ?? zk,
            RegistryRoot = Get("zk-root") ?? "/drover",
            WebUiUrl = Get("webui-url"),
            DeclineRefuse = Duration(Get("refuse-seconds"), "refuse-seconds", TimeSpan.FromSeconds(60)),
        };
        var settings = new SchedulerSettings
        {
            Command = command,
            Master = command == "run" ? Required("master") : Get("master") ?? "",
            ZooKeeper = zk,
            ZooKeeperRoot = Get("zk-root") ?? "/drover",
            ZooKeeperDigestFile = Get("zk-digest-file"),
            ZooKeeperSessionTimeout = Duration(Get("zk-session-timeout"), "zk-session-timeout", TimeSpan.FromSeconds(10)),
            Options = options,
            SecretFile = Get("secret-file"),
            ApiListen = Get("api-listen") ?? DefaultApiListen,
            ApiTokenFile = Get("api-token-file"),
            MinimumMasterVersion = Get("min-master-version") ?? Drover.Mesos.Scheduler.SchedulerClientOptions.DefaultMinimumMasterVersion,
            Confirm = Get("confirm"),
            Debug = debug,
        };
        if (command == "reset-framework" && settings.Confirm is null)
        {
            throw new SettingsException("reset-framework needs --confirm <framework id>: the id it forgets, as a deliberate act");
        }

        if (Drover.Mesos.Scheduler.MasterVersion.TryParse(settings.MinimumMasterVersion) is null)
        {
            throw new SettingsException($"--min-master-version: '{settings.MinimumMasterVersion}' is not a Mesos version such as 1.9.0");
        }

        if (settings.SecretFile is not null && options.Principal is null)
        {
            throw new SettingsException("--secret-file needs --principal: the master authenticates the principal with that secret");
        }

        if (command == "run")
        {
            try
            {
                _ = Drover.Mesos.Scheduler.MasterAddress.Parse(settings.Master);
            }
            catch (FormatException e)
            {
                throw new SettingsException($"--master: {e.Message}");
            }
        }

        try
        {
            _ = Drover.ZooKeeper.ConnectString.Parse(zk);
            Drover.ZooKeeper.ZooKeeperPath.Validate(settings.ZooKeeperRoot);
        }
        catch (ArgumentException e)
        {
            throw new SettingsException($"--zk/--zk-root: {e.Message}");
        }

        return settings;
    }

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "master", "zk", "zk-root", "zk-digest-file", "zk-session-timeout", "framework", "role", "principal", "secret-file",
        "user", "failover-timeout", "executor-uri", "executor-command", "executor-cpus", "executor-mem", "executor-disk",
        "registry-zk", "api-listen", "api-token-file", "hostname", "webui-url", "min-master-version", "refuse-seconds", "confirm",
    };

    private static TimeSpan Duration(string? text, string name, TimeSpan fallback)
    {
        if (text is null)
        {
            return fallback;
        }

        return MesosDuration.TryParse(text, out var value, out var why) && value > TimeSpan.Zero
            ? value
            : throw new SettingsException($"--{name}: '{text}' is not a positive duration such as 30secs or 1weeks ({why})");
    }

    private static double Number(string? text, string name, double fallback, double min, double max)
    {
        if (text is null)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new SettingsException($"--{name}: '{text}' is not a number in {min}..{max}");
    }
}

/// <summary>Bad command line; an empty message means "show the usage".</summary>
public sealed class SettingsException : Exception
{
    public SettingsException()
    {
    }

    public SettingsException(string message)
        : base(message)
    {
    }

    public SettingsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
