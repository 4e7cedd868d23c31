using Google.Protobuf;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;

namespace Drover.LocalMesos.Agent;

/// <summary>The events an agent sends an executor, built the way the agent builds them.</summary>
public static class ExecutorEvents
{
    /// <summary>
    /// HEARTBEAT is Event.Type 9 in Mesos 1.12's executor.proto ("received periodically to make sure
    /// the connection is alive"). Our proto subset may not declare it, so it is named here.
    /// </summary>
    public const Event.Types.Type HeartbeatType = (Event.Types.Type)9;

    public static Event Launch(TaskInfo task) => new()
    {
        Type = Event.Types.Type.Launch,
        Launch = new Event.Types.Launch { Task = task },
    };

    /// <summary>LAUNCH_GROUP: how command tasks reach a custom executor (every TaskInfo carries executor and command).</summary>
    public static Event LaunchGroup(params TaskInfo[] tasks)
    {
        var group = new TaskGroupInfo();
        group.Tasks.Add(tasks);
        return new Event { Type = Event.Types.Type.LaunchGroup, LaunchGroup = new Event.Types.LaunchGroup { TaskGroup = group } };
    }

    /// <summary>KILL carries only the task id unless the scheduler gave a kill policy.</summary>
    public static Event Kill(string taskId, TimeSpan? gracePeriod = null)
    {
        var kill = new Event.Types.Kill { TaskId = new TaskID { Value = taskId } };
        if (gracePeriod is { } grace)
        {
            kill.KillPolicy = new KillPolicy { GracePeriod = Duration(grace) };
        }

        return new Event { Type = Event.Types.Type.Kill, Kill = kill };
    }

    public static Event Shutdown() => new() { Type = Event.Types.Type.Shutdown };

    public static Event Error(string message) => new()
    {
        Type = Event.Types.Type.Error,
        Error = new Event.Types.Error { Message = message },
    };

    public static Event Message(ByteString data) => new()
    {
        Type = Event.Types.Type.Message,
        Message = new Event.Types.Message { Data = data },
    };

    public static Event Acknowledged(TaskID taskId, ByteString uuid) => new()
    {
        Type = Event.Types.Type.Acknowledged,
        Acknowledged = new Event.Types.Acknowledged { TaskId = taskId.Clone(), Uuid = uuid },
    };

    public static Event Heartbeat() => new() { Type = HeartbeatType };

    public static DurationInfo Duration(TimeSpan value) => new() { Nanoseconds = checked(value.Ticks * 100) };
}
