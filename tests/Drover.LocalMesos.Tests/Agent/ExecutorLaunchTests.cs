using Drover.Testing;
using Drover.LocalMesos.Agent;

namespace Drover.LocalMesos.Tests.Agent;

/// <summary>LaunchExecutor starts a process the way the agent starts an executor (shared/mesos-facts.md).</summary>
public sealed class ExecutorLaunchTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly string _scripts = Directory.CreateTempSubdirectory("drover-launch-test-").FullName;

    public void Dispose() => Directory.Delete(_scripts, recursive: true);

    /// <summary>A fake executor: records its environment, writes to stdout and stderr, then stays alive (as its own pid).</summary>
    private string Script(string body)
    {
        var path = Path.Combine(_scripts, $"executor-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    private string RecordingExecutor() => Script("env > env.txt\necho to-stdout\necho to-stderr >&2\nwhile :; do sleep 0.05; done");

    private static async Task<Dictionary<string, string>> ReadEnvironmentAsync(ExecutorProcess executor, MesosAgentEmulator agent)
    {
        var file = Path.Combine(executor.Sandbox, "env.txt");
        await agent.WaitUntilAsync(() => File.Exists(file) && File.ReadAllText(file).Contains("MESOS_SANDBOX", StringComparison.Ordinal), "env.txt", Wait);
        return File.ReadAllLines(file)
            .Where(line => line.Contains('=', StringComparison.Ordinal))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);
    }

    [Fact]
    public async Task Launch_GivesExactlyTheAgentsEnvironment_NothingInherited()
    {
        Environment.SetEnvironmentVariable("DROVER_TEST_MUST_NOT_LEAK", "leak");
        await using var agent = new MesosAgentEmulator();
        await agent.StartAsync();

        using var executor = agent.LaunchExecutor(RecordingExecutor());
        var environment = await ReadEnvironmentAsync(executor, agent);

        // sh adds PWD (and SHLVL) itself; everything else is what the agent passed.
        environment.Remove("PWD");
        environment.Remove("SHLVL");
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                ["LIBPROCESS_IP"] = "127.0.0.1",
                ["LIBPROCESS_PORT"] = "0",
                ["MESOS_AGENT_ENDPOINT"] = agent.Endpoint,
                ["MESOS_CHECKPOINT"] = "1",
                ["MESOS_DIRECTORY"] = executor.Sandbox,
                ["MESOS_EXECUTOR_ID"] = agent.ExecutorId,
                ["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = "5secs",
                ["MESOS_FRAMEWORK_ID"] = agent.FrameworkId,
                ["MESOS_HTTP_COMMAND_EXECUTOR"] = "0",
                ["MESOS_RECOVERY_TIMEOUT"] = "15mins",
                ["MESOS_SANDBOX"] = executor.Sandbox,
                ["MESOS_SLAVE_ID"] = agent.AgentId,
                ["MESOS_SLAVE_PID"] = $"slave(1)@{agent.Endpoint}",
                ["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = "2secs",
            }.OrderBy(p => p.Key),
            environment.OrderBy(p => p.Key));
        Assert.EndsWith(Path.Combine("slaves", agent.AgentId, "frameworks", agent.FrameworkId, "executors", agent.ExecutorId, "runs", agent.ContainerId), executor.Sandbox, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Launch_WithoutCheckpoint_WithToken_AndOverrides()
    {
        await using var agent = new MesosAgentEmulator(new MesosAgentEmulatorOptions { AuthenticationToken = "tok" });
        await agent.StartAsync();

        using var executor = agent.LaunchExecutor(RecordingExecutor(), new ExecutorLaunchOptions
        {
            Checkpoint = false,
            ShutdownGracePeriod = TimeSpan.FromMilliseconds(1500),
            Environment = new Dictionary<string, string> { ["JAVA_HOME"] = "/opt/java", ["MESOS_CHECKPOINT"] = "garbage" },
            RemoveVariables = ["LIBPROCESS_IP"],
        });
        var environment = await ReadEnvironmentAsync(executor, agent);

        Assert.Equal("garbage", environment["MESOS_CHECKPOINT"]);
        Assert.False(environment.ContainsKey("MESOS_RECOVERY_TIMEOUT"));
        Assert.False(environment.ContainsKey("MESOS_SUBSCRIPTION_BACKOFF_MAX"));
        Assert.False(environment.ContainsKey("LIBPROCESS_IP"));
        Assert.Equal("1500ms", environment["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"]);
        Assert.Equal("tok", environment["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"]);
        Assert.Equal("/opt/java", environment["JAVA_HOME"]);
    }

    [Fact]
    public async Task Launch_OutputGoesToSandboxFiles_PidIsTheExecutors_InItsOwnSession()
    {
        await using var agent = new MesosAgentEmulator();
        await agent.StartAsync();
        var script = RecordingExecutor();

        using var executor = agent.LaunchExecutor(script);
        await agent.WaitUntilAsync(() => executor.ReadStderr().Contains("to-stderr", StringComparison.Ordinal), "stderr output", Wait);

        Assert.Equal("to-stdout\n", executor.ReadStdout());
        Assert.Equal("to-stderr\n", await executor.ReadStderrAsync());
        var cmdline = File.ReadAllText($"/proc/{executor.Pid}/cmdline");
        Assert.Contains(script, cmdline, StringComparison.Ordinal);
        var stat = File.ReadAllText($"/proc/{executor.Pid}/stat").Split(") ")[1].Split(' ');
        Assert.Equal(executor.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), stat[3]); // session id (field 6)
    }

    [Fact]
    public async Task Kill_Sigkill_ExitCode137()
    {
        await using var agent = new MesosAgentEmulator();
        await agent.StartAsync();
        using var executor = agent.LaunchExecutor(RecordingExecutor());

        Assert.True(executor.Kill(Signals.Kill));

        Assert.Equal(137, await executor.WaitForExitAsync(Wait));
        Assert.True(executor.HasExited);
        Assert.False(executor.Kill());
    }

    [Fact]
    public async Task ExitCode_IsTheExecutors()
    {
        await using var agent = new MesosAgentEmulator();
        await agent.StartAsync();

        using var executor = agent.LaunchExecutor(Script("echo failing >&2\nexit 3"), new ExecutorLaunchOptions { Arguments = ["a b", "c"] });

        Assert.Equal(3, await executor.WaitForExitAsync(Wait));
        Assert.Contains("exited with code 3", executor.Describe(), StringComparison.Ordinal);
        Assert.Contains("failing", executor.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForExit_TimesOut_WithTheExecutorsStderr()
    {
        await using var agent = new MesosAgentEmulator();
        await agent.StartAsync();
        using var executor = agent.LaunchExecutor(RecordingExecutor());
        await agent.WaitUntilAsync(() => executor.ReadStderr().Length > 0, "stderr output", Wait);

        var e = await Assert.ThrowsAsync<TimeoutException>(() => executor.WaitForExitAsync(TimeSpan.FromMilliseconds(100)));

        Assert.Contains("waiting for the executor to exit", e.Message, StringComparison.Ordinal);
        Assert.Contains("to-stderr", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegistrationTimeout_KillsAnExecutorThatNeverSubscribes()
    {
        await using var agent = new MesosAgentEmulator(new MesosAgentEmulatorOptions { RegistrationTimeout = TimeSpan.FromMilliseconds(300) });
        await agent.StartAsync();

        using var executor = agent.LaunchExecutor(RecordingExecutor());

        Assert.Equal(137, await executor.WaitForExitAsync(Wait));
        Assert.True(executor.KilledForRegistrationTimeout);
        Assert.Contains(agent.Log, line => line.Contains("did not register within 300ms", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dispose_KillsTheExecutorAndDeletesItsWorkDirectory()
    {
        await using var agent = new MesosAgentEmulator();
        await agent.StartAsync();
        var executor = agent.LaunchExecutor(RecordingExecutor());
        var pid = executor.Pid;

        executor.Dispose();

        Assert.True(executor.HasExited);
        Assert.False(Directory.Exists(executor.Sandbox));
        Assert.False(File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("executor-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Launch_BeforeStart_Throws()
    {
        await using var agent = new MesosAgentEmulator();

        var e = Assert.Throws<InvalidOperationException>(() => agent.LaunchExecutor(RecordingExecutor()));

        Assert.Contains("start the agent emulator", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LaunchedExecutor_ReachesTheAgentFromItsEnvironment_AndSubscribes()
    {
        // A minimal executor in Python: SUBSCRIBE built by hand from MESOS_* variables, first event read back.
        const string Executor = """
            import os, http.client, sys
            def message(number, payload):
                return bytes([number << 3 | 2, len(payload)]) + payload
            def identifier(value):
                return message(1, value.encode())
            call = (message(1, identifier(os.environ["MESOS_EXECUTOR_ID"]))
                    + message(2, identifier(os.environ["MESOS_FRAMEWORK_ID"]))
                    + bytes([3 << 3, 1])          # type = SUBSCRIBE
                    + bytes([4 << 3 | 2, 0]))     # subscribe = {} (present, empty)
            host, port = os.environ["MESOS_AGENT_ENDPOINT"].split(":")
            connection = http.client.HTTPConnection(host, int(port))
            connection.request("POST", "/api/v1/executor", body=call,
                               headers={"Content-Type": "application/x-protobuf", "Accept": "application/x-protobuf"})
            response = connection.getresponse()
            print(response.status, response.getheader("Content-Type"), flush=True)
            header = b""
            while not header.endswith(b"\n"):
                header += response.read(1)
            record = response.read(int(header))
            print("event type", record[1] if record[:1] == b"\x08" else "?", flush=True)
            """;
        var program = Path.Combine(_scripts, "executor.py");
        File.WriteAllText(program, Executor);
        var path = Script($"exec /usr/bin/python3 {program} \"$@\"");
        await using var agent = new MesosAgentEmulator(new MesosAgentEmulatorOptions { RegistrationTimeout = TimeSpan.FromSeconds(30) });
        await agent.StartAsync();

        using var executor = agent.LaunchExecutor(path);
        var subscribe = await agent.WaitForSubscribeAsync(1, Wait);

        Assert.Equal(0, await executor.WaitForExitAsync(Wait));
        Assert.Equal("200 application/x-protobuf\nevent type 1\n", executor.ReadStdout());
        Assert.Equal(agent.ExecutorId, subscribe.ExecutorId.Value);
        Assert.False(executor.KilledForRegistrationTimeout);
        await agent.WaitUntilAsync(() => !agent.IsSubscribed, "the executor's disconnection to be noticed", Wait);
    }
}
