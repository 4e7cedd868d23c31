using Drover.Posix;
using Drover.Testing.Standins.Cassandra;
using Drover.V1;
using Google.Protobuf;
using Drover.Mesos.V1;
using Drover.Testing;
using YamlDotNet.RepresentationModel;
using static Drover.Executor.Tests.EndToEnd.ExecutorHarness;

namespace Drover.Executor.Tests.EndToEnd;

/// <summary>
/// A Cassandra node (the JVM stand-in serving StorageService over real remote JMX) run by the real executor:
/// the JMX check through the shipped helper jar, an admin operation, drain before SIGTERM.
/// </summary>
public sealed class CassandraNodeTests : IAsyncLifetime
{
    private CassandraStandin _standin = null!;

    // CommandRunner waits for its own pids here (no reaper in this test process), so Process-based executors are safe.
    private static readonly RunTool Run = async (executable, arguments, workingDirectory, timeout) =>
    {
        var environment = System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => new KeyValuePair<string, string>((string)e.Key, (string?)e.Value ?? "")).ToList();
        var result = await CommandRunner.RunAsync(new CommandRequest
        {
            Executable = executable,
            Arguments = arguments,
            Environment = environment,
            WorkingDirectory = workingDirectory,
            Timeout = timeout,
        });
        return new ToolResult(result.TimedOut ? null : result.ExitCode, result.Output);
    };

    public async Task InitializeAsync() => _standin = await CassandraStandin.PrepareAsync(Run);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Cassandra_node_is_healthy_over_JMX_runs_cleanup_repair_host_id_removenode_and_drains_before_SIGTERM()
    {
        await using var h = await StartAsync();
        var java = File.ResolveLinkTarget("/usr/bin/java", returnFinalTarget: true)?.FullName ?? "/usr/bin/java";
        var node = new NodeSpec
        {
            Cluster = "ring",
            Node = "cass-1",
            Kind = ServiceKind.Cassandra,
            InstallDir = _standin.InstallDir,
            JavaHome = Path.GetDirectoryName(Path.GetDirectoryName(java))!,
        };
        node.Seeds.Add("127.0.0.1");
        // What the scheduler gives a node that takes over a dead one's tokens (cassandra-env.sh appends JVM_EXTRA_OPTS).
        node.Environment["JVM_EXTRA_OPTS"] = "-Dcassandra.replace_address_first_boot=10.9.8.7";
        node.Config["health.delay"] = "0secs";
        node.Config["health.interval"] = "300ms";
        node.Config["health.timeout"] = "10secs";
        node.Config["health.grace"] = "90secs";
        var (native, storage, jmx) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var task = NodeTask("cass-1", node, ("native", native), ("storage", storage), ("jmx", jmx));
        task.KillPolicy = new KillPolicy { GracePeriod = new DurationInfo { Nanoseconds = 40L * 1_000_000_000 } };
        await h.LaunchAsync(task);

        await h.WaitForUpdateAsync("cass-1", u => u.HasHealthy && u.Healthy);
        Assert.Equal([TaskState.TaskStarting, TaskState.TaskRunning, TaskState.TaskRunning], h.StatesOf("cass-1"));

        var yaml = new YamlStream();
        yaml.Load(new StringReader(await File.ReadAllTextAsync(Path.Combine(h.Sandbox, "drover", "cassandra", "cassandra.yaml"))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        Assert.Equal(native.ToString(System.Globalization.CultureInfo.InvariantCulture), ((YamlScalarNode)root["native_transport_port"]).Value);
        Assert.Equal(storage.ToString(System.Globalization.CultureInfo.InvariantCulture), ((YamlScalarNode)root["storage_port"]).Value);

        var reply = await AdminAsync(h, "c1", "cleanup");
        Assert.True(reply.Outcome == AdminReply.Types.Outcome.Succeeded, $"{reply.Outcome}: {reply.Output}");

        // The scheduler's Host ID (through the JMX helper), repair of the primary range, removenode of a dead node's id.
        var hostId = await AdminAsync(h, "h1", "host-id");
        Assert.True(hostId.Outcome == AdminReply.Types.Outcome.Succeeded && Guid.TryParse(hostId.Output, out _), $"{hostId.Outcome}: {hostId.Output}");
        var repair = await AdminAsync(h, "r1", "repair", ("primary_range", "true"));
        Assert.True(repair.Outcome == AdminReply.Types.Outcome.Succeeded, $"{repair.Outcome}: {repair.Output}");
        Assert.Contains("primaryRange=true", repair.Output, StringComparison.Ordinal);
        var dead = Guid.NewGuid().ToString();
        var removed = await AdminAsync(h, "x1", "removenode", ("host_id", dead));
        Assert.True(removed.Outcome == AdminReply.Types.Outcome.Succeeded, $"{removed.Outcome}: {removed.Output}");
        Assert.Contains("Removed " + dead, removed.Output, StringComparison.Ordinal);
        var self = await AdminAsync(h, "x2", "removenode", ("host_id", hostId.Output));
        Assert.Equal(AdminReply.Types.Outcome.Failed, self.Outcome);
        Assert.Contains("Cannot remove self", self.Output, StringComparison.Ordinal);
        var bad = await AdminAsync(h, "x3", "removenode", ("host_id", "-h evil"));
        Assert.Equal(AdminReply.Types.Outcome.Failed, bad.Outcome);
        Assert.Contains("a UUID", bad.Output, StringComparison.Ordinal);
        Assert.Contains("replace_address_first_boot 10.9.8.7", File.ReadAllText(Path.Combine(h.Sandbox, "tasks", "cass-1", "stdout")), StringComparison.Ordinal);

        await h.KillAsync("cass-1");
        await h.WaitForStateAsync("cass-1", TaskState.TaskKilled);
        var log = h.Executor.ReadStderr();
        Assert.Contains("stopping gracefully first: drain", log, StringComparison.Ordinal);
        Assert.Contains("stop step 'drain' done", log, StringComparison.Ordinal);
        Assert.DoesNotContain("SIGKILL to its session", log, StringComparison.Ordinal);
    }

    private static async Task<AdminReply> AdminAsync(ExecutorHarness h, string id, string operation, params (string Name, string Value)[] arguments)
    {
        var request = new AdminRequest { RequestId = id, TaskId = "cass-1", Operation = operation };
        foreach (var (name, value) in arguments)
        {
            request.Arguments[name] = value;
        }

        await h.Agent.SendMessageAsync(request.ToByteString());
        AdminReply? reply = null;
        await Eventually.TrueAsync(
            () => (reply = h.Agent.Messages.Select(m => AdminReply.Parser.ParseFrom(m)).FirstOrDefault(r => r.RequestId == id)) is not null,
            $"the {operation} reply",
            WaitTimeout);
        return reply!;
    }
}
