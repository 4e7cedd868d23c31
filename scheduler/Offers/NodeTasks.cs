using Drover.Mesos;
using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using Drover.Scheduler.Configuration;
using Drover.Scheduler.Model;
using Drover.Scheduler.Plans;
using Drover.Scheduler.State;
using Google.Protobuf;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace Drover.Scheduler.Offers;

/// <summary>
/// Builds the operations of an ACCEPT: RESERVE (dynamic, labelled), CREATE (the node's persistent volume) and
/// LAUNCH (TaskInfo with the NodeSpec in data, named ports in discovery, the executor fetched from its tarball
/// with cpus, mem and disk of its own). What the executor expects is README's "The executor".
/// </summary>
public sealed class NodeTasks(SchedulerOptions options)
{
    /// <summary>Where the volume is mounted in the sandbox; the executor gives it to the service as its data directory.</summary>
    public const string VolumePath = "data";

    public SchedulerOptions Options { get; } = options;

    public ReservationSpec Reservation(string cluster, string node, string entry) =>
        ReservationLabels.Spec(Options.Role, Options.Principal, Options.Framework, cluster, node, entry);

    /// <summary>The reserved forms of a placement, and the volume to create on the reserved disk (null without one).</summary>
    public (IReadOnlyList<Resource> Reserved, Resource? Volume) Reserve(Placement placement, NodeNeeds needs, ReservationSpec reservation, string persistenceId)
    {
        var reserved = placement.Unreserved.Select(r => r.ReservedAs(reservation)).ToList();
        Resource? volume = null;
        if (needs.Volume > 0)
        {
            volume = MesosResources.Scalar(MesosResources.Disk, needs.Volume).AllocatedTo(Options.Role).ReservedAs(reservation)
                .AsVolume(persistenceId, Options.Principal, VolumePath);
        }

        return (reserved, volume);
    }

    /// <summary>The reserved resources after CREATE: the reserved disk less the volume's size, plus the volume.</summary>
    public static ResourceSet AfterCreate(IReadOnlyList<Resource> reserved, Resource? volume)
    {
        var set = ResourceSet.Of(reserved);
        return volume is null ? set : set.Minus(ResourceSet.Of(volume.WithoutVolume())).Plus(ResourceSet.Of(volume));
    }

    public static Offer.Types.Operation ReserveOperation(IEnumerable<Resource> reserved, string operationId)
    {
        var operation = new Offer.Types.Operation
        {
            Type = Offer.Types.Operation.Types.Type.Reserve,
            Id = new OperationID { Value = operationId },
            Reserve = new Offer.Types.Operation.Types.Reserve(),
        };
        operation.Reserve.Resources.AddRange(reserved.Select(r => r.Clone()));
        return operation;
    }

    public static Offer.Types.Operation CreateOperation(Resource volume, string operationId)
    {
        var operation = new Offer.Types.Operation
        {
            Type = Offer.Types.Operation.Types.Type.Create,
            Id = new OperationID { Value = operationId },
            Create = new Offer.Types.Operation.Types.Create(),
        };
        operation.Create.Volumes.Add(volume.Clone());
        return operation;
    }

    public static Offer.Types.Operation DestroyOperation(IEnumerable<Resource> volumes, string operationId)
    {
        var operation = new Offer.Types.Operation
        {
            Type = Offer.Types.Operation.Types.Type.Destroy,
            Id = new OperationID { Value = operationId },
            Destroy = new Offer.Types.Operation.Types.Destroy(),
        };
        operation.Destroy.Volumes.AddRange(volumes.Select(r => r.Clone()));
        return operation;
    }

    public static Offer.Types.Operation UnreserveOperation(IEnumerable<Resource> resources, string operationId)
    {
        var operation = new Offer.Types.Operation
        {
            Type = Offer.Types.Operation.Types.Type.Unreserve,
            Id = new OperationID { Value = operationId },
            Unreserve = new Offer.Types.Operation.Types.Unreserve(),
        };
        operation.Unreserve.Resources.AddRange(resources.Select(r => r.Clone()));
        return operation;
    }

    public static Offer.Types.Operation LaunchOperation(TaskInfo task)
    {
        var operation = new Offer.Types.Operation
        {
            Type = Offer.Types.Operation.Types.Type.Launch,
            Launch = new Offer.Types.Operation.Types.Launch(),
        };
        operation.Launch.TaskInfos.Add(task);
        return operation;
    }

    public static string TaskId(string cluster, string node, long incarnation) => $"{cluster}.{node}.{incarnation}";

    /// <summary>
    /// The node's task on its reservation <paramref name="reserved"/> (as offered, or as it will be after RESERVE
    /// and CREATE): the executor takes its share of cpus, mem and disk; the task the rest, the volume and the ports.
    /// </summary>
    public TaskInfo Task(ClusterRecord cluster, NodeRecord node, NodeShape shape, ResourceSet reserved, string frameworkId, string agentId, Action<V1.NodeSpec>? decorate = null)
    {
        var spec = cluster.Spec;
        var resources = shape.Resources;
        var taskId = node.TaskId ?? throw new InvalidOperationException("the node has no task id");
        var executor = new ExecutorInfo
        {
            Type = ExecutorInfo.Types.Type.Custom,
            ExecutorId = new ExecutorID { Value = node.ExecutorId ?? taskId },
            FrameworkId = new FrameworkID { Value = frameworkId },
            Name = $"drover-executor {spec.Name}/{node.Name}",
            Command = new CommandInfo { Value = Options.ExecutorCommand, Shell = true },
        };
        if (Options.ExecutorUri.Length > 0)
        {
            executor.Command.Uris.Add(new CommandInfo.Types.URI
            {
                Value = Options.ExecutorUri,
                Extract = Options.ExecutorUri.EndsWith(".tar.gz", StringComparison.Ordinal) || Options.ExecutorUri.EndsWith(".tgz", StringComparison.Ordinal),
                Executable = !(Options.ExecutorUri.EndsWith(".tar.gz", StringComparison.Ordinal) || Options.ExecutorUri.EndsWith(".tgz", StringComparison.Ordinal)),
            });
        }

        executor.Resources.Add(Slice(reserved, MesosResources.Cpus, Options.ExecutorCpus));
        executor.Resources.Add(Slice(reserved, MesosResources.Mem, Options.ExecutorMem));
        executor.Resources.Add(Slice(reserved, MesosResources.Disk, Options.ExecutorDisk));

        var task = new TaskInfo
        {
            Name = $"{spec.Name}/{node.Name}",
            TaskId = new TaskID { Value = taskId },
            AgentId = new AgentID { Value = agentId },
            Executor = executor,
            Data = NodeSpecOf(cluster, node, shape, decorate).ToByteString(),
            KillPolicy = new KillPolicy { GracePeriod = new DurationInfo { Nanoseconds = spec.KillGracePeriodOrDefault().Ticks * 100 } },
            Labels = new Labels(),
        };
        task.Labels.Labels_.Add(new Label { Key = ReservationLabels.Cluster, Value = spec.Name });
        task.Labels.Labels_.Add(new Label { Key = ReservationLabels.Node, Value = node.Name });
        task.Resources.Add(Slice(reserved, MesosResources.Cpus, resources.Cpus!.Value));
        task.Resources.Add(Slice(reserved, MesosResources.Mem, resources.Mem!.Value));
        if (resources.Disk > 0)
        {
            task.Resources.Add(Slice(reserved, MesosResources.Disk, resources.Disk));
        }

        foreach (var resource in reserved.Where(r => r.IsPersistentVolume() || r.Name == MesosResources.Ports))
        {
            task.Resources.Add(resource);
        }

        if (node.Ports.Count > 0)
        {
            task.Discovery = new DiscoveryInfo { Visibility = DiscoveryInfo.Types.Visibility.Framework, Name = task.Name, Ports = new Ports() };
            foreach (var port in shape.Ports)
            {
                if (node.Ports.TryGetValue(port.Name, out var number))
                {
                    task.Discovery.Ports.Ports_.Add(new Port { Number = (uint)number, Name = port.Name, Protocol = "tcp" });
                }
            }
        }

        return task;
    }

    /// <summary>What the executor's personality runs (proto/drover/v1/node_spec.proto).</summary>
    public V1.NodeSpec NodeSpecOf(ClusterRecord cluster, NodeRecord node, NodeShape shape, Action<V1.NodeSpec>? decorate = null)
    {
        var spec = cluster.Spec;
        var nodeSpec = new V1.NodeSpec
        {
            Cluster = spec.Name,
            Node = node.Name,
            Kind = ServiceKinds.ToProto(spec.Kind),
            Version = spec.Version,
            InstallDir = spec.Service.InstallDir,
            JavaHome = spec.Service.JavaHome,
        };
        nodeSpec.RequiredPorts.AddRange(shape.RequiredPorts);
        foreach (var (key, value) in spec.Config)
        {
            nodeSpec.Config[key] = value;
        }

        foreach (var (key, value) in shape.Config)
        {
            nodeSpec.Config[key] = value;
        }

        var health = spec.Health;
        SetConfig(nodeSpec, "health.delay", health.Delay);
        SetConfig(nodeSpec, "health.interval", health.Interval);
        SetConfig(nodeSpec, "health.timeout", health.Timeout);
        SetConfig(nodeSpec, "health.grace", health.Grace);
        SetConfig(nodeSpec, "health.consecutive_failures", health.ConsecutiveFailures?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (name, value) in spec.Service.Environment)
        {
            nodeSpec.Environment[name] = value;
        }

        if (spec.Kind == ClusterKind.Generic)
        {
            nodeSpec.Command = new V1.CommandSpec { Shell = true, Value = spec.Service.Command };
        }

        foreach (var check in health.Checks)
        {
            nodeSpec.HealthChecks.Add(CheckOf(check, health));
        }

        if (spec.RestartPolicy is { } restart)
        {
            nodeSpec.RestartPolicy = new V1.RestartPolicy
            {
                MaxRestarts = (uint)(restart.MaxRestarts ?? 3),
                Window = ProtoDuration(restart.Window),
                InitialBackoff = ProtoDuration(restart.InitialBackoff),
                MaxBackoff = ProtoDuration(restart.MaxBackoff),
            };
        }

        var connect = spec.Zookeeper?.Connect ?? Options.RegistryConnect;
        if (connect is { Length: > 0 })
        {
            nodeSpec.Zookeeper = new V1.ZooKeeperSpec
            {
                Connect = connect,
                Root = spec.Zookeeper?.Root ?? Options.RegistryRoot,
                Framework = Options.Framework,
                SessionTimeout = ProtoDuration(spec.Zookeeper?.SessionTimeout),
            };
        }

        decorate?.Invoke(nodeSpec);
        return nodeSpec;
    }

    /// <summary>One of the spec's checks, with the spec's health timing (the same as the personality's own check gets through NodeSpec.config).</summary>
    private static V1.CheckSpec CheckOf(CheckSpecJson check, HealthSpec health)
    {
        var proto = new V1.CheckSpec
        {
            Name = check.Name,
            Delay = ProtoDuration(health.Delay),
            Interval = ProtoDuration(health.Interval),
            Timeout = ProtoDuration(health.Timeout),
            GracePeriod = ProtoDuration(health.Grace),
            ConsecutiveFailures = (uint)(health.ConsecutiveFailures ?? 0),
        };
        if (check.Http is { } http)
        {
            proto.Http = new V1.HttpCheck { Port = http.Port, Path = http.Path, BodyContains = http.BodyContains ?? "" };
        }
        else if (check.Tcp is { } tcp)
        {
            proto.Tcp = new V1.TcpCheck { Port = tcp.Port };
        }
        else if (check.Command is { } command)
        {
            proto.Command = new V1.CommandSpec { Shell = true, Value = command };
        }

        return proto;
    }

    private static void SetConfig(V1.NodeSpec spec, string key, string? value)
    {
        if (value is not null)
        {
            spec.Config[key] = value;
        }
    }

    private static Duration? ProtoDuration(string? text) => text is null ? null : Duration.FromTimeSpan(MesosDuration.Parse(text));

    /// <summary>A piece of the reserved scalar <paramref name="name"/> (not the volume), with its reservation and allocation.</summary>
    private static Resource Slice(ResourceSet reserved, string name, double amount)
    {
        var template = reserved.FirstOrDefault(r => r.Name == name && !r.IsPersistentVolume())
            ?? throw new InvalidOperationException($"the reservation holds no {name}");
        template.Scalar = new Value.Types.Scalar { Value = amount };
        return template;
    }
}
