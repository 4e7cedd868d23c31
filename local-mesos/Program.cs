using System.CommandLine;
using System.Globalization;
using Drover.LocalMesos;
using Drover.Mesos.Resources;

// drover-local-mesos: the emulated master and agents as a program, for the README's demo and for trying a
// scheduler by hand. It runs until SIGINT or SIGTERM.
var agents = new Option<int>("--agents") { Description = "number of emulated agents", DefaultValueFactory = _ => 3 };
var resources = new Option<string>("--resources") { Description = "each agent's scalar resources, as the agent's --resources", DefaultValueFactory = _ => LocalMesosOptions.DefaultAgentResources };
var ports = new Option<string>("--ports") { Description = "each agent's port range", DefaultValueFactory = _ => "31000-32000" };
var splitPorts = new Option<bool>("--split-ports") { Description = "give each agent its own slice of --ports (services of all agents share this machine)" };
var attributes = new Option<string>("--attributes") { Description = "agent attributes, e.g. 'rack:r{i};zone:a' ({i}: the agent's index)", DefaultValueFactory = _ => "" };
var workDir = new Option<string?>("--work-dir") { Description = "agents' work directories (sandboxes, volumes); default: a temporary directory" };
var executor = new Option<string?>("--executor") { Description = "the drover-executor binary launches start (default: $DROVER_EXECUTOR_BINARY)" };
var listen = new Option<string>("--listen") { Description = "the leading master's address", DefaultValueFactory = _ => "127.0.0.1:5050" };
var standbys = new Option<int>("--standbys") { Description = "standby masters answering 307 to the leader", DefaultValueFactory = _ => 0 };
var zk = new Option<string?>("--zk") { Description = "register the masters in ZooKeeper, e.g. zk://127.0.0.1:2181/mesos" };
var quiet = new Option<bool>("--quiet") { Description = "do not print the master's log" };
var hostnames = new Option<string>("--hostnames") { Description = "agents' hostnames ({i}: the agent's index, {i1}: index + 1), e.g. 127.0.0.1 for all", DefaultValueFactory = _ => "127.0.1.{i1}" };

var root = new RootCommand(LocalMesos.Banner) { agents, resources, ports, splitPorts, attributes, workDir, executor, listen, standbys, zk, quiet, hostnames };
root.SetAction(async (parsed, cancellationToken) =>
{
    var endpoint = Drover.Mesos.Scheduler.MasterEndpoint.Parse(parsed.GetValue(listen)!);
    var range = parsed.GetValue(ports)!.Split('-', 2);
    if (range.Length != 2 || !ulong.TryParse(range[0], CultureInfo.InvariantCulture, out var begin) || !ulong.TryParse(range[1], CultureInfo.InvariantCulture, out var end))
    {
        Console.Error.WriteLine($"--ports: expected begin-end, e.g. 31000-32000, not '{parsed.GetValue(ports)}'");
        return 2;
    }

    var options = new LocalMesosOptions
    {
        Agents = parsed.GetValue(agents),
        AgentResources = parsed.GetValue(resources)!,
        PortRange = new ValueRange(begin, end),
        SplitPortRange = parsed.GetValue(splitPorts),
        Attributes = parsed.GetValue(attributes)!,
        WorkDirectory = parsed.GetValue(workDir),
        ExecutorBinary = parsed.GetValue(executor),
        ListenHost = endpoint.Host,
        Port = endpoint.Port,
        Standbys = parsed.GetValue(standbys),
        ZooKeeper = parsed.GetValue(zk),
        HostnamePattern = parsed.GetValue(hostnames)!,
        Log = parsed.GetValue(quiet) ? null : line => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}"),
    };

    Console.WriteLine(LocalMesos.Banner);
    await using var mesos = await LocalMesos.StartAsync(options, cancellationToken);
    Console.WriteLine($"masters: {string.Join(", ", mesos.Masters)} (leader {mesos.Leader}); scheduler API: POST http://{mesos.Leader}/api/v1/scheduler");
    Console.WriteLine($"agents: {mesos.AgentIds.Count} with {options.AgentResources};ports:[{options.PortRange}]; work dir {mesos.WorkDirectory}");
    if (options.ZooKeeper is not null)
    {
        Console.WriteLine($"registered in ZooKeeper: --master {options.ZooKeeper}");
    }

    Console.WriteLine($"state: http://{mesos.Leader}/master/state");
    using var stop = new CancellationTokenSource();
    using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        stop.Cancel();
    });
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    try
    {
        await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(stop.Token, cancellationToken).Token);
    }
    catch (OperationCanceledException)
    {
    }

    Console.WriteLine("stopping: executors are shut down, the work directory is kept only if --work-dir was given");
    return 0;
});
return await root.Parse(args).InvokeAsync();
