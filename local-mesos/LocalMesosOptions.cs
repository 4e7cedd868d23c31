using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using Attribute = Drover.Mesos.V1.Attribute;

namespace Drover.LocalMesos;

/// <summary>
/// How the local Mesos is laid out: how many agents and what each has, where they keep their work directories,
/// which executor binary a launch starts, and the master's timings. Defaults are Mesos 1.12's own (master and agent
/// flags) unless a test needs something faster. Every setter checks its value and names the allowed range.
/// </summary>
public sealed record LocalMesosOptions
{
    /// <summary>What a Mesos agent advertises by default on a small machine: cpus, mem, disk (MB); ports come from <see cref="PortRange"/>.</summary>
    public const string DefaultAgentResources = "cpus:4;mem:8192;disk:100000";

    /// <summary>The master's --allocation_interval.</summary>
    public static readonly TimeSpan DefaultAllocationInterval = TimeSpan.FromSeconds(1);

    /// <summary>DEFAULT_HEARTBEAT_INTERVAL of the master's scheduler streams.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(15);

    /// <summary>Emulated agents (up to tens of thousands: an agent that runs nothing is a few objects, no process, no socket).</summary>
    public int Agents
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 100_000);
            field = value;
        }
    } = 3;

    /// <summary>Each agent's scalar resources in the agent's --resources form ("cpus:4;mem:8192;disk:100000").</summary>
    public string AgentResources { get; init => field = ResourceText.Validate(value); } = DefaultAgentResources;

    /// <summary>Each agent's "ports" range (Mesos' default 31000-32000).</summary>
    public ValueRange PortRange { get; init => field = value.Begin is >= 1 and <= 65535 && value.End is >= 1 and <= 65535 && value.Begin <= value.End ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a port range within 1-65535"); } = new(31000, 32000);

    /// <summary>
    /// Give agent i its own slice of <see cref="PortRange"/> (the range split evenly), so that services of several agents on
    /// one machine never fight for a port. Off: every agent offers the whole range, as separate machines would.
    /// </summary>
    public bool SplitPortRange { get; init; }

    /// <summary>Agent attributes in the agent's --attributes form ("rack:r1;zone:a"); "{i}" in a value becomes the agent's index.</summary>
    public string Attributes { get; init => field = value ?? throw new ArgumentNullException(nameof(value)); } = "";

    /// <summary>Where agents keep sandboxes and volumes (agent i under <c>agents/&lt;i&gt;</c>); null: a fresh temporary directory, deleted on dispose.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>The executor a launch starts (the published drover-executor); null: $DROVER_EXECUTOR_BINARY. Without one, launches fail with TASK_FAILED saying so.</summary>
    public string? ExecutorBinary { get; init; }

    /// <summary>Host the masters listen on (and name in MasterInfo and redirects).</summary>
    public string ListenHost { get; init => field = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("a host or IP", nameof(value)) : value; } = "127.0.0.1";

    /// <summary>The leading master's port; 0 picks a free one.</summary>
    public int Port { get; init => field = value is >= 0 and <= 65535 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "0 to 65535"); }

    /// <summary>Standby masters: they answer 307 to the leader (503 while there is none) and can take over.</summary>
    public int Standbys { get; init => field = value is >= 0 and <= 4 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "0 to 4"); }

    /// <summary>"zk://host:port/path": every master registers there as json.info_&lt;seq&gt; (the leader lowest), as real masters do.</summary>
    public string? ZooKeeper { get; init; }

    public TimeSpan AllocationInterval { get; init => field = Positive(value); } = DefaultAllocationInterval;

    public TimeSpan HeartbeatInterval { get; init => field = Positive(value); } = DefaultHeartbeatInterval;

    /// <summary>Agents' hostnames: "{i}" becomes the index. Default: distinct loopback addresses, so "one node per host" placements work on one machine.</summary>
    public string HostnamePattern { get; init => field = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("a pattern", nameof(value)) : value; } = "127.0.1.{i1}";

    /// <summary>Principals and secrets the masters require (HTTP basic); empty: frameworks are not authenticated.</summary>
    public IReadOnlyDictionary<string, string> Credentials { get; init => field = value ?? throw new ArgumentNullException(nameof(value)); } = new Dictionary<string, string>();

    /// <summary>The agents' --executor_registration_timeout.</summary>
    public TimeSpan ExecutorRegistrationTimeout { get; init => field = Positive(value); } = TimeSpan.FromMinutes(1);

    /// <summary>The agents' --executor_shutdown_grace_period (MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD).</summary>
    public TimeSpan ExecutorShutdownGracePeriod { get; init => field = Positive(value); } = TimeSpan.FromSeconds(5);

    /// <summary>Where the master says what it does (one line per event); null: nowhere.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Every status update as the master forwards it to its framework, on the master's loop (benchmarks time the executors' updates by it).</summary>
    public Action<Drover.Mesos.V1.TaskStatus>? StatusForwarded { get; init; }

    private static TimeSpan Positive(TimeSpan value) =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "must be positive");
}

/// <summary>The agent flag forms "name:value;name:value" for resources and attributes.</summary>
public static class ResourceText
{
    public static string Validate(string text)
    {
        _ = ParseScalars(text);
        return text;
    }

    /// <summary>"cpus:4;mem:8192" as scalar resources; a clear error naming the bad part.</summary>
    public static IReadOnlyList<Resource> ParseScalars(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var resources = new List<Resource>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split(':', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || pair[0].Length == 0
                || !double.TryParse(pair[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
                || !double.IsFinite(value) || value < 0)
            {
                throw new FormatException($"resource '{part}': expected name:number, e.g. cpus:4");
            }

            resources.Add(MesosResources.Scalar(pair[0], value));
        }

        return resources;
    }

    /// <summary>"rack:r1;zone:a" as TEXT attributes (numbers as SCALAR), "{i}" replaced by <paramref name="index"/>.</summary>
    public static IReadOnlyList<Attribute> ParseAttributes(string text, int index)
    {
        var attributes = new List<Attribute>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split(':', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || pair[0].Length == 0 || pair[1].Length == 0)
            {
                throw new FormatException($"attribute '{part}': expected name:value, e.g. rack:r1");
            }

            var value = pair[1].Replace("{i}", index.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            attributes.Add(double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
                ? new Attribute { Name = pair[0], Type = Value.Types.Type.Scalar, Scalar = new Value.Types.Scalar { Value = number } }
                : new Attribute { Name = pair[0], Type = Value.Types.Type.Text, Text = new Value.Types.Text { Value = value } });
        }

        return attributes;
    }
}
