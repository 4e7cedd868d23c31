using Call = Drover.Mesos.V1.Scheduler.Call;

namespace Drover.LocalMesos.Master;

/// <summary>
/// The master's checks of a scheduler Call, in its order and with its wording (src/master/validation.cpp,
/// scheduler::call::validate); the caller prefixes "Failed to validate scheduler::Call: ".
/// </summary>
internal static class SchedulerCallValidation
{
    public static string? Validate(Call call, string? principal)
    {
        if (!call.HasType)
        {
            return "Expecting 'type' to be present";
        }

        if (call.Type == Call.Types.Type.Subscribe)
        {
            if (call.Subscribe is null)
            {
                return "Expecting 'subscribe' to be present";
            }

            var info = call.Subscribe.FrameworkInfo;
            if (!Equals(info.Id, call.FrameworkId) && !(info.Id is null && call.FrameworkId is null))
            {
                return "'framework_id' differs from 'subscribe.framework_info.id'";
            }

            if (principal is not null && info.HasPrincipal && principal != info.Principal)
            {
                return $"Authenticated principal '{principal}' does not match principal '{info.Principal}' set in `FrameworkInfo`";
            }

            return null;
        }

        if (call.FrameworkId is null)
        {
            return "Expecting 'framework_id' to be present";
        }

        return call.Type switch
        {
            Call.Types.Type.Accept when call.Accept is null => "Expecting 'accept' to be present",
            Call.Types.Type.Decline when call.Decline is null => "Expecting 'decline' to be present",
            Call.Types.Type.AcceptInverseOffers when call.AcceptInverseOffers is null => "Expecting 'accept_inverse_offers' to be present",
            Call.Types.Type.DeclineInverseOffers when call.DeclineInverseOffers is null => "Expecting 'decline_inverse_offers' to be present",
            Call.Types.Type.Kill when call.Kill is null => "Expecting 'kill' to be present",
            Call.Types.Type.Shutdown when call.Shutdown is null => "Expecting 'shutdown' to be present",
            Call.Types.Type.Acknowledge when call.Acknowledge is null => "Expecting 'acknowledge' to be present",
            Call.Types.Type.Acknowledge when !IsValidUuid(call.Acknowledge.Uuid) => "Not a valid UUID",
            Call.Types.Type.AcknowledgeOperationStatus when call.AcknowledgeOperationStatus is null => "Expecting 'acknowledge_operation_status' to be present",
            Call.Types.Type.AcknowledgeOperationStatus when !IsValidUuid(call.AcknowledgeOperationStatus.Uuid) => "Not a valid UUID",
            Call.Types.Type.AcknowledgeOperationStatus when call.AcknowledgeOperationStatus.AgentId is null => "Expecting 'agent_id' to be present",
            Call.Types.Type.Reconcile when call.Reconcile is null => "Expecting 'reconcile' to be present",
            Call.Types.Type.ReconcileOperations when call.ReconcileOperations is null => "Expecting 'reconcile_operations' to be present",
            Call.Types.Type.Message when call.Message is null => "Expecting 'message' to be present",
            Call.Types.Type.Request when call.Request is null => "Expecting 'request' to be present",
            _ => null,
        };
    }

    /// <summary>stout's id::UUID::fromBytes: 16 bytes whose version nibble is 1 to 5.</summary>
    public static bool IsValidUuid(Google.Protobuf.ByteString bytes) => bytes.Length == 16 && (bytes[6] >> 4) is >= 1 and <= 5;
}
