using System.Globalization;
using Drover.Executor.Health;
using Drover.Executor.Tasks;
using Drover.V1;

namespace Drover.Executor.Personalities.Quobyte;

/// <summary>
/// Quobyte: one service (registry, metadata, data, api or webconsole, from NodeSpec.config["service"]) per
/// task, run in the foreground as &lt;install_dir&gt;/bin/quobyte-&lt;service&gt; with host.cfg and
/// &lt;service&gt;.cfg rendered into &lt;sandbox&gt;/drover/quobyte (QUOBYTE_CONFIG_DIR). Healthy is
/// GET / on the service's http port answering 2xx/3xx. See README.md beside this file for the assumptions.
/// </summary>
public sealed class QuobytePersonality : IPersonality
{
    public const string RpcPortName = "rpc";
    public const string HttpPortName = "http";
    public const string ConfigDirectoryVariable = "QUOBYTE_CONFIG_DIR";
    public const string MaxMemoryKey = "max_mem";

    public ServiceKind Kind => ServiceKind.Quobyte;

    public ServicePlan Plan(PersonalityContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var service = QuobyteServices.From(context);
        var install = context.RequireInstallDir();
        var rpc = context.RequirePort(RpcPortName);
        var http = context.RequirePort(HttpPortName);
        var extra = service.ExtraPortName() is { } extraName ? (Name: extraName, Port: context.RequirePort(extraName)) : default;
        Distinct(service, (RpcPortName, rpc), (HttpPortName, http), extra);

        var confDir = Path.Combine(context.ConfigDirectory, "quobyte");
        var devices = Path.Combine(context.DataDirectory, "devices");
        var managed = new List<KeyValuePair<string, string>>
        {
            new("rpc.port", Number(rpc)),
            new("http.port", Number(http)),
        };
        if (extra.Name is not null)
        {
            managed.Add(new($"{extra.Name}.port", Number(extra.Port)));
        }

        managed.Add(new("uuid", QuobyteConfig.ServiceUuid(context.Node.Cluster, context.Node.Node, service).ToString()));
        if (service.HasDevices())
        {
            managed.Add(new("test.device_dir", devices));
        }

        // The service logs to stdout, which the executor captures and rotates.
        managed.Add(new("logging.stdout", "true"));
        managed.Add(new("logging.file_name", ""));

        var executable = Path.Combine(install, "bin", "quobyte-" + service.Name());
        return new ServicePlan
        {
            Executable = executable,
            Arguments = [executable],
            Environment = Environment(service, confDir, context),
            Files =
            [
                new RenderedFile(Path.Combine("quobyte", QuobyteConfig.HostFile), QuobyteConfig.RenderHost(Registry(service, rpc, context))),
                new RenderedFile(Path.Combine("quobyte", QuobyteConfig.ServiceFile(service)), QuobyteConfig.RenderService(managed, context.Node.Config)),
            ],
            Directories = service.HasDevices() ? [confDir, devices] : [confDir],
            HealthChecks = [HealthOverrides.Apply(Check(service, http), context)],
        };
    }

    /// <summary>registry= from NodeSpec.seeds ("host:port" each); a lone registry bootstraps on itself.</summary>
    private static List<string> Registry(QuobyteService service, int rpc, PersonalityContext context)
    {
        var seeds = context.Node.Seeds.ToList();
        if (seeds.Count == 0)
        {
            return service == QuobyteService.Registry
                ? [string.Create(CultureInfo.InvariantCulture, $"{context.Host}:{rpc}")]
                : throw new LaunchException($"a QUOBYTE {service.Name()} node needs NodeSpec.seeds: the registry addresses (host:port) for host.cfg's registry=");
        }

        foreach (var seed in seeds)
        {
            if (seed.Length == 0 || seed.Any(c => c == ',' || char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                throw new LaunchException($"NodeSpec.seeds entry '{seed}' is not a registry address (host or host:port, no commas or spaces)");
            }
        }

        return seeds;
    }

    private static void Distinct(QuobyteService service, params (string? Name, int Port)[] ports)
    {
        var named = ports.Where(p => p.Name is not null).ToList();
        for (var i = 0; i < named.Count; i++)
        {
            for (var j = i + 1; j < named.Count; j++)
            {
                if (named[i].Port == named[j].Port)
                {
                    throw new LaunchException($"a QUOBYTE {service.Name()} node binds its '{named[i].Name}' and '{named[j].Name}' ports separately, but both are {named[i].Port}");
                }
            }
        }
    }

    private static Dictionary<string, string> Environment(QuobyteService service, string confDir, PersonalityContext context)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { [ConfigDirectoryVariable] = confDir };
        if (context.Node.JavaHome.Length > 0)
        {
            environment["JAVA_HOME"] = context.Node.JavaHome;
        }

        if (context.Node.Config.TryGetValue(MaxMemoryKey, out var memory))
        {
            environment["MAX_MEM_" + service.Name().ToUpperInvariant()] = memory;
        }

        return environment;
    }

    private static HealthCheckDefinition Check(QuobyteService service, int http) => new()
    {
        Name = $"quobyte-{service.Name()}-http",
        Kind = HealthCheckKind.Http,
        Probe = new HttpProbe("http", http, "/"),
        Delay = TimeSpan.FromSeconds(10),
        Interval = TimeSpan.FromSeconds(10),
        Timeout = TimeSpan.FromSeconds(20),
        Grace = TimeSpan.FromSeconds(60),
        ConsecutiveFailures = 3,
    };

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
