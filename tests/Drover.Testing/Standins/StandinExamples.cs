using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Drover.LocalMesos;
using Drover.Testing.Programs;
using Drover.Testing.Standins.Cassandra;
using Drover.Testing.Standins.Drill;
using Drover.Testing.Standins.Quobyte;
using Drover.Testing.Standins.Riak;

namespace Drover.Testing.Standins;

/// <summary>One field of a README example that the stand-in run changes, and why.</summary>
public sealed record ExampleChange(string Field, string Was, string Now, string Why)
{
    public override string ToString() => $"{Field}: {Was} -> {Now}  ({Why})";
}

/// <summary>A README example made runnable here: the spec to PUT, what differs from the file, how many agents it needs.</summary>
public sealed record StandinExample(string Name, string Spec, IReadOnlyList<ExampleChange> Changes, int Agents);

/// <summary>What drover-scheduler reserves for the executor beside every task (its --executor-cpus, --executor-mem, --executor-disk): the caller passes the scheduler's own.</summary>
public sealed record ExecutorShare(double Cpus, double Mem, double Disk);

/// <summary>
/// The kinds' examples of packaging/examples (written for real Cassandra, Riak, Drill and Quobyte installations) run
/// on this machine's stand-ins, as `packaging/demo.sh --example &lt;name&gt;` does: the stand-in's install directory is
/// laid out by the same code the end-to-end tests use, and the example is rewritten only where a real installation
/// decides (install_dir, java_home when the JDK named is not here, Quobyte's hosts), where a schedule would make the
/// demo wait minutes (health check delay and interval, Cassandra's bootstrap gap), and where the local Mesos' agents
/// could not hold the resources asked for (scaled down). Every change is listed with its reason.
/// </summary>
public static class StandinExamples
{
    /// <summary>The examples that have a stand-in: packaging/examples/&lt;name&gt;.json.</summary>
    public static IReadOnlyList<string> Names { get; } = ["ring", "riak", "drill", "quobyte"];

    /// <summary>Runs a tool through CliWrap (System.Diagnostics.Process): for a process that reaps no children itself.</summary>
    public static readonly RunTool Run = async (executable, arguments, workingDirectory, timeout) =>
    {
        var result = await ExternalProgram.RunAsync(CliWrap.Cli.Wrap(executable).WithArguments(arguments.Skip(1)).WithWorkingDirectory(workingDirectory), timeout);
        return new ToolResult(result.ExitCode, result.Output);
    };

    /// <summary>JAVA_HOME of the machine's java (agents give executors none): what a spec's service.java_home names.</summary>
    public static string JavaHome()
    {
        var java = File.ResolveLinkTarget("/usr/bin/java", returnFinalTarget: true)?.FullName ?? "/usr/bin/java";
        return Path.GetDirectoryName(Path.GetDirectoryName(java))!;
    }

    /// <summary>Lays out the stand-in installation the example <paramref name="name"/> runs, in <paramref name="directory"/>; returns its install_dir.</summary>
    public static async Task<string> InstallAsync(string name, string directory) => name switch
    {
        "ring" => (await CassandraStandin.LayOutAsync(Run, directory)).InstallDir,
        "riak" => RiakStandinInstall.Create(directory: directory).Directory,
        "drill" => DrillStandinInstall.Create(directory).InstallDir,
        "quobyte" => QuobyteStandinInstall.Create(directory).InstallDir,
        _ => throw new ArgumentException($"no stand-in example '{name}': one of {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>
    /// The example <paramref name="name"/> (the text of packaging/examples/&lt;name&gt;.json) pointed at the stand-in
    /// installed at <paramref name="installDir"/>, for agents of <paramref name="agentResources"/> (the local Mesos'
    /// --resources) named by <paramref name="hostnamePattern"/> (its --hostnames).
    /// </summary>
    public static StandinExample Rewrite(
        string name,
        string exampleJson,
        string installDir,
        ExecutorShare executor,
        string? javaHome = null,
        string agentResources = LocalMesosOptions.DefaultAgentResources,
        string hostnamePattern = "127.0.1.{i1}")
    {
        var spec = JsonNode.Parse(exampleJson) as JsonObject ?? throw new ArgumentException("the example is not a JSON object", nameof(exampleJson));
        var changes = new List<ExampleChange>();
        var service = spec["service"]?.AsObject() ?? throw new ArgumentException($"{name}: the example has no service section", nameof(exampleJson));
        Set(service, "install_dir", installDir, "service.install_dir", "the stand-in installation, laid out by tests/Drover.Testing/Standins", changes);
        javaHome ??= JavaHome();
        if (service["java_home"]?.GetValue<string>() is { } named && !File.Exists(Path.Combine(named, "bin", "java")))
        {
            Set(service, "java_home", javaHome, "service.java_home", "the JDK named is not on this machine; its own java is", changes);
        }

        // The personalities' own health checks wait 10-15 s before the first and 10 s between checks: right for a real
        // node, minutes of waiting for a demo whose stand-ins start in a second or two.
        if (spec["health"] is null)
        {
            spec["health"] = new JsonObject { ["delay"] = "0secs", ["interval"] = "1secs" };
            changes.Add(new ExampleChange("health", "(the kind's defaults: delay 10-15secs, interval 10secs)", "delay 0secs, interval 1secs", "schedule shortened: the stand-ins are healthy within seconds"));
        }

        var agents = AgentsFor(name, spec);
        switch (name)
        {
            case "ring":
                if (spec["cassandra"]?["bootstrap_gap"] is not null)
                {
                    Set(spec["cassandra"]!.AsObject(), "bootstrap_gap", "5secs", "cassandra.bootstrap_gap", "schedule shortened: two non-seeds would wait 2mins each", changes);
                }

                break;
            case "quobyte":
                var nodes = spec["quobyte"]?["nodes"]?.AsArray() ?? throw new ArgumentException("quobyte: the example has no quobyte.nodes", nameof(exampleJson));
                for (var i = 0; i < nodes.Count; i++)
                {
                    var host = Hostname(hostnamePattern, i);
                    Set(nodes[i]!.AsObject(), "host", host, $"quobyte.nodes[{i}].host", "the device hosts are the agents' hostnames as Mesos reports them: the local Mesos' agents", changes);
                }

                break;
            case "riak" or "drill":
                break;
            default:
                throw new ArgumentException($"no stand-in example '{name}': one of {string.Join(", ", Names)}", nameof(name));
        }

        ScaleToFit(name, spec, Capacity.Parse(agentResources), agents, executor, changes);
        return new StandinExample(name, spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), changes, agents);
    }

    /// <summary>How many agents the demo gives the example: one per node where the placement spreads them, one per Quobyte host.</summary>
    private static int AgentsFor(string name, JsonObject spec) => name switch
    {
        // max_per_agent 1 (ring) and Riak's spread: one agent per node.
        "ring" or "riak" => spec["count"]?.GetValue<int>() ?? 3,
        // The demo states 250 MB, ceil(250 / qsf 100) = 3 drillbits, each on an agent of its own when they are large.
        "drill" => 3,
        "quobyte" => spec["quobyte"]?["nodes"]?.AsArray().Count ?? 3,
        _ => 3,
    };

    private static string Hostname(string pattern, int index) =>
        pattern.Replace("{i1}", (index + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{i}", index.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>
    /// Halves every resource the example asks for until the tasks (each with the executor's share) fit the agents:
    /// each node on an agent of its own for the count kinds, each Quobyte host's pinned services on its agent and
    /// the api and webconsole where room is left.
    /// </summary>
    private static void ScaleToFit(string name, JsonObject spec, Capacity agent, int agents, ExecutorShare executor, List<ExampleChange> changes)
    {
        var tables = new List<(string Path, JsonObject Table)>();
        if (spec["resources"] is JsonObject top)
        {
            tables.Add(("resources", top));
        }

        if (spec["quobyte"]?["resources"] is JsonObject perService)
        {
            tables.AddRange(perService.Select(p => ($"quobyte.resources.{p.Key}", p.Value!.AsObject())));
        }

        var factor = 1.0;
        while (!Fits(name, spec, agent, agents, executor, factor))
        {
            factor /= 2;
            if (factor < 1.0 / 64)
            {
                throw new InvalidOperationException($"{name}: the example does not fit {agents} agents of {agent} even at 1/64 of its resources");
            }
        }

        if (factor == 1.0)
        {
            return;
        }

        foreach (var (path, table) in tables)
        {
            foreach (var field in new[] { "cpus", "mem", "volume", "disk" })
            {
                if (table[field] is JsonValue value && value.TryGetValue<double>(out var amount) && amount > 0)
                {
                    var scaled = Math.Round(amount * factor, 2);
                    table[field] = scaled;
                    changes.Add(new ExampleChange($"{path}.{field}", Number(amount), Number(scaled),
                        $"scaled down to {Number(factor)}: as written, the tasks and their executors' share do not fit {agents} agents of {agent}"));
                }
            }
        }
    }

    private static bool Fits(string name, JsonObject spec, Capacity agent, int agents, ExecutorShare executor, double factor)
    {
        var fallback = Demand(spec["resources"] as JsonObject, executor, factor);
        if (name != "quobyte")
        {
            return agent.Holds(fallback);
        }

        var perService = spec["quobyte"]?["resources"] as JsonObject;
        Capacity Of(string service) => perService?[service] is JsonObject own ? Demand(own, executor, factor) : fallback;
        var load = new Capacity[agents];
        var nodes = spec["quobyte"]?["nodes"]?.AsArray() ?? [];
        for (var i = 0; i < agents; i++)
        {
            load[i] = Capacity.Zero;
            foreach (var service in nodes[i]?["services"]?.AsArray() ?? [])
            {
                load[i] += Of(service!.GetValue<string>());
            }
        }

        // api and webconsole go where the most cpus are left, as long as they fit anywhere.
        var floating = Enumerable.Repeat("api", spec["quobyte"]?["api"]?.GetValue<int>() ?? 0)
            .Concat(Enumerable.Repeat("webconsole", spec["quobyte"]?["webconsole"]?.GetValue<int>() ?? 0));
        foreach (var service in floating)
        {
            var emptiest = Enumerable.Range(0, agents).MinBy(i => load[i].Cpus);
            load[emptiest] += Of(service);
        }

        return load.All(agent.Holds);
    }

    /// <summary>One task's reservation with the executor's share added.</summary>
    private static Capacity Demand(JsonObject? resources, ExecutorShare executor, double factor)
    {
        double Amount(string field) => resources?[field] is JsonValue v && v.TryGetValue<double>(out var d) ? Math.Round(d * factor, 2) : 0;
        return new Capacity(Amount("cpus") + executor.Cpus, Amount("mem") + executor.Mem, Amount("volume") + Amount("disk") + executor.Disk);
    }

    private static void Set(JsonObject table, string key, string value, string path, string why, List<ExampleChange> changes)
    {
        var was = table[key]?.ToJsonString() ?? "(absent)";
        table[key] = value;
        changes.Add(new ExampleChange(path, was, JsonValue.Create(value).ToJsonString(), why));
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>An agent's cpus, mem and disk (Mesos' units), or a load on it.</summary>
    private readonly record struct Capacity(double Cpus, double Mem, double Disk)
    {
        public static Capacity Zero => new(0, 0, 0);

        public static Capacity operator +(Capacity a, Capacity b) => new(a.Cpus + b.Cpus, a.Mem + b.Mem, a.Disk + b.Disk);

        public bool Holds(Capacity load) => load.Cpus <= Cpus + 1e-9 && load.Mem <= Mem && load.Disk <= Disk;

        /// <summary>"cpus:4;mem:8192;disk:100000", as the agent's --resources.</summary>
        public static Capacity Parse(string text)
        {
            var amounts = text.Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Select(part => part.Split(':', 2))
                .ToDictionary(p => p[0].Trim(), p => double.Parse(p[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
            return new Capacity(amounts.GetValueOrDefault("cpus"), amounts.GetValueOrDefault("mem"), amounts.GetValueOrDefault("disk"));
        }

        public override string ToString() => $"cpus:{Number(Cpus)};mem:{Number(Mem)};disk:{Number(Disk)}";
    }
}
