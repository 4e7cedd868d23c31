using Google.Protobuf;
using Drover.Mesos.V1;

namespace Drover.LocalMesos.Agent;

/// <summary>
/// Builds a TaskInfo as a scheduler would send it to Drover's executor: resources (cpus, mem, disk,
/// ports), discovery ports named by role, the executor's ExecutorInfo, and a command or data.
/// Get one pre-filled for an emulator from <see cref="MesosAgentEmulator.NewTask"/>.
/// </summary>
public sealed class TaskInfoBuilder
{
    private readonly TaskInfo _task;

    public TaskInfoBuilder(string taskId, string agentId, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        _task = new TaskInfo
        {
            Name = name ?? taskId,
            TaskId = new TaskID { Value = taskId },
            AgentId = new AgentID { Value = agentId },
        };
    }

    public TaskInfoBuilder Name(string name)
    {
        _task.Name = name;
        return this;
    }

    public TaskInfoBuilder Cpus(double cpus) => Resource(Resources.Cpus(cpus));

    public TaskInfoBuilder Mem(double megabytes) => Resource(Resources.Mem(megabytes));

    public TaskInfoBuilder Disk(double megabytes) => Resource(Resources.Disk(megabytes));

    /// <summary>Adds a "ports" resource with these inclusive ranges.</summary>
    public TaskInfoBuilder Ports(params (ulong Begin, ulong End)[] ranges) => Resource(Resources.Ports(ranges));

    public TaskInfoBuilder Resource(Resource resource)
    {
        _task.Resources.Add(resource);
        return this;
    }

    /// <summary>Adds a named port to discovery (creating DiscoveryInfo with FRAMEWORK visibility on first use).</summary>
    public TaskInfoBuilder DiscoveryPort(string name, uint number, string protocol = "tcp")
    {
        _task.Discovery ??= new DiscoveryInfo { Visibility = DiscoveryInfo.Types.Visibility.Framework, Name = _task.Name, Ports = new Ports() };
        _task.Discovery.Ports ??= new Ports();
        _task.Discovery.Ports.Ports_.Add(new Port { Number = number, Name = name, Protocol = protocol });
        return this;
    }

    public TaskInfoBuilder Executor(ExecutorInfo executor)
    {
        _task.Executor = executor.Clone();
        return this;
    }

    /// <summary>A shell command (CommandInfo.shell defaults to true: run under /bin/sh -c).</summary>
    public TaskInfoBuilder Shell(string command)
    {
        _task.Command = new CommandInfo { Value = command, Shell = true };
        return this;
    }

    /// <summary>An argv command: <paramref name="executable"/> run directly with these arguments.</summary>
    public TaskInfoBuilder Exec(string executable, params string[] arguments)
    {
        var command = new CommandInfo { Value = executable, Shell = false };
        command.Arguments.Add(executable);
        command.Arguments.Add(arguments);
        _task.Command = command;
        return this;
    }

    public TaskInfoBuilder Command(CommandInfo command)
    {
        _task.Command = command.Clone();
        return this;
    }

    public TaskInfoBuilder Data(ByteString data)
    {
        _task.Data = data;
        return this;
    }

    /// <summary>TaskInfo.data = the serialized message (Drover puts a drover.v1.NodeSpec there).</summary>
    public TaskInfoBuilder Data(IMessage message) => Data(message.ToByteString());

    public TaskInfoBuilder KillGracePeriod(TimeSpan gracePeriod)
    {
        _task.KillPolicy = new KillPolicy { GracePeriod = ExecutorEvents.Duration(gracePeriod) };
        return this;
    }

    public TaskInfoBuilder HealthCheck(HealthCheck healthCheck)
    {
        _task.HealthCheck = healthCheck.Clone();
        return this;
    }

    public TaskInfoBuilder Label(string key, string value)
    {
        _task.Labels ??= new Labels();
        _task.Labels.Labels_.Add(new Label { Key = key, Value = value });
        return this;
    }

    /// <summary>Anything else, directly on the TaskInfo being built.</summary>
    public TaskInfoBuilder With(Action<TaskInfo> change)
    {
        change(_task);
        return this;
    }

    /// <summary>A copy: the builder can go on to build variants.</summary>
    public TaskInfo Build() => _task.Clone();
}
