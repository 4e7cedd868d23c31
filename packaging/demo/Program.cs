using Drover.LocalMesos.Agent;
using Drover.V1;
using Drover.Mesos.V1;

// A local demonstration of drover-executor. There is no Mesos here: Drover's agent emulator
// (the one the tests use) plays the Mesos agent's executor API, launches the published
// executor binary in a sandbox with the MESOS_* environment a real agent sets, sends it a
// task, and prints every status update the executor sends as it arrives.
// `Drover.Demo standin ...` is packaging/demo.sh --example's first step instead (StandinDemo.cs).

if (args is ["standin", .. var rest])
{
    return await StandinDemo.RunAsync(rest);
}

if (args.Length != 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: Drover.Demo <path to the published drover-executor>   (packaging/demo.sh executor passes it)");
    return 2;
}

var started = DateTimeOffset.UtcNow;
void Say(string text) => Console.WriteLine($"[{(DateTimeOffset.UtcNow - started).TotalSeconds,6:0.00}s] {text}");

await using var agent = new MesosAgentEmulator(new MesosAgentEmulatorOptions { AutoAcknowledge = true });
await agent.StartAsync();
Say($"agent emulator (not a real Mesos agent) serving the executor API at {agent.ApiUri}");

using var executor = agent.LaunchExecutor(args[0], new ExecutorLaunchOptions { KeepSandbox = true });
Say($"launched drover-executor, pid {executor.Pid}, sandbox {executor.Sandbox}");
await agent.WaitForSubscribeAsync(1, TimeSpan.FromSeconds(20));
await agent.WaitUntilAsync(() => agent.IsSubscribed, "the executor to subscribe", TimeSpan.FromSeconds(20));
Say("executor subscribed");

var printed = 0;
using var stop = new CancellationTokenSource();
var printer = Task.Run(async () =>
{
    while (!stop.IsCancellationRequested)
    {
        var updates = agent.Updates;
        for (; printed < updates.Count; printed++)
        {
            var s = updates[printed].Status;
            var health = s.HasHealthy ? $" healthy={s.Healthy.ToString().ToLowerInvariant()}" : "";
            var message = s.HasMessage ? $" \"{s.Message}\"" : "";
            Say($"status update: task {s.TaskId.Value} {MesosName(s.State)}{health}{message}");
        }

        await Task.Delay(20);
    }
});

// A sample GENERIC node (plain sh, so the demo needs nothing installed): it logs a tick a
// second on its named port's behalf, a COMMAND health check watches its readiness file, and
// the executor serves Prometheus metrics on the port named `metrics`.
var (httpPort, metricsPort) = (FreePort(), FreePort());
var node = new NodeSpec
{
    Cluster = "demo",
    Node = "web-1",
    Kind = ServiceKind.Generic,
    Version = "1.0",
    RequiredPorts = { "http" },
    Command = new CommandSpec
    {
        Shell = true,
        Value = "echo node $MESOS_TASK_ID would serve on port $PORT_HTTP; touch ready; trap 'echo stopping; exit 0' TERM; " +
                "while true; do echo tick; sleep 1; done",
    },
};
var task = agent.NewTask("web-1")
    .Cpus(0.1).Mem(64)
    .Ports(((ulong)httpPort, (ulong)httpPort), ((ulong)metricsPort, (ulong)metricsPort))
    .DiscoveryPort("http", (uint)httpPort)
    .DiscoveryPort("metrics", (uint)metricsPort)
    .Data(node)
    .KillGracePeriod(TimeSpan.FromSeconds(3))
    .HealthCheck(new HealthCheck
    {
        Type = HealthCheck.Types.Type.Command,
        Command = new CommandInfo { Value = "test -f ready" },
        DelaySeconds = 0.2,
        IntervalSeconds = 1,
        GracePeriodSeconds = 10,
    })
    .Build();
task.Command = null; // a NodeSpec LAUNCH carries no command (the master would reject both)

Say($"LAUNCH task web-1: a GENERIC node with port 'http' = {httpPort} and the executor's metrics on {metricsPort}");
await agent.LaunchAsync(task);
await agent.WaitForUpdateAsync(s => s.TaskId.Value == "web-1" && s.HasHealthy && s.Healthy, TimeSpan.FromSeconds(30), "web-1 to be healthy");
await Task.Delay(1500); // let it tick

using (var http = new HttpClient())
{
    var metrics = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
    Say($"scraped /metrics ({metrics.Length} bytes); a few series:");
    foreach (var line in metrics.Split('\n').Where(l => l.StartsWith("drover_service_", StringComparison.Ordinal) || l.StartsWith("drover_executor_status_updates_total", StringComparison.Ordinal)).Take(8))
    {
        Console.WriteLine("          " + line);
    }
}

Say("KILL task web-1 (SIGTERM to its process group, SIGKILL after the 3 s grace period)");
await agent.KillAsync("web-1");
await agent.WaitForUpdateAsync("web-1", TaskState.TaskKilled, TimeSpan.FromSeconds(30));
var code = await executor.WaitForExitAsync(TimeSpan.FromSeconds(30));
await Task.Delay(100);
stop.Cancel();
await printer;
Say($"executor exited with status {code} once its last update was acknowledged");
Say($"sandbox kept for a look: {executor.Sandbox} (executor log: stderr; service output: tasks/web-1/stdout, stderr)");
Console.WriteLine();
Console.WriteLine("executor log (the sandbox's stderr):");
Console.WriteLine(executor.ReadStderr());
return code;

// TaskRunning -> TASK_RUNNING, as Mesos writes task states.
static string MesosName(TaskState state) =>
    string.Concat(state.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}
