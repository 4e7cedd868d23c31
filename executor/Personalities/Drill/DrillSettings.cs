using Drover.Executor.Tasks;
using Drover.Registry;

namespace Drover.Executor.Personalities.Drill;

/// <summary>
/// What one drillbit is, from its NodeSpec and ports, validated: a problem is a <see cref="LaunchException"/>
/// naming it. Paths are absolute; <see cref="ZkRoot"/> is Drill's own (a Curator namespace, no slashes at
/// the ends), distinct from Drover's registry root.
/// </summary>
public sealed record DrillSettings
{
    /// <summary>Port names the task must carry in TaskInfo.discovery.ports.</summary>
    public const string UserPortName = "user";
    public const string ControlPortName = "control";
    public const string DataPortName = "data";
    public const string HttpPortName = "http";

    /// <summary>NodeSpec.config keys this personality reads (beyond health.* and drill.* overrides).</summary>
    public const string ClusterIdKey = "cluster_id";
    public const string ZkRootKey = "zk_root";
    public const string HeapKey = "heap";
    public const string MaxDirectMemoryKey = "max_direct_memory";
    public const string StopTimeoutKey = "stop_timeout";

    /// <summary>Drill's default drill.exec.zk.root.</summary>
    public const string DefaultZkRoot = "drill";

    /// <summary>As drillbit.sh's DRILL_STOP_TIMEOUT: how long a graceful shutdown may take before SIGTERM.</summary>
    public static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(120);

    public required string InstallDir { get; init; }
    public required string ClusterId { get; init; }
    public required string ZkConnect { get; init; }
    public required string ZkRoot { get; init; }
    public DigestCredentials? ZkCredentials { get; init; }
    public TimeSpan ZkSessionTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public required string Host { get; init; }
    public required int UserPort { get; init; }
    public required int ControlPort { get; init; }
    public required int DataPort { get; init; }
    public required int HttpPort { get; init; }

    /// <summary>DRILL_CONF_DIR: &lt;sandbox&gt;/drover/drill, holding drill-override.conf.</summary>
    public required string ConfDir { get; init; }
    public required string LogDir { get; init; }
    public required string PidDir { get; init; }
    public required string TmpDir { get; init; }
    public required string SpillDir { get; init; }
    public required string LocalStoreDir { get; init; }
    public TimeSpan StopTimeout { get; init; } = DefaultStopTimeout;

    /// <summary>Where this drillbit's registrations live: /&lt;zk.root&gt;/&lt;cluster-id&gt;.</summary>
    public string RegistrationPath => $"/{ZkRoot}/{ClusterId}";

    public static DrillSettings From(PersonalityContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var install = context.RequireInstallDir();
        var ports = Ports(context);
        var zookeeper = context.Node.Zookeeper is { Connect.Length: > 0 } zk
            ? zk
            : throw new LaunchException("a DRILL node needs NodeSpec.zookeeper.connect: drillbits find each other through ZooKeeper");
        if (Drover.ZooKeeper.ConnectString.Parse(zookeeper.Connect).IsExhibitor)
        {
            // zk.connect goes to Drill's own ZooKeeper client, which takes host:port lists only.
            throw new LaunchException("a DRILL node needs NodeSpec.zookeeper.connect as host:port[,host:port...][/chroot]: Drill's own ZooKeeper client cannot follow an exhibitor: connect string");
        }
        var confDir = Path.Combine(context.ConfigDirectory, "drill");
        return new DrillSettings
        {
            InstallDir = install,
            ClusterId = ClusterIdFrom(context),
            ZkConnect = zookeeper.Connect,
            ZkRoot = ZkRootFrom(context),
            ZkCredentials = Credentials(zookeeper.Digest),
            ZkSessionTimeout = zookeeper.SessionTimeout is { } t && t.ToTimeSpan() > TimeSpan.Zero ? t.ToTimeSpan() : TimeSpan.FromSeconds(10),
            Host = context.Host.Length > 0 ? context.Host : throw new LaunchException("a DRILL node needs the agent's hostname to advertise (DRILL_HOST_NAME)"),
            UserPort = ports[0],
            ControlPort = ports[1],
            DataPort = ports[2],
            HttpPort = ports[3],
            ConfDir = confDir,
            LogDir = Path.Combine(context.Sandbox, "logs"),
            PidDir = Path.Combine(context.Sandbox, "run"),
            TmpDir = Path.Combine(context.Sandbox, "tmp"),
            SpillDir = Path.Combine(context.DataDirectory, "spill"),
            LocalStoreDir = Path.Combine(context.DataDirectory, "sys-store"),
            StopTimeout = StopTimeoutFrom(context),
        };
    }

    private static TimeSpan StopTimeoutFrom(PersonalityContext context) =>
        HealthOverrides.Duration(context, StopTimeoutKey) switch
        {
            null => DefaultStopTimeout,
            { } t when t > TimeSpan.Zero => t,
            _ => throw new LaunchException($"NodeSpec.config['{StopTimeoutKey}'] must be a positive duration: the graceful shutdown needs time"),
        };

    /// <summary>user, control, data, http: all required and distinct (Drill binds each one).</summary>
    private static int[] Ports(PersonalityContext context)
    {
        string[] names = [UserPortName, ControlPortName, DataPortName, HttpPortName];
        var ports = names.Select(context.RequirePort).ToArray();
        for (var i = 0; i < ports.Length; i++)
        {
            for (var j = i + 1; j < ports.Length; j++)
            {
                if (ports[i] == ports[j])
                {
                    throw new LaunchException($"a DRILL node binds its '{names[i]}' and '{names[j]}' ports separately, but both are {ports[i]}");
                }
            }
        }

        return ports;
    }

    private static string ClusterIdFrom(PersonalityContext context)
    {
        var id = context.Config(ClusterIdKey, context.Node.Cluster);
        return ZnodeName(id)
            ? id
            : throw new LaunchException(
                $"the Drill cluster-id '{id}' (NodeSpec.config['{ClusterIdKey}'], else NodeSpec.cluster) must be a ZooKeeper node name: not empty, no '/', not '.' or '..'");
    }

    /// <summary>Drill's zk.root is a Curator namespace: "drill" or "a/b", written without the slashes at its ends.</summary>
    private static string ZkRootFrom(PersonalityContext context)
    {
        var configured = context.Config(ZkRootKey, DefaultZkRoot);
        var root = configured.Trim('/');
        return root.Split('/').All(ZnodeName)
            ? root
            : throw new LaunchException($"NodeSpec.config['{ZkRootKey}'] = '{configured}' is not a ZooKeeper path such as 'drill' or '/apps/drill'");
    }

    private static bool ZnodeName(string name) =>
        name.Length > 0 && name is not ("." or "..") && !name.Contains('/', StringComparison.Ordinal) && !name.Any(char.IsControl);

    private static DigestCredentials? Credentials(string digest)
    {
        if (digest.Length == 0)
        {
            return null;
        }

        try
        {
            return DigestCredentials.Parse(digest);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            // DigestCredentials never puts the secret in its messages.
            throw new LaunchException($"NodeSpec.zookeeper.digest is invalid: {e.Message}");
        }
    }
}
