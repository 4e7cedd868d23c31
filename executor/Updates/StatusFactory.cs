using Google.Protobuf;
using Drover.Mesos;
using Drover.Mesos.V1;

namespace Drover.Executor.Updates;

/// <summary>
/// Builds TaskStatus messages the way Mesos' own executors do: source SOURCE_EXECUTOR,
/// a fresh 16-byte uuid each, a timestamp in seconds, the executor's and the agent's ids.
/// </summary>
public sealed class StatusFactory(ExecutorID executorId, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public AgentID? AgentId { get; set; }

    public TaskStatus Create(TaskID taskId, TaskState state, string? message = null, TaskStatus.Types.Reason? reason = null, bool? healthy = null)
    {
        var status = new TaskStatus
        {
            TaskId = taskId,
            State = state,
            Source = TaskStatus.Types.Source.Executor,
            ExecutorId = executorId,
            Timestamp = _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0,
            // RFC 4122 byte order, as stout's UUID::toBytes writes it.
            Uuid = ByteString.CopyFrom(Guid.NewGuid().ToByteArray(bigEndian: true)),
        };

        if (AgentId is not null)
        {
            status.AgentId = AgentId;
        }

        if (message is not null)
        {
            status.Message = message;
        }

        if (reason is { } r)
        {
            status.Reason = r;
        }

        if (healthy is { } h)
        {
            status.Healthy = h;
        }

        return status;
    }

    public static Guid UuidOf(TaskStatus status) => UuidOf(status.Uuid);

    public static Guid UuidOf(ByteString uuid) => uuid.Length == 16 ? new Guid(uuid.Span, bigEndian: true) : Guid.Empty;

    /// <summary>The state's name as Mesos writes it (TASK_RUNNING), for logs and metric labels.</summary>
    public static string Name(TaskState state) => EnumNames<TaskState>.Of(state);

    public static bool IsTerminal(TaskState state) => state is TaskState.TaskFinished or TaskState.TaskFailed
        or TaskState.TaskKilled or TaskState.TaskError or TaskState.TaskLost or TaskState.TaskDropped
        or TaskState.TaskGone;
}
