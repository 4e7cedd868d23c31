using System.Globalization;
using System.Text.RegularExpressions;

namespace Drover.Scheduler.Model;

/// <summary>The kind sections of a spec (<c>cassandra</c>, <c>riak</c>, <c>drill</c>, <c>quobyte</c>): each only on its kind, each field checked and named.</summary>
public static partial class ClusterSpecValidator
{
    /// <summary>The longest QUOBYTE cluster name: its node names (&lt;name&gt;-webconsole-&lt;n&gt;) must stay valid names.</summary>
    public const int MaxQuobyteNameLength = 26;

    public const int MaxQuobyteHosts = 256;
    public const int MaxQuobyteDevices = 64;
    public const int MaxOptionalQuobyteServices = 16;
    public const int MaxJvmOptions = 64;

    [GeneratedRegex("""^-[^\s'"\\$`;&|<>()]{1,1023}$""", RegexOptions.CultureInvariant)]
    private static partial Regex JvmOptionPattern();

    [GeneratedRegex("^[A-Za-z0-9_]{1,48}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyspacePattern();

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();

    [GeneratedRegex("^[0-9A-Za-z][0-9A-Za-z._+~-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();

    /// <summary>Whether <paramref name="version"/> can name a service version: letters, digits, '.', '_', '+', '~', '-', at most 64.</summary>
    public static bool IsValidVersion(string version) => VersionPattern().IsMatch(version);

    private static void ValidateKindSections(ClusterSpec spec, List<SpecError> errors)
    {
        void Error(string field, string message) => errors.Add(new SpecError(field, message));
        OnlyFor(spec, ClusterKind.Cassandra, "cassandra", spec.Cassandra, Error);
        OnlyFor(spec, ClusterKind.Riak, "riak", spec.Riak, Error);
        OnlyFor(spec, ClusterKind.Drill, "drill", spec.Drill, Error);
        OnlyFor(spec, ClusterKind.Quobyte, "quobyte", spec.Quobyte, Error);
        if (spec.Cassandra is { } cassandra && spec.Kind == ClusterKind.Cassandra)
        {
            ValidateCassandra(spec, cassandra, Error, errors);
        }

        if (spec.Riak is { OtpRelease: { } otp } && spec.Kind == ClusterKind.Riak && otp is < 16 or > 99)
        {
            Error("riak.otp_release", $"{otp} is not an OTP release (16..99: 16 for R16, then 17, 18, ...)");
        }

        if (spec.Kind == ClusterKind.Drill)
        {
            ValidateDrill(spec, spec.Drill ?? new DrillSpec(), Error, errors);
        }

        if (spec.Kind == ClusterKind.Quobyte)
        {
            ValidateQuobyte(spec, Error, errors);
        }
    }

    private static void OnlyFor(ClusterSpec spec, ClusterKind kind, string field, object? section, Action<string, string> error)
    {
        if (section is not null && spec.Kind != kind && spec.Kind != ClusterKind.Unspecified)
        {
            error(field, $"only for a {kind.ToString().ToUpperInvariant()} cluster (this one is {spec.Kind.ToString().ToUpperInvariant()})");
        }
    }

    private static void ValidateCassandra(ClusterSpec spec, CassandraSpec cassandra, Action<string, string> error, List<SpecError> errors)
    {
        if (cassandra.Seeds is { } seeds && seeds is < 1 or > SpecLimits.MaxCount)
        {
            error("cassandra.seeds", $"{seeds} is outside 1..{SpecLimits.MaxCount}");
        }

        Duration(errors, "cassandra.bootstrap_gap", cassandra.BootstrapGap, TimeSpan.Zero, TimeSpan.FromHours(1));
        var options = cassandra.JvmOptions ?? [];
        if (options.Count > MaxJvmOptions)
        {
            error("cassandra.jvm_options", $"{options.Count} options; at most {MaxJvmOptions}");
        }
        else
        {
            for (var i = 0; i < options.Count; i++)
            {
                if (options[i] is not { } option || !JvmOptionPattern().IsMatch(option))
                {
                    error($"cassandra.jvm_options[{i}]", $"'{Clip(options[i] ?? "null")}' is not one JVM option: it starts with '-', has no space, quote or shell character (cassandra-env.sh splits JVM_EXTRA_OPTS on spaces)");
                }
            }
        }

        if (options.Count > 0 && (spec.Service?.Environment?.ContainsKey(CassandraJvmVariable) ?? false))
        {
            error("service.environment." + CassandraJvmVariable, "set by cassandra.jvm_options: give the options there");
        }

        var repair = cassandra.Repair ?? new RepairSpec();
        var grace = TimeSpan.FromSeconds(repair.GcGraceSeconds ?? DefaultGcGraceSeconds);
        if (repair.GcGraceSeconds is { } seconds && seconds is < 60 or > 10 * 365 * 86400)
        {
            error("cassandra.repair.gc_grace_seconds", $"{seconds} is outside 60..{10 * 365 * 86400} (a table with gc_grace_seconds 0 needs no repair for tombstones: set repair.enabled false)");
        }
        else if (repair.Interval is { } interval)
        {
            if (!Drover.Mesos.MesosDuration.TryParse(interval, out var value, out var why))
            {
                error("cassandra.repair.interval", $"'{Clip(interval)}' is not a duration such as 5days or 12hrs ({why})");
            }
            else if (value < TimeSpan.FromSeconds(10) || value >= grace)
            {
                error("cassandra.repair.interval", $"{interval} must be at least 10secs and shorter than gc_grace_seconds ({grace.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s), so that a round finishes before tombstones may be purged");
            }
        }

        if (repair.Keyspace is { } keyspace && !KeyspacePattern().IsMatch(keyspace))
        {
            error("cassandra.repair.keyspace", $"'{Clip(keyspace)}' is not a Cassandra identifier (letters, digits, '_', at most 48)");
        }
    }

    /// <summary>The environment variable cassandra-env.sh adds to the JVM's options.</summary>
    public const string CassandraJvmVariable = "JVM_EXTRA_OPTS";

    /// <summary>Cassandra's default gc_grace_seconds: ten days.</summary>
    public const int DefaultGcGraceSeconds = 864000;

    private static void ValidateDrill(ClusterSpec spec, DrillSpec drill, Action<string, string> error, List<SpecError> errors)
    {
        if (drill.QsfMb is { } qsf && (!double.IsFinite(qsf) || qsf < 0.001 || qsf > 1e9))
        {
            error("drill.qsf_mb", $"{qsf.ToString(CultureInfo.InvariantCulture)} is outside 0.001..1e9 (MB of dataset per drillbit)");
        }

        var min = drill.MinDrillbits ?? 1;
        if (drill.MinDrillbits is { } given && given is < 0 or > SpecLimits.MaxCount)
        {
            error("drill.min_drillbits", $"{given} is outside 0..{SpecLimits.MaxCount}");
        }

        if (drill.MaxDrillbits is { } max)
        {
            if (max is < 1 or > SpecLimits.MaxCount)
            {
                error("drill.max_drillbits", $"{max} is outside 1..{SpecLimits.MaxCount}");
            }
            else if (max < min)
            {
                error("drill.max_drillbits", $"{max} is below min_drillbits ({min})");
            }
            else if (spec.Count is { } count && count > max)
            {
                error("count", $"{count} is above drill.max_drillbits ({max})");
            }
        }

        if (spec.Count is { } current && current < min && current >= 0)
        {
            error("count", $"{current} is below drill.min_drillbits ({min})");
        }

        Duration(errors, "drill.idle_period", drill.IdlePeriod, TimeSpan.Zero, SpecLimits.MaxDuration);
    }

    private static void ValidateQuobyte(ClusterSpec spec, Action<string, string> error, List<SpecError> errors)
    {
        if (spec.Name.Length > MaxQuobyteNameLength)
        {
            error("name", $"at most {MaxQuobyteNameLength} characters for a QUOBYTE cluster (its node names, <name>-webconsole-<n>, must stay within {SpecLimits.MaxNameLength})");
        }

        if (spec.Version.Length > 0 && !IsValidVersion(spec.Version))
        {
            error("version", $"'{Clip(spec.Version)}' is not a version: letters, digits, '.', '_', '+', '~' and '-', at most 64 (empty: nothing runs)");
        }

        if (spec.Quobyte is not { } quobyte)
        {
            error("quobyte", "required for a QUOBYTE cluster: the hosts with Quobyte devices and the services each runs");
            return;
        }

        var roles = new Dictionary<QuobyteRole, int>();
        var hosts = quobyte.Nodes ?? [];
        if (hosts.Count > MaxQuobyteHosts)
        {
            error("quobyte.nodes", $"{hosts.Count} hosts; at most {MaxQuobyteHosts}");
            return;
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < hosts.Count; i++)
        {
            var field = $"quobyte.nodes[{i}]";
            if (hosts[i] is not { } host)
            {
                error(field, "null");
                continue;
            }

            var hostname = host.Host ?? "";
            if (!HostPattern().IsMatch(hostname))
            {
                error(field + ".host", $"'{Clip(hostname)}' is not a host name (the agent's hostname as Mesos reports it)");
            }
            else if (!names.Add(hostname))
            {
                error(field + ".host", $"'{host.Host}' appears twice: list each host once, with all its services");
            }

            var services = host.Services ?? [];
            if (services.Count == 0)
            {
                error(field + ".services", "required: registry, metadata and/or data");
            }

            var seen = new HashSet<QuobyteRole>();
            foreach (var role in services)
            {
                if (!Enum.IsDefined(role))
                {
                    error(field + ".services", "one of registry, metadata, data");
                }
                else if (role is QuobyteRole.Api or QuobyteRole.Webconsole)
                {
                    error(field + ".services", $"'{role.ToString().ToLowerInvariant()}' needs no device: give how many in quobyte.{role.ToString().ToLowerInvariant()} (placed anywhere the placement allows)");
                }
                else if (!seen.Add(role))
                {
                    error(field + ".services", $"'{role.ToString().ToLowerInvariant()}' appears twice");
                }
                else
                {
                    roles[role] = roles.GetValueOrDefault(role) + 1;
                }
            }

            var devices = host.Devices ?? [];
            if (devices.Count > MaxQuobyteDevices)
            {
                error(field + ".devices", $"{devices.Count} devices; at most {MaxQuobyteDevices}");
            }
            else if (devices.Count == 0 && seen.Any(r => r is QuobyteRole.Registry or QuobyteRole.Metadata or QuobyteRole.Data))
            {
                error(field + ".devices", "required: the mount points of the host's Quobyte devices (prepared with qmkdev) that its registry, metadata or data service uses");
            }

            for (var d = 0; d < devices.Count; d++)
            {
                if (devices[d] is not { } device || device.Length == 0 || !device.StartsWith('/') || device.Length > SpecLimits.MaxTextLength || device.Any(char.IsControl) || device.Contains(',', StringComparison.Ordinal))
                {
                    error($"{field}.devices[{d}]", "must be an absolute path (no ',' or control characters)");
                }
            }

            if (services.Count > 1)
            {
                foreach (var port in spec.Ports.Where(p => p?.Port is not null && p.Name is "rpc" or "http"))
                {
                    error(field + ".services", $"{services.Count} services on {host.Host} cannot share the fixed '{port.Name}' port {port.Port}: leave it unnumbered");
                }
            }
        }

        foreach (var required in new[] { QuobyteRole.Registry, QuobyteRole.Metadata, QuobyteRole.Data })
        {
            if (!roles.ContainsKey(required))
            {
                error("quobyte.nodes", $"no host runs a {required.ToString().ToLowerInvariant()} service: Quobyte needs registry, metadata and data");
            }
        }

        if (quobyte.Api is < 0 or > MaxOptionalQuobyteServices)
        {
            error("quobyte.api", $"{quobyte.Api} is outside 0..{MaxOptionalQuobyteServices}");
        }

        if (quobyte.Webconsole is < 0 or > MaxOptionalQuobyteServices)
        {
            error("quobyte.webconsole", $"{quobyte.Webconsole} is outside 0..{MaxOptionalQuobyteServices}");
        }

        foreach (var (name, resources) in quobyte.Resources ?? new Dictionary<string, NodeResources>())
        {
            // The services' names as the spec writes them (Enum.TryParse would take "Registry" and "1" as well).
            if (!Enum.GetValues<QuobyteRole>().Any(role => role.ToString().ToLowerInvariant() == name))
            {
                error($"quobyte.resources.{Clip(name)}", "not a Quobyte service: registry, metadata, data, api or webconsole");
                continue;
            }

            ValidateServiceResources(resources, $"quobyte.resources.{name}", error);
        }

        foreach (var port in spec.Ports.Where(p => p is not null && p.Name is not ("rpc" or "http" or "api" or "webconsole")))
        {
            error("ports", $"'{Clip(port.Name)}' is not a Quobyte port: a QUOBYTE spec names rpc, http, api or webconsole only to fix its number");
        }

        var total = hosts.Where(h => h is not null).Sum(h => (h.Services ?? []).Distinct().Count()) + Math.Max(0, quobyte.Api) + Math.Max(0, quobyte.Webconsole);
        if (spec.Count is { } count && count != total)
        {
            error("count", $"{count} differs from the {total} service instances quobyte lists: leave count out (it is derived)");
        }
    }

    private static void ValidateServiceResources(NodeResources? resources, string field, Action<string, string> error)
    {
        if (resources is null)
        {
            error(field, "null");
            return;
        }

        if (resources.Cpus is not { } cpus)
        {
            error(field + ".cpus", "required");
        }
        else
        {
            Range(error, field + ".cpus", cpus, SpecLimits.MinCpus, SpecLimits.MaxCpus);
        }

        if (resources.Mem is not { } mem)
        {
            error(field + ".mem", "required (MB)");
        }
        else
        {
            Range(error, field + ".mem", mem, SpecLimits.MinMem, SpecLimits.MaxMem);
        }

        Range(error, field + ".disk", resources.Disk, 0, SpecLimits.MaxDisk);
        Range(error, field + ".volume", resources.Volume, 0, SpecLimits.MaxDisk);
    }
}
