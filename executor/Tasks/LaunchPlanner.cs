using Drover.Executor.Supervision;
using Drover.V1;
using Google.Protobuf;
using Drover.Mesos.V1;

namespace Drover.Executor.Tasks;

/// <summary>What the planner needs to know about the place the task runs.</summary>
public sealed record PlanContext(
    string Sandbox,
    IReadOnlyDictionary<string, string> BaseEnvironment,
    string? AgentHostname,
    string UserName,
    string? JmxHelperJar = null,
    Core.IOrphanGuard? Guard = null);

/// <summary>
/// Turns a TaskInfo into a <see cref="LaunchPlan"/>, or into the reason it cannot run.
/// Under real Mesos a task reaches this executor two ways: LAUNCH with a drover.v1.NodeSpec
/// in TaskInfo.data (the master rejects a command on a task that names a custom executor),
/// and LAUNCH_GROUP with a command per task. A command-only LAUNCH (local tools, tests)
/// runs like a group task.
/// </summary>
public static class LaunchPlanner
{
    private const string ShellPath = "/bin/sh";

    public static LaunchPlan Plan(TaskInfo task, PlanContext context)
    {
        var plan = PlanProcess(task, context);
        return task.HealthCheck is { } check
            ? plan with { HealthChecks = [Health.MesosHealthCheck.From(check, plan, context.Guard)] }
            : plan;
    }

    private static LaunchPlan PlanProcess(TaskInfo task, PlanContext context)
    {
        var ports = NamedPorts.Resolve(task);
        var logDirectory = Path.Combine(context.Sandbox, "tasks", SafeFileName(task.TaskId.Value));
        var grace = task.KillPolicy?.GracePeriod?.ToTimeSpan();

        if (!task.Data.IsEmpty)
        {
            return PlanNode(task, DecodeNodeSpec(task.Data), ports, grace, logDirectory, context);
        }

        if (task.Command is { } command && (command.HasValue || command.Arguments.Count > 0))
        {
            var environment = BaseEnvironment(task, ports, context);
            AddCommandEnvironment(environment, command.Environment);
            var (executable, argv) = CommandLine(command.Shell, command.Value, command.Arguments);
            CheckUnsupported(command, context);
            return new LaunchPlan
            {
                Executable = executable,
                Arguments = argv,
                Environment = [.. environment],
                WorkingDirectory = context.Sandbox,
                Ports = ports,
                Restart = RestartBudget.Never,
                KillGracePeriod = grace,
                LogDirectory = logDirectory,
                Logs = LogRotation.Default,
            };
        }

        throw new LaunchException("the task carries neither a drover.v1.NodeSpec in TaskInfo.data nor a command to run");
    }

    public static NodeSpec DecodeNodeSpec(ByteString data)
    {
        try
        {
            return NodeSpec.Parser.ParseFrom(data);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new LaunchException($"TaskInfo.data ({data.Length} bytes) is not a valid drover.v1.NodeSpec: {e.Message}");
        }
    }

    private static LaunchPlan PlanNode(
        TaskInfo task, NodeSpec node, IReadOnlyDictionary<string, int> ports, TimeSpan? grace, string logDirectory, PlanContext context)
    {
        var personality = Personalities.Catalog.For(node.Kind);
        foreach (var required in node.RequiredPorts)
        {
            if (!ports.ContainsKey(required))
            {
                throw new LaunchException($"NodeSpec requires a port named '{required}' but TaskInfo.discovery.ports has {DescribeNames(ports)}");
            }
        }

        var environment = BaseEnvironment(task, ports, context);
        foreach (var (name, value) in node.Environment)
        {
            environment[name] = value;
        }

        var personalityContext = new Personalities.PersonalityContext(
            node,
            ports,
            context.Sandbox,
            Path.Combine(context.Sandbox, "drover"),
            DataDirectory(task, context.Sandbox),
            context.AgentHostname is { Length: > 0 } host ? host : System.Net.Dns.GetHostName(),
            task.TaskId.Value,
            environment,
            ReadInstallFile,
            context.JmxHelperJar,
            context.Guard);
        var service = personality.Plan(personalityContext);
        foreach (var (name, value) in service.Environment)
        {
            environment[name] = value;
        }

        var plan = new LaunchPlan
        {
            Executable = service.Executable,
            Arguments = service.Arguments,
            Environment = [.. environment],
            WorkingDirectory = service.WorkingDirectory ?? context.Sandbox,
            Ports = ports,
            Restart = RestartBudget.From(node.RestartPolicy),
            KillGracePeriod = grace,
            LogDirectory = logDirectory,
            Logs = LogRotation.From(node.Logs),
            Node = node,
            ConfigDirectory = personalityContext.ConfigDirectory,
            Files = service.Files,
            Directories = service.Directories,
            StopSteps = service.StopSteps,
            AdminOperations = service.AdminOperations,
            Resources = service.Resources,
        };
        var (checks, helpers) = Health.CheckSpecs.Definitions(node.HealthChecks, personalityContext, plan);
        return plan with { HealthChecks = [.. service.HealthChecks, .. checks], Resources = [.. service.Resources, .. helpers] };
    }

    /// <summary>
    /// Where the node keeps its data: the task's persistent volume when it has one (Mesos mounts it at
    /// container_path, relative to the sandbox), else &lt;sandbox&gt;/data (lost with the sandbox).
    /// </summary>
    public static string DataDirectory(TaskInfo task, string sandbox)
    {
        foreach (var resource in task.Resources)
        {
            if (resource.Disk is { Persistence: not null, Volume: { } volume } && volume.ContainerPath.Length > 0)
            {
                return Path.IsPathRooted(volume.ContainerPath)
                    ? volume.ContainerPath
                    : Path.Combine(sandbox, volume.ContainerPath);
            }
        }

        return Path.Combine(sandbox, "data");
    }

    private static string? ReadInstallFile(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LaunchException($"cannot read '{path}' of the installed service: {e.Message}");
        }
    }

    /// <summary>
    /// The service inherits the executor's environment as the agent gave it (MESOS_* included,
    /// as Mesos' command executor does), minus secrets, plus the task's identity and ports
    /// (PORT_&lt;NAME&gt; and PORTS, as Marathon names them).
    /// </summary>
    private static Dictionary<string, string> BaseEnvironment(TaskInfo task, IReadOnlyDictionary<string, int> ports, PlanContext context)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in context.BaseEnvironment)
        {
            if (!Configuration.ExecutorSettings.SecretVariables.Contains(name))
            {
                environment[name] = value;
            }
        }

        environment["MESOS_SANDBOX"] = context.Sandbox;
        environment["MESOS_TASK_ID"] = task.TaskId.Value;
        if (context.AgentHostname is { Length: > 0 } host)
        {
            environment["HOST"] = host;
        }

        var list = new List<string>(ports.Count);
        foreach (var (name, port) in ports)
        {
            environment["PORT_" + EnvironmentName(name)] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            list.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (list.Count > 0)
        {
            environment["PORTS"] = string.Join(',', list);
        }

        // The task's cEPMD listens on the port named `epmd` (executor/Cepmd): Erlang nodes register and look up there.
        if (ports.TryGetValue(Cepmd.TaskEpmd.PortName, out var epmdPort))
        {
            environment["ERL_EPMD_PORT"] = epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return environment;
    }

    private static void AddCommandEnvironment(Dictionary<string, string> environment, Mesos.V1.Environment? variables)
    {
        if (variables is null)
        {
            return;
        }

        foreach (var variable in variables.Variables)
        {
            if (variable.Type == Mesos.V1.Environment.Types.Variable.Types.Type.Secret)
            {
                throw new LaunchException($"environment variable '{variable.Name}' is a SECRET; drover-executor cannot resolve Mesos secrets");
            }

            environment[variable.Name] = variable.Value;
        }
    }

    private static void CheckUnsupported(CommandInfo command, PlanContext context)
    {
        if (command.Uris.Count > 0)
        {
            throw new LaunchException("CommandInfo.uris on a task are not fetched by drover-executor; put them in the ExecutorInfo so the agent's fetcher brings them");
        }

        if (command.HasUser && command.User.Length > 0 && command.User != context.UserName)
        {
            throw new LaunchException($"the task asks to run as user '{command.User}' but the executor runs as '{context.UserName}' and does not switch users");
        }
    }

    /// <summary>Mesos' two command forms: shell (sh -c value) or argv (value is the executable, arguments the whole argv).</summary>
    public static (string Executable, IReadOnlyList<string> Argv) CommandLine(bool shell, string value, IReadOnlyList<string> arguments)
    {
        if (shell)
        {
            if (value.Length == 0)
            {
                throw new LaunchException("a shell command needs a value to run");
            }

            return (ShellPath, ["sh", "-c", value]);
        }

        if (value.Length == 0)
        {
            throw new LaunchException("a non-shell command needs the executable in 'value'");
        }

        return (value, arguments.Count > 0 ? [.. arguments] : [value]);
    }

    /// <summary>A directory relative to the sandbox, refused when it leaves it.</summary>
    public static string WorkingDirectory(string sandbox, string relative) =>
        relative.Length == 0
            ? sandbox
            : SandboxPath.Resolve(sandbox, relative) ?? throw new LaunchException($"working directory '{relative}' leaves the sandbox");

    private static string DescribeNames(IReadOnlyDictionary<string, int> ports) =>
        ports.Count == 0 ? "no named ports" : "only " + string.Join(", ", ports.Keys.Select(k => $"'{k}'"));

    /// <summary>PORT_&lt;NAME&gt;: the port's name upper-cased, anything but ASCII letters and digits as '_'. On the heap: the scheduler picks the name's length.</summary>
    public static string EnvironmentName(string portName) =>
        string.Create(portName.Length, portName, static (buffer, name) =>
        {
            for (var i = 0; i < name.Length; i++)
            {
                var c = name[i];
                buffer[i] = char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_';
            }
        });

    /// <summary>Task ids may hold characters a path must not ('/', '..'): keep a safe, readable name.</summary>
    public static string SafeFileName(string taskId)
    {
        var chars = taskId.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] == '/' || chars[i] == '\0')
            {
                chars[i] = '_';
            }
        }

        var name = new string(chars);
        return name is "." or ".." or "" ? "_" + name : name;
    }
}

/// <summary>A task that cannot run as given; the message goes into its TASK_FAILED update.</summary>
public sealed class LaunchException(string message) : Exception(message);
