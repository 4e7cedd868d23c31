using System.Text.Json.Nodes;
using Drover.Scheduler.Model;
using Drover.Testing;
using Drover.Testing.Standins;

namespace Drover.Scheduler.Tests;

/// <summary>
/// `packaging/demo.sh --example &lt;name&gt;` runs the README's examples on the stand-ins through
/// <see cref="StandinExamples.Rewrite"/>: what it PUTs must still be what the scheduler accepts (its own parser and
/// validator, as <see cref="ExampleSpecTests"/> reads the files), and differ from the file only in the fields it
/// lists, each with its reason.
/// </summary>
public class StandinExampleTests
{
    private const string InstallDir = "/srv/demo/standins/x";

    /// <summary>The executor's share as drover-scheduler reserves it by default.</summary>
    private static readonly ExecutorShare Executor = ExecutorShareOf(new Configuration.SchedulerOptions { Framework = "test" });

    private static ExecutorShare ExecutorShareOf(Configuration.SchedulerOptions options) => new(options.ExecutorCpus, options.ExecutorMem, options.ExecutorDisk);

    private static string File(string name) => System.IO.File.ReadAllText(RepositoryFiles.PathOf(Path.Combine("packaging", "examples", name + ".json")));

    public static TheoryData<string> Names() => new(StandinExamples.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void Rewritten_IsAcceptedAsTheSchedulerReadsAPut_AndDiffersOnlyWhereItSays(string name)
    {
        var example = StandinExamples.Rewrite(name, File(name), InstallDir, Executor, javaHome: "/opt/jdk");

        var spec = ClusterSpecJson.Parse(example.Spec);
        // Quobyte's example runs nothing until a version is posted: checked as `curl -X POST --data "1.1.5"` makes it.
        var errors = ClusterSpecValidator.Validate(name == "quobyte" ? spec with { Version = "1.1.5" } : spec);
        Assert.True(errors.Count == 0, $"{name}: {string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}"))}");
        Assert.Equal(InstallDir, spec.Service.InstallDir);

        var before = Leaves(JsonNode.Parse(File(name))!);
        var after = Leaves(JsonNode.Parse(example.Spec)!);
        var differing = before.Keys.Union(after.Keys)
            .Where(path => before.GetValueOrDefault(path) != after.GetValueOrDefault(path))
            .ToList();
        Assert.All(differing, path => Assert.True(example.Changes.Any(c => Covers(c.Field, path)), $"{path} changed, but no change names it: {string.Join("; ", example.Changes)}"));
        Assert.All(example.Changes, c => Assert.True(differing.Any(path => Covers(c.Field, path)), $"{c} is listed, but the spec is the same there"));
        Assert.All(example.Changes, c => Assert.False(string.IsNullOrWhiteSpace(c.Why), c.Field));
    }

    [Fact]
    public void Ring_KeepsItsResourcesAndJvmOptions_ShortensTheBootstrapGap_OneAgentPerNode()
    {
        var example = StandinExamples.Rewrite("ring", File("ring"), InstallDir, Executor);
        var spec = ClusterSpecJson.Parse(example.Spec);

        Assert.Equal(5, example.Agents);
        Assert.Equal(["service.install_dir", "health", "cassandra.bootstrap_gap"], example.Changes.Select(c => c.Field));
        Assert.Equal("5secs", spec.Cassandra!.BootstrapGap);
        Assert.Equal(["-Xms1G", "-Xmx1G"], spec.Cassandra.JvmOptions);
        Assert.Equal((1.0, 2048.0, 10240.0), (spec.Resources!.Cpus, spec.Resources.Mem, spec.Resources.Volume));
    }

    [Fact]
    public void Quobyte_TheDeviceHostsBecomeTheAgents_AndItsResourcesAreHalvedToFitThem()
    {
        var example = StandinExamples.Rewrite("quobyte", File("quobyte"), InstallDir, Executor);
        var spec = ClusterSpecJson.Parse(example.Spec);

        Assert.Equal(3, example.Agents);
        Assert.Equal(["127.0.1.1", "127.0.1.2", "127.0.1.3"], spec.Quobyte!.Nodes.Select(n => n.Host));
        // As written, agent1's registry + metadata + data (4 cpus) and their executors' 0.3 exceed an agent's 4 cpus.
        Assert.Equal((1.0, 2048.0), (spec.Quobyte.Resources["data"].Cpus, spec.Quobyte.Resources["data"].Mem));
        Assert.Equal((0.5, 1024.0), (spec.Quobyte.Resources["metadata"].Cpus, spec.Quobyte.Resources["metadata"].Mem));
        Assert.Equal((0.5, 512.0), (spec.Resources!.Cpus, spec.Resources.Mem));
        Assert.Contains(example.Changes, c => c.Field == "quobyte.resources.data.cpus" && c.Why.Contains("scaled down to 0.5", StringComparison.Ordinal));
        // The devices are the example's: prepared outside Mesos, named as written.
        Assert.Equal(["/mnt/quobyte/registry", "/mnt/quobyte/metadata", "/mnt/quobyte/data1"], spec.Quobyte.Nodes[0].Devices);
    }

    [Fact]
    public void BiggerAgents_HoldQuobyteAsWritten()
    {
        var example = StandinExamples.Rewrite("quobyte", File("quobyte"), InstallDir, Executor, agentResources: "cpus:8;mem:16384;disk:100000");

        Assert.DoesNotContain(example.Changes, c => c.Field.Contains("resources", StringComparison.Ordinal));
    }

    [Fact]
    public void AJdkThatIsNotHere_IsReplacedByTheMachinesOwn_OneThatIs_IsKept()
    {
        var missing = File("drill").Replace("/usr/lib/jvm/java-17-openjdk-amd64", "/no/such/jdk", StringComparison.Ordinal);
        var replaced = StandinExamples.Rewrite("drill", missing, InstallDir, Executor, javaHome: "/the/machines/jdk");
        Assert.Equal("/the/machines/jdk", ClusterSpecJson.Parse(replaced.Spec).Service.JavaHome);
        Assert.Contains(replaced.Changes, c => c.Field == "service.java_home" && c.Was == "\"/no/such/jdk\"");

        // The machine's own JDK (the tests need one) has bin/java: kept as written.
        var kept = StandinExamples.Rewrite("drill", File("drill").Replace("/usr/lib/jvm/java-17-openjdk-amd64", StandinExamples.JavaHome(), StringComparison.Ordinal), InstallDir, Executor, javaHome: "/the/machines/jdk");
        Assert.Equal(StandinExamples.JavaHome(), ClusterSpecJson.Parse(kept.Spec).Service.JavaHome);
        Assert.DoesNotContain(kept.Changes, c => c.Field == "service.java_home");
    }

    [Theory]
    [InlineData("web")]
    [InlineData("")]
    [InlineData("RING")]
    public void AnExampleWithoutAStandin_IsRefused(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => StandinExamples.Rewrite(name, File("ring"), InstallDir, Executor));
        Assert.Contains("ring, riak, drill, quobyte", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadExampleText_IsAClearError()
    {
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => StandinExamples.Rewrite("ring", "{ not json", InstallDir, Executor));
        Assert.Throws<ArgumentException>(() => StandinExamples.Rewrite("ring", "[]", InstallDir, Executor));
        Assert.Contains("no service section", Assert.Throws<ArgumentException>(() => StandinExamples.Rewrite("ring", "{}", InstallDir, Executor)).Message, StringComparison.Ordinal);
    }

    /// <summary>Every leaf of a JSON document by its path (a.b[0].c), as compact JSON text.</summary>
    private static Dictionary<string, string> Leaves(JsonNode node)
    {
        var leaves = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonNode? n, string path)
        {
            switch (n)
            {
                case JsonObject o:
                    foreach (var (key, value) in o)
                    {
                        Walk(value, path.Length == 0 ? key : $"{path}.{key}");
                    }

                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        Walk(a[i], $"{path}[{i}]");
                    }

                    break;
                default:
                    leaves[path] = n?.ToJsonString() ?? "null";
                    break;
            }
        }

        Walk(node, "");
        return leaves;
    }

    private static bool Covers(string field, string path) =>
        path == field || path.StartsWith(field + ".", StringComparison.Ordinal) || path.StartsWith(field + "[", StringComparison.Ordinal);
}
