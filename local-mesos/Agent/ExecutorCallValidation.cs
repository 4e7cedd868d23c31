using Google.Protobuf;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.LocalMesos.Agent;

/// <summary>
/// The agent's checks of an executor Call, in its order and with its wording
/// (src/common/validation.cpp validateExecutorCall; the UUID check is stout's id::UUID::fromBytes).
/// </summary>
public static class ExecutorCallValidation
{
    /// <summary>HEARTBEAT is Call.Type 4 in Mesos 1.12; our proto subset may not declare it.</summary>
    public const Call.Types.Type HeartbeatType = (Call.Types.Type)4;

    /// <summary>The reason the agent would reject <paramref name="call"/> (the text after "Failed to validate Executor::Call: "), or null.</summary>
    public static string? Validate(Call call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!call.IsInitialized())
        {
            return "Not initialized: required fields missing";
        }

        if (!call.HasType)
        {
            return "Expecting 'type' to be present";
        }

        if (call.ExecutorId is null)
        {
            return "Expecting 'executor_id' to be present";
        }

        if (call.FrameworkId is null)
        {
            return "Expecting 'framework_id' to be present";
        }

        return call.Type switch
        {
            Call.Types.Type.Subscribe => call.Subscribe is null ? "Expecting 'subscribe' to be present" : null,
            Call.Types.Type.Update => ValidateUpdate(call),
            Call.Types.Type.Message => call.Message is null ? "Expecting 'message' to be present" : null,
            _ => null, // UNKNOWN, HEARTBEAT and types this proto does not know pass validation
        };
    }

    /// <summary>stout's id::UUID::fromBytes: 16 bytes whose version nibble (high half of byte 6) is 1 to 5.</summary>
    public static bool IsValidUuid(ByteString bytes) =>
        bytes.Length == 16 && (bytes[6] >> 4) is >= 1 and <= 5;

    private static string? ValidateUpdate(Call call)
    {
        if (call.Update is null)
        {
            return "Expecting 'update' to be present";
        }

        var status = call.Update.Status;
        if (!status.HasUuid)
        {
            return "Expecting 'uuid' to be present";
        }

        if (!IsValidUuid(status.Uuid))
        {
            return "Not a valid UUID";
        }

        if (status.ExecutorId is not null && status.ExecutorId.Value != call.ExecutorId.Value)
        {
            return $"ExecutorID in Call: {call.ExecutorId.Value} does not match ExecutorID in TaskStatus: {status.ExecutorId.Value}";
        }

        if (status.Source != TaskStatus.Types.Source.Executor)
        {
            return $"Received Call from executor {call.ExecutorId.Value} of framework {call.FrameworkId.Value} with invalid source, expecting 'SOURCE_EXECUTOR'";
        }

        if (status.State == TaskState.TaskStaging)
        {
            return $"Received TASK_STAGING from executor {call.ExecutorId.Value} of framework {call.FrameworkId.Value} which is not allowed";
        }

        return status.CheckStatus is null ? null : ValidateCheckStatus(status.CheckStatus);
    }

    private static string? ValidateCheckStatus(CheckStatusInfo check)
    {
        if (!check.HasType)
        {
            return "CheckStatusInfo must specify 'type'";
        }

        return check.Type switch
        {
            CheckInfo.Types.Type.Command when check.Command is null => "Expecting 'command' to be set for COMMAND check's status",
            CheckInfo.Types.Type.Http when check.Http is null => "Expecting 'http' to be set for HTTP check's status",
            CheckInfo.Types.Type.Tcp when check.Tcp is null => "Expecting 'tcp' to be set for TCP check's status",
            CheckInfo.Types.Type.Unknown => "'UNKNOWN' is not a valid check's status type",
            _ => null,
        };
    }
}
