using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using Call = Drover.Mesos.V1.Scheduler.Call;
using Operation = Drover.Mesos.V1.Offer.Types.Operation;
using Reason = Drover.Mesos.V1.TaskStatus.Types.Reason;

namespace Drover.LocalMesos.Master;

internal sealed partial class MasterCore
{
    /// <summary>
    /// ACCEPT (Master::accept and _accept): the offers are checked first (any invalid one drops every launch with
    /// TASK_DROPPED, REASON_INVALID_OFFERS); then the operations run in order on the offered resources. An operation
    /// that does not fit is dropped, the others go on; the call was answered 202 regardless. What is left is declined
    /// with the call's filters.
    /// </summary>
    private void Accept(FrameworkRecord framework, Call.Types.Accept accept)
    {
        if (_rescindBeforeAccepts > 0)
        {
            _rescindBeforeAccepts--;
            foreach (var offerId in accept.OfferIds)
            {
                RescindOffer(offerId.Value);
            }
        }

        var offers = new List<Offer>();
        var error = ValidateOffers(framework, accept.OfferIds, offers);
        if (error is not null)
        {
            Log($"ACCEPT of framework {framework.Id} used invalid offers: {error}");
            foreach (var offer in offers)
            {
                RemoveOffer(offer, filters: null);
            }

            DropAll(framework, accept.Operations, error);
            return;
        }

        var agent = _agents[offers[0].AgentId.Value];
        var offered = ResourceSet.Empty;
        foreach (var offer in offers)
        {
            _offers.Remove(offer.Id.Value);
            offered = offered.Plus(ResourceSet.Of(offer.Resources));
        }

        foreach (var operation in accept.Operations)
        {
            try
            {
                offered = Apply(framework, agent, operation, offered);
            }
            catch (ResourceException e)
            {
                Drop(framework, operation, e.Message);
            }
        }

        if (!offered.IsEmpty)
        {
            var leftover = Unallocated(offered);
            agent.Free = agent.Free.Plus(leftover);
            var filters = accept.Filters ?? new Filters();
            var role = offers[0].AllocationInfo?.Role ?? framework.Roles[0];
            if (filters.RefuseSeconds > 0)
            {
                framework.Filters.Add(new OfferFilter(agent.Id, role, leftover, Now + TimeSpan.FromSeconds(Math.Min(filters.RefuseSeconds, 365 * 86400.0))));
            }
        }
    }

    private string? ValidateOffers(FrameworkRecord framework, IEnumerable<OfferID> offerIds, List<Offer> valid)
    {
        string? error = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var offerId in offerIds)
        {
            if (!seen.Add(offerId.Value))
            {
                error ??= $"Duplicate offer {offerId.Value} in the same accept call";
                continue;
            }

            if (!_offers.TryGetValue(offerId.Value, out var offer))
            {
                error ??= $"Offer {offerId.Value} is no longer valid";
                continue;
            }

            if (offer.FrameworkId.Value != framework.Id)
            {
                error ??= $"Offer {offerId.Value} has invalid framework {offer.FrameworkId.Value} while framework {framework.Id} is expected";
                continue;
            }

            if (valid.Count > 0 && valid[0].AgentId.Value != offer.AgentId.Value)
            {
                error ??= $"Aggregated offers must belong to one single agent. Offer {offerId.Value} uses agent {offer.AgentId.Value} and agent {valid[0].AgentId.Value}";
            }

            valid.Add(offer);
        }

        return error ?? (valid.Count == 0 ? "No offers specified" : null);
    }

    /// <summary>Invalid offers: every task of the call is dropped, every operation with an id says so.</summary>
    private void DropAll(FrameworkRecord framework, IEnumerable<Operation> operations, string error)
    {
        var state = framework.PartitionAware ? TaskState.TaskDropped : TaskState.TaskLost;
        foreach (var operation in operations)
        {
            var tasks = operation.Type switch
            {
                Operation.Types.Type.Launch => operation.Launch?.TaskInfos.AsEnumerable() ?? [],
                Operation.Types.Type.LaunchGroup => operation.LaunchGroup?.TaskGroup?.Tasks.AsEnumerable() ?? [],
                _ => [],
            };
            foreach (var task in tasks)
            {
                Send(framework, UpdateEvent(MasterStatus(task.TaskId.Value, task.AgentId?.Value, state, Reason.InvalidOffers, "Task launched with invalid offers: " + error)));
            }

            if (operation.Type is not (Operation.Types.Type.Launch or Operation.Types.Type.LaunchGroup))
            {
                SendOperationStatus(framework, operation, OperationState.OperationDropped, null, "Operation attempted with invalid offers: " + error, withUuid: false);
            }
        }
    }

    /// <summary>Master::drop: logged, and an OPERATION_ERROR for an operation with an id.</summary>
    private void Drop(FrameworkRecord framework, Operation operation, string message)
    {
        Log($"Dropping {operation.Type} operation from framework {framework.Id}: {message}");
        SendOperationStatus(framework, operation, OperationState.OperationError, null, message, withUuid: false);
    }

    /// <summary>Runs one operation on the offered resources and returns what is left of them.</summary>
    private ResourceSet Apply(FrameworkRecord framework, EmulatedAgent agent, Operation operation, ResourceSet offered)
    {
        switch (operation.Type)
        {
            case Operation.Types.Type.Reserve when operation.Reserve is { } reserve:
                return Reserve(framework, agent, operation, reserve, offered);
            case Operation.Types.Type.Unreserve when operation.Unreserve is { } unreserve:
                return Convert(framework, agent, operation, offered, Normalize(framework, unreserve.Resources), Normalize(framework, unreserve.Resources).Select(r => r.WithoutTopReservation()).ToList(), UnreserveError(unreserve));
            case Operation.Types.Type.Create when operation.Create is { } create:
                return Create(framework, agent, operation, create, offered);
            case Operation.Types.Type.Destroy when operation.Destroy is { } destroy:
                return Destroy(framework, agent, operation, destroy, offered);
            case Operation.Types.Type.Launch when operation.Launch is { } launch:
                foreach (var task in launch.TaskInfos)
                {
                    offered = LaunchTasks(framework, agent, offered, [task], task.Executor, group: false);
                }

                return offered;
            case Operation.Types.Type.LaunchGroup when operation.LaunchGroup is { } group:
                return LaunchTasks(framework, agent, offered, [.. group.TaskGroup.Tasks], group.Executor, group: true);
            default:
                Drop(framework, operation, operation.Type is Operation.Types.Type.Unknown or Operation.Types.Type.Reserve or Operation.Types.Type.Unreserve
                    or Operation.Types.Type.Create or Operation.Types.Type.Destroy or Operation.Types.Type.Launch or Operation.Types.Type.LaunchGroup
                    ? $"Invalid {operation.Type} operation: its '{operation.Type.ToString().ToLowerInvariant()}' field is missing"
                    : $"{operation.Type} is not emulated by the local Mesos");
                return offered;
        }
    }

    private ResourceSet Reserve(FrameworkRecord framework, EmulatedAgent agent, Operation operation, Operation.Types.Reserve reserve, ResourceSet offered)
    {
        var resources = Normalize(framework, reserve.Resources);
        if (resources.Count == 0)
        {
            Drop(framework, operation, "Invalid RESERVE Operation: no resources to reserve");
            return offered;
        }

        foreach (var resource in resources)
        {
            var top = resource.CurrentReservation();
            if (top is null || top.Type != Resource.Types.ReservationInfo.Types.Type.Dynamic)
            {
                Drop(framework, operation, $"Invalid RESERVE Operation: Resource {ResourceSet.Of(resource)} is not dynamically reserved");
                return offered;
            }

            if (!framework.Roles.Contains(top.Role))
            {
                Drop(framework, operation, $"Invalid RESERVE Operation: A reserve operation was attempted for role '{top.Role}', which is not one of the framework's roles");
                return offered;
            }

            if (top.HasPrincipal && top.Principal != framework.Info.Principal)
            {
                Drop(framework, operation, $"Invalid RESERVE Operation: A reserve operation was attempted by principal '{framework.Info.Principal}', which does not match a reserved resource in the request with principal '{top.Principal}'");
                return offered;
            }

            if (resource.AllocationInfo?.Role is { } allocated && allocated != top.Role)
            {
                Drop(framework, operation, $"Invalid RESERVE Operation: resources allocated to role '{allocated}' cannot be reserved to role '{top.Role}'");
                return offered;
            }

            if (resource.IsPersistentVolume())
            {
                Drop(framework, operation, "Invalid RESERVE Operation: a persistent volume cannot be reserved");
                return offered;
            }
        }

        var consumed = reserve.Source.Count > 0 ? Normalize(framework, reserve.Source) : resources.Select(r => r.WithoutTopReservation()).ToList();
        return Convert(framework, agent, operation, offered, consumed, resources, error: null);
    }

    private static string? UnreserveError(Operation.Types.Unreserve unreserve)
    {
        foreach (var resource in unreserve.Resources)
        {
            if (resource.CurrentReservation() is not { Type: Resource.Types.ReservationInfo.Types.Type.Dynamic })
            {
                return "Invalid UNRESERVE Operation: Resource " + ResourceSet.Of(resource) + " is not dynamically reserved";
            }

            if (resource.IsPersistentVolume())
            {
                return "Invalid UNRESERVE Operation: A dynamically reserved persistent volume " + ResourceSet.Of(resource) + " cannot be unreserved";
            }
        }

        return unreserve.Resources.Count == 0 ? "Invalid UNRESERVE Operation: no resources to unreserve" : null;
    }

    private ResourceSet Create(FrameworkRecord framework, EmulatedAgent agent, Operation operation, Operation.Types.Create create, ResourceSet offered)
    {
        var volumes = Normalize(framework, create.Volumes);
        foreach (var volume in volumes)
        {
            if (volume.Disk?.Persistence is not { } persistence || volume.Disk.Volume is null)
            {
                Drop(framework, operation, "Invalid CREATE Operation: 'persistence' and 'volume' must be set in DiskInfo");
                return offered;
            }

            if (!volume.IsReserved())
            {
                Drop(framework, operation, "Invalid CREATE Operation: Persistent volumes cannot be created from unreserved resources");
                return offered;
            }

            if (volume.Disk.Volume.HasHostPath)
            {
                Drop(framework, operation, "Invalid CREATE Operation: Expecting 'host_path' to be unset for persistent volume");
                return offered;
            }

            if (IdError(persistence.Id) is { } idError)
            {
                Drop(framework, operation, $"Invalid CREATE Operation: Invalid persistence ID for persistent volume: {idError}");
                return offered;
            }

            var role = volume.ReservationRole();
            if (agent.Total.Any(r => r.Disk?.Persistence?.Id == persistence.Id && r.ReservationRole() == role)
                || volumes.Count(v => v.Disk?.Persistence?.Id == persistence.Id && v.ReservationRole() == role) > 1)
            {
                Drop(framework, operation, $"Invalid CREATE Operation: Persistence ID '{persistence.Id}' is not unique");
                return offered;
            }
        }

        var left = Convert(framework, agent, operation, offered, volumes.Select(v => v.WithoutVolume()).ToList(), volumes, error: null, finish: false);
        if (left != offered)
        {
            foreach (var volume in volumes)
            {
                Directory.CreateDirectory(agent.VolumePath(volume.ReservationRole(), volume.Disk.Persistence.Id));
            }

            SendOperationStatus(framework, operation, OperationState.OperationFinished, agent.Id, null, withUuid: true);
        }

        return left;
    }

    private ResourceSet Destroy(FrameworkRecord framework, EmulatedAgent agent, Operation operation, Operation.Types.Destroy destroy, ResourceSet offered)
    {
        var volumes = Normalize(framework, destroy.Volumes);
        if (volumes.Count == 0 || volumes.Any(v => !v.IsPersistentVolume()))
        {
            Drop(framework, operation, "Invalid DESTROY Operation: 'persistence' is not set in DiskInfo");
            return offered;
        }

        var ids = volumes.Select(v => (v.ReservationRole(), v.Disk.Persistence.Id)).ToHashSet();
        var inUse = _tasks.Values.Any(t => t.AgentId == agent.Id && !t.IsTerminal
            && t.Resources.Any(r => r.IsPersistentVolume() && ids.Contains((r.ReservationRole(), r.Disk.Persistence.Id))));
        if (inUse)
        {
            Drop(framework, operation, "Invalid DESTROY Operation: Persistent volumes in use");
            return offered;
        }

        var left = Convert(framework, agent, operation, offered, volumes, volumes.Select(v => v.WithoutVolume()).ToList(), error: null, finish: false);
        if (left != offered)
        {
            foreach (var (role, id) in ids)
            {
                var path = agent.VolumePath(role, id);
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
            }

            SendOperationStatus(framework, operation, OperationState.OperationFinished, agent.Id, null, withUuid: true);
        }

        return left;
    }

    /// <summary>
    /// A resource conversion: <paramref name="consumed"/> (which the offer must hold) becomes <paramref name="produced"/>,
    /// in the offer and in the agent's checkpointed total. Returns the offered resources after it (the same set when dropped).
    /// </summary>
    private ResourceSet Convert(FrameworkRecord framework, EmulatedAgent agent, Operation operation, ResourceSet offered,
        IReadOnlyList<Resource> consumed, IReadOnlyList<Resource> produced, string? error, bool finish = true)
    {
        if (error is not null)
        {
            Drop(framework, operation, error);
            return offered;
        }

        var take = ResourceSet.Of(consumed);
        if (take.IsEmpty || !offered.Contains(take))
        {
            Drop(framework, operation, $"Invalid {operation.Type} Operation: {offered} does not contain {take}");
            return offered;
        }

        var give = ResourceSet.Of(produced);
        agent.Total = agent.Total.Minus(Unallocated(take)).Plus(Unallocated(give));
        Log($"{operation.Type} on agent {agent.Id} for framework {framework.Id}: {take} -> {give}");
        if (finish)
        {
            SendOperationStatus(framework, operation, OperationState.OperationFinished, agent.Id, null, withUuid: true);
        }

        return offered.Minus(take).Plus(give);
    }

    /// <summary>Resources as they come in an operation, with the framework's role as allocation when it has only one (Mesos injects it).</summary>
    private static List<Resource> Normalize(FrameworkRecord framework, IEnumerable<Resource> resources) =>
        resources.Select(r =>
        {
            if (r.AllocationInfo is null && framework.Roles.Count == 1)
            {
                return r.AllocatedTo(framework.Roles[0]);
            }

            return r.Clone();
        }).ToList();

    /// <summary>common::validation::validateID: non-empty, no '/', no whitespace or control characters, not "." or "..".</summary>
    private static string? IdError(string id) =>
        id.Length == 0 ? "ID must not be empty"
        : id is "." or ".." ? "'.' and '..' are disallowed for ID"
        : id.Any(c => c == '/' || c == '\\' || char.IsWhiteSpace(c) || char.IsControl(c)) ? $"ID '{id}' contains invalid characters"
        : id.Length > 255 ? "ID must not be greater than 255 characters"
        : null;
}
