using Drover.Mesos.Resources;
using Drover.Mesos.Scheduler;
using Drover.Mesos.V1;
using Drover.Testing;

namespace Drover.LocalMesos.Tests.Support;

/// <summary>A local Mesos per test (quick to start: agents are objects), with helpers for the resources Drover asks for.</summary>
public static class Local
{
    public static Task<LocalMesos> StartAsync(int agents = 2, int standbys = 0, string? zooKeeper = null, IReadOnlyDictionary<string, string>? credentials = null) =>
        LocalMesos.StartAsync(new LocalMesosOptions
        {
            Agents = agents,
            Standbys = standbys,
            ZooKeeper = zooKeeper,
            AllocationInterval = TimeSpan.FromMilliseconds(200),
            ExecutorBinary = ExecutorBinaryOrNull(),
            SplitPortRange = true,
            Credentials = credentials ?? new Dictionary<string, string>(),
            ExecutorShutdownGracePeriod = TimeSpan.FromSeconds(3),
        });

    /// <summary>The published executor; null when it is not there (only launches need it, and they then fail saying so).</summary>
    private static string? ExecutorBinaryOrNull()
    {
        try
        {
            return ExecutorBinary.Path();
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public static ReservationSpec Reservation(string node) =>
        new(SchedulerHarness.Role, SchedulerHarness.Principal, [new("drover.framework", "test"), new("drover.node", node)]);

    /// <summary>cpus, mem, disk reserved (with labels) and allocated to the role, as a RESERVE wants them.</summary>
    public static Resource[] Reserved(string node, double cpus, double mem, double disk) =>
    [
        MesosResources.Scalar(MesosResources.Cpus, cpus).ReservedAs(Reservation(node)).AllocatedTo(SchedulerHarness.Role),
        MesosResources.Scalar(MesosResources.Mem, mem).ReservedAs(Reservation(node)).AllocatedTo(SchedulerHarness.Role),
        MesosResources.Scalar(MesosResources.Disk, disk).ReservedAs(Reservation(node)).AllocatedTo(SchedulerHarness.Role),
    ];

    public static Resource Volume(string node, string persistenceId, double size) =>
        MesosResources.Scalar(MesosResources.Disk, size).ReservedAs(Reservation(node)).AllocatedTo(SchedulerHarness.Role)
            .AsVolume(persistenceId, SchedulerHarness.Principal, "data");

    /// <summary>The custom executor a task group runs in: the published drover-executor with its own cpus, mem and disk.</summary>
    /// <param name="node">When set, the executor's resources come out of that node's reservation (so a relaunch needs only the node's own resources).</param>
    public static ExecutorInfo Executor(string id, string? node = null)
    {
        var info = new ExecutorInfo
        {
            Type = ExecutorInfo.Types.Type.Custom,
            ExecutorId = new ExecutorID { Value = id },
            Command = new CommandInfo { Value = "./drover-executor" },
        };
        Resource Own(string name, double value) => node is null
            ? MesosResources.Scalar(name, value).AllocatedTo(SchedulerHarness.Role)
            : MesosResources.Scalar(name, value).ReservedAs(Reservation(node)).AllocatedTo(SchedulerHarness.Role);
        info.Resources.Add([Own(MesosResources.Cpus, 0.1), Own(MesosResources.Mem, 32), Own(MesosResources.Disk, 10)]);
        return info;
    }

    public static TaskInfo ShellTask(string id, Offer offer, string command, IEnumerable<Resource> resources)
    {
        var task = new TaskInfo
        {
            Name = id,
            TaskId = new TaskID { Value = id },
            AgentId = offer.AgentId.Clone(),
            Command = new CommandInfo { Value = command, Shell = true },
        };
        task.Resources.Add(resources);
        return task;
    }

    public static MasterAddress Address(LocalMesos mesos) => MasterAddress.Of(mesos.Leader!);
}
