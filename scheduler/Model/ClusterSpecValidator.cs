using System.Globalization;
using System.Text.RegularExpressions;
using Drover.Mesos;

namespace Drover.Scheduler.Model;

/// <summary>The bounds of a spec: generous for real clusters, tight enough that a typo is caught.</summary>
public static class SpecLimits
{
    public const int MaxNameLength = 40;
    public const int MaxCount = 1000;
    public const double MinCpus = 0.01;
    public const double MaxCpus = 512;
    public const double MinMem = 16;
    public const double MaxMem = 4 * 1024 * 1024;
    public const double MaxDisk = 64 * 1024 * 1024;
    public const int MaxPorts = 32;
    public const int MaxPortNameLength = 32;
    public const int MaxConfigEntries = 512;
    public const int MaxValueLength = 8192;
    public const int MaxTextLength = 4096;
    public const int MaxChecks = 16;
    public const int MaxConstraints = 32;
    public const int MaxPerAgent = 1000;
    public static readonly TimeSpan MaxReplaceAfter = TimeSpan.FromDays(30);
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);
}

/// <summary>
/// Strict validation of a <see cref="ClusterSpec"/>: every error at once, each naming its field. Names must be
/// safe as a ZooKeeper path segment, a Mesos task id part and a host-like label; sizes positive and bounded;
/// ports consistent with the kind's personality.
/// </summary>
public static partial class ClusterSpecValidator
{
    [GeneratedRegex("^[a-z][a-z0-9-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z][a-z0-9_-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PortNamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentNamePattern();

    /// <summary>Whether <paramref name="name"/> can name a cluster (or a node): [a-z][a-z0-9-]*, at most 40 characters, not ending in '-'.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= SpecLimits.MaxNameLength && NamePattern().IsMatch(name) && !name.EndsWith('-');

    public static IReadOnlyList<SpecError> Validate(ClusterSpec spec)
    {
        var errors = new List<SpecError>();
        void Error(string field, string message) => errors.Add(new SpecError(field, message));

        if (spec.Name.Length == 0)
        {
            Error("name", "required");
        }
        else if (!IsValidName(spec.Name))
        {
            Error("name", $"'{Clip(spec.Name)}' is not a valid name: lowercase letters, digits and '-', starting with a letter, not ending with '-', at most {SpecLimits.MaxNameLength} characters");
        }

        if (spec.Kind == ClusterKind.Unspecified)
        {
            Error("kind", "required: one of GENERIC, CASSANDRA, RIAK, DRILL, QUOBYTE");
        }

        if (spec.Count is not { } count)
        {
            if (spec.Kind != ClusterKind.Quobyte)
            {
                Error("count", "required");
            }
        }
        else if (count is < 0 or > SpecLimits.MaxCount)
        {
            Error("count", $"{count} is outside 0..{SpecLimits.MaxCount}");
        }

        Text(errors, "version", spec.Version, 128);
        ValidateResources(spec.Resources, Error);
        ValidatePorts(spec, Error);
        ValidatePlacement(spec.Placement, Error);
        Map(errors, "config", spec.Config, key => key.Length > 0 && key.Length <= 256 && !key.Any(char.IsControl));
        ValidateService(spec, Error, errors);
        Duration(errors, "replace_after", spec.ReplaceAfter, TimeSpan.Zero, SpecLimits.MaxReplaceAfter);
        ValidateHealth(spec, Error, errors);
        ValidateRestartPolicy(spec.RestartPolicy, Error, errors);
        ValidateRegistry(spec.Zookeeper, Error, errors);
        ValidateKindSections(spec, errors);
        return errors;
    }

    private static void ValidateResources(NodeResources? resources, Action<string, string> error)
    {
        if (resources is null)
        {
            error("resources", "required: cpus and mem at least");
            return;
        }

        if (resources.Cpus is not { } cpus)
        {
            error("resources.cpus", "required");
        }
        else
        {
            Range(error, "resources.cpus", cpus, SpecLimits.MinCpus, SpecLimits.MaxCpus);
        }

        if (resources.Mem is not { } mem)
        {
            error("resources.mem", "required (MB)");
        }
        else
        {
            Range(error, "resources.mem", mem, SpecLimits.MinMem, SpecLimits.MaxMem);
        }

        Range(error, "resources.disk", resources.Disk, 0, SpecLimits.MaxDisk);
        Range(error, "resources.volume", resources.Volume, 0, SpecLimits.MaxDisk);
    }

    private static void Range(Action<string, string> error, string field, double value, double min, double max)
    {
        if (!double.IsFinite(value) || value < min || value > max)
        {
            error(field, $"{value.ToString(CultureInfo.InvariantCulture)} is outside {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static void ValidatePorts(ClusterSpec spec, Action<string, string> error)
    {
        if (spec.Ports.Count > SpecLimits.MaxPorts)
        {
            error("ports", $"{spec.Ports.Count} ports; at most {SpecLimits.MaxPorts}");
            return;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new HashSet<int>();
        for (var i = 0; i < spec.Ports.Count; i++)
        {
            var port = spec.Ports[i];
            var field = $"ports[{i}]";
            if (port is null)
            {
                error(field, "null");
                continue;
            }

            if (port.Name.Length == 0)
            {
                error(field + ".name", "required");
            }
            else if (port.Name.Length > SpecLimits.MaxPortNameLength || !PortNamePattern().IsMatch(port.Name))
            {
                error(field + ".name", $"'{Clip(port.Name)}' is not a valid port name: lowercase letters, digits, '_' and '-', starting with a letter");
            }
            else if (!names.Add(port.Name))
            {
                error(field + ".name", $"'{port.Name}' appears twice");
            }

            if (port.Port is { } number)
            {
                if (number is < 1 or > 65535)
                {
                    error(field + ".port", $"{number} is outside 1..65535");
                }
                else if (!numbers.Add(number))
                {
                    error(field + ".port", $"{number} is used by another port of the node");
                }
            }
        }

        if (spec.Kind == ClusterKind.Unspecified)
        {
            return;
        }

        foreach (var required in ServiceKinds.RequiredSpecPorts(spec.Kind))
        {
            if (!names.Contains(required))
            {
                error("ports", $"a {spec.Kind.ToString().ToUpperInvariant()} node needs a port named '{required}'");
            }
        }

        foreach (var fixedName in ServiceKinds.FixedPorts(spec))
        {
            for (var i = 0; i < spec.Ports.Count; i++)
            {
                if (spec.Ports[i]?.Name == fixedName && spec.Ports[i].Port is null)
                {
                    error($"ports[{i}].port", $"the '{fixedName}' port must be a fixed number, the same on every agent: stock Erlang dials a remote node's host at its own ERL_EPMD_PORT (with riak.otp_release 21 or later the nodes use Drover's EPMD module and any port will do)");
                }
            }
        }
    }

    private static void ValidatePlacement(PlacementSpec? placement, Action<string, string> error)
    {
        if (placement is null)
        {
            return;
        }

        if (placement.MaxPerAgent is { } max && max is < 1 or > SpecLimits.MaxPerAgent)
        {
            error("placement.max_per_agent", $"{max} is outside 1..{SpecLimits.MaxPerAgent}");
        }

        if (placement.Attributes.Count > SpecLimits.MaxConstraints)
        {
            error("placement.attributes", $"{placement.Attributes.Count} constraints; at most {SpecLimits.MaxConstraints}");
            return;
        }

        for (var i = 0; i < placement.Attributes.Count; i++)
        {
            var constraint = placement.Attributes[i];
            var field = $"placement.attributes[{i}]";
            if (constraint is null)
            {
                error(field, "null");
                continue;
            }

            if (constraint.Attribute.Length == 0 || constraint.Attribute.Length > 128)
            {
                error(field + ".attribute", "required, at most 128 characters");
            }

            if (constraint.Operator == ConstraintOperator.Unspecified)
            {
                error(field + ".operator", "required: one of EQUALS, NOT_EQUALS, LIKE, UNLIKE");
            }

            if (constraint.Value.Length > SpecLimits.MaxTextLength)
            {
                error(field + ".value", $"longer than {SpecLimits.MaxTextLength} characters");
            }
            else if (constraint.Operator is ConstraintOperator.Like or ConstraintOperator.Unlike)
            {
                try
                {
                    _ = new Regex(constraint.Value, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
                }
                catch (ArgumentException e)
                {
                    error(field + ".value", $"not a regular expression: {e.Message}");
                }
            }
        }
    }

    private static void ValidateService(ClusterSpec spec, Action<string, string> error, List<SpecError> errors)
    {
        var service = spec.Service ?? new ServiceSpec();
        if (spec.Kind == ClusterKind.Generic && service.Command.Length == 0)
        {
            error("service.command", "required for a GENERIC cluster: what each node runs");
        }

        if (spec.Kind is not (ClusterKind.Generic or ClusterKind.Unspecified) && service.InstallDir.Length == 0)
        {
            error("service.install_dir", "required: where the service is installed on every agent");
        }

        AbsolutePath(error, "service.install_dir", service.InstallDir);
        AbsolutePath(error, "service.java_home", service.JavaHome);
        Text(errors, "service.command", service.Command, SpecLimits.MaxValueLength);
        Map(errors, "service.environment", service.Environment, key => EnvironmentNamePattern().IsMatch(key));
        Duration(errors, "service.kill_grace_period", service.KillGracePeriod, TimeSpan.Zero, TimeSpan.FromHours(2));
    }

    private static void ValidateHealth(ClusterSpec spec, Action<string, string> error, List<SpecError> errors)
    {
        var health = spec.Health ?? new HealthSpec();
        Duration(errors, "health.delay", health.Delay, TimeSpan.Zero, SpecLimits.MaxDuration);
        Duration(errors, "health.interval", health.Interval, TimeSpan.FromMilliseconds(100), SpecLimits.MaxDuration);
        Duration(errors, "health.timeout", health.Timeout, TimeSpan.FromMilliseconds(100), SpecLimits.MaxDuration);
        Duration(errors, "health.grace", health.Grace, TimeSpan.Zero, SpecLimits.MaxDuration);
        if (health.ConsecutiveFailures is { } failures && failures is < 1 or > 100)
        {
            error("health.consecutive_failures", $"{failures} is outside 1..100");
        }

        if (health.Checks.Count > SpecLimits.MaxChecks)
        {
            error("health.checks", $"{health.Checks.Count} checks; at most {SpecLimits.MaxChecks}");
            return;
        }

        var ports = spec.Ports.Where(p => p is not null).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < health.Checks.Count; i++)
        {
            var check = health.Checks[i];
            var field = $"health.checks[{i}]";
            if (check is null)
            {
                error(field, "null");
                continue;
            }

            var kinds = (check.Http is null ? 0 : 1) + (check.Tcp is null ? 0 : 1) + (check.Command is null ? 0 : 1);
            if (kinds != 1)
            {
                error(field, "exactly one of http, tcp, command");
            }

            if (check.Http is { } http)
            {
                CheckPort(error, field + ".http.port", http.Port, ports);
                if (!http.Path.StartsWith('/'))
                {
                    error(field + ".http.path", "must start with '/'");
                }
            }

            if (check.Tcp is { } tcp)
            {
                CheckPort(error, field + ".tcp.port", tcp.Port, ports);
            }

            if (check.Command is { } command && (command.Length == 0 || command.Length > SpecLimits.MaxValueLength))
            {
                error(field + ".command", $"must be 1..{SpecLimits.MaxValueLength} characters");
            }
        }
    }

    private static void CheckPort(Action<string, string> error, string field, string port, HashSet<string> ports)
    {
        if (!ports.Contains(port))
        {
            error(field, $"'{Clip(port)}' is not one of the cluster's ports");
        }
    }

    private static void ValidateRestartPolicy(RestartPolicySpec? policy, Action<string, string> error, List<SpecError> errors)
    {
        if (policy is null)
        {
            return;
        }

        if (policy.MaxRestarts is { } max && max is < 0 or > 1000)
        {
            error("restart_policy.max_restarts", $"{max} is outside 0..1000");
        }

        Duration(errors, "restart_policy.window", policy.Window, TimeSpan.FromSeconds(1), SpecLimits.MaxDuration);
        Duration(errors, "restart_policy.initial_backoff", policy.InitialBackoff, TimeSpan.Zero, TimeSpan.FromHours(1));
        Duration(errors, "restart_policy.max_backoff", policy.MaxBackoff, TimeSpan.Zero, TimeSpan.FromHours(1));
    }

    private static void ValidateRegistry(RegistrySpec? registry, Action<string, string> error, List<SpecError> errors)
    {
        if (registry is null)
        {
            return;
        }

        if (registry.Connect.Length == 0)
        {
            error("zookeeper.connect", "required: host:port[,host:port][/chroot]");
        }
        else
        {
            try
            {
                _ = Drover.ZooKeeper.ConnectString.Parse(registry.Connect);
            }
            catch (ArgumentException e)
            {
                error("zookeeper.connect", e.Message);
            }
        }

        if (registry.Root is { } root)
        {
            try
            {
                Drover.ZooKeeper.ZooKeeperPath.Validate(root);
            }
            catch (ArgumentException e)
            {
                error("zookeeper.root", e.Message);
            }
        }

        Duration(errors, "zookeeper.session_timeout", registry.SessionTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
    }

    private static void AbsolutePath(Action<string, string> error, string field, string path)
    {
        if (path.Length > 0 && (!path.StartsWith('/') || path.Length > SpecLimits.MaxTextLength || path.Contains('\0', StringComparison.Ordinal)))
        {
            error(field, "must be an absolute path");
        }
    }

    private static void Text(List<SpecError> errors, string field, string? text, int max)
    {
        if (text is not null && (text.Length > max || text.Contains('\0', StringComparison.Ordinal)))
        {
            errors.Add(new SpecError(field, $"longer than {max} characters or holds NUL"));
        }
    }

    private static void Map(List<SpecError> errors, string field, IReadOnlyDictionary<string, string>? map, Func<string, bool> validKey)
    {
        if (map is null)
        {
            return;
        }

        if (map.Count > SpecLimits.MaxConfigEntries)
        {
            errors.Add(new SpecError(field, $"{map.Count} entries; at most {SpecLimits.MaxConfigEntries}"));
            return;
        }

        foreach (var (key, value) in map)
        {
            if (!validKey(key))
            {
                errors.Add(new SpecError($"{field}.{Clip(key)}", "not a valid key"));
            }
            else if (value is null || value.Length > SpecLimits.MaxValueLength || value.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add(new SpecError($"{field}.{key}", $"the value must be a string of at most {SpecLimits.MaxValueLength} characters without NUL"));
            }
        }
    }

    private static void Duration(List<SpecError> errors, string field, string? text, TimeSpan min, TimeSpan max)
    {
        if (text is null)
        {
            return;
        }

        if (!MesosDuration.TryParse(text, out var value, out var why))
        {
            errors.Add(new SpecError(field, $"'{Clip(text)}' is not a duration such as 30secs, 15mins or 1hrs ({why})"));
        }
        else if (value < min || value > max)
        {
            errors.Add(new SpecError(field, $"{text} is outside {MesosDuration.Format(min)}..{MesosDuration.Format(max)}"));
        }
    }

    private static string Clip(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
