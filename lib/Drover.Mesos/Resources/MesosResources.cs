using Drover.Mesos.V1;

namespace Drover.Mesos.Resources;

/// <summary>A dynamic reservation as Drover makes it: a role, the framework's principal, and labels naming the owner.</summary>
public sealed record ReservationSpec(string Role, string? Principal, IReadOnlyList<KeyValuePair<string, string>> Labels)
{
    public Resource.Types.ReservationInfo ToProto()
    {
        var info = new Resource.Types.ReservationInfo { Type = Resource.Types.ReservationInfo.Types.Type.Dynamic, Role = Role };
        if (Principal is not null)
        {
            info.Principal = Principal;
        }

        if (Labels.Count > 0)
        {
            info.Labels = new Labels();
            foreach (var (key, value) in Labels)
            {
                info.Labels.Labels_.Add(new Label { Key = key, Value = value });
            }
        }

        return info;
    }
}

/// <summary>Building and reading single resources: names, reservations, allocation, persistent volumes.</summary>
public static class MesosResources
{
    public const string Cpus = "cpus";
    public const string Mem = "mem";
    public const string Disk = "disk";
    public const string Ports = "ports";

    /// <summary>The role of resources that are not reserved.</summary>
    public const string UnreservedRole = "*";

    public static Resource Scalar(string name, double value) =>
        new() { Name = name, Type = Value.Types.Type.Scalar, Scalar = new Value.Types.Scalar { Value = value } };

    public static Resource Ranges(string name, RangeSet ranges) =>
        new() { Name = name, Type = Value.Types.Type.Ranges, Ranges = ranges.ToProto() };

    public static Resource PortRanges(RangeSet ports) => Ranges(Ports, ports);

    /// <summary>A copy with one more dynamic reservation on top of the stack (RESERVE with refinement).</summary>
    public static Resource ReservedAs(this Resource resource, ReservationSpec reservation)
    {
        var copy = resource.Clone();
        copy.Reservations.Add(reservation.ToProto());
        return copy;
    }

    /// <summary>A copy with the top reservation removed (what UNRESERVE gives back).</summary>
    public static Resource WithoutTopReservation(this Resource resource)
    {
        var copy = resource.Clone();
        if (copy.Reservations.Count > 0)
        {
            copy.Reservations.RemoveAt(copy.Reservations.Count - 1);
        }

        return copy;
    }

    /// <summary>A copy allocated to <paramref name="role"/> (how a MULTI_ROLE framework receives and must hand back offered resources).</summary>
    public static Resource AllocatedTo(this Resource resource, string role)
    {
        var copy = resource.Clone();
        copy.AllocationInfo = new Resource.Types.AllocationInfo { Role = role };
        return copy;
    }

    public static Resource WithoutAllocation(this Resource resource)
    {
        var copy = resource.Clone();
        copy.AllocationInfo = null;
        return copy;
    }

    /// <summary>A copy that is a persistent volume (what CREATE makes of a reserved disk).</summary>
    public static Resource AsVolume(this Resource disk, string persistenceId, string? principal, string containerPath)
    {
        var copy = disk.Clone();
        copy.Disk ??= new Resource.Types.DiskInfo();
        copy.Disk.Persistence = new Resource.Types.DiskInfo.Types.Persistence { Id = persistenceId };
        if (principal is not null)
        {
            copy.Disk.Persistence.Principal = principal;
        }

        copy.Disk.Volume = new Volume { ContainerPath = containerPath, Mode = Volume.Types.Mode.Rw };
        return copy;
    }

    /// <summary>A copy without the volume (what DESTROY gives back: the reserved disk).</summary>
    public static Resource WithoutVolume(this Resource volume)
    {
        var copy = volume.Clone();
        if (copy.Disk is not null)
        {
            copy.Disk.Persistence = null;
            copy.Disk.Volume = null;
            if (copy.Disk.Source is null)
            {
                copy.Disk = null;
            }
        }

        return copy;
    }

    /// <summary>
    /// The reservation in force: the top of the stack; null when unreserved. Drover subscribes with
    /// RESERVATION_REFINEMENT, so masters send only this post-refinement form (never `role`/`reservation`).
    /// </summary>
    public static Resource.Types.ReservationInfo? CurrentReservation(this Resource resource) =>
        resource.Reservations.Count > 0 ? resource.Reservations[^1] : null;

    public static bool IsReserved(this Resource resource) => resource.CurrentReservation() is not null;

    /// <summary>The role the resource is reserved to, or "*".</summary>
    public static string ReservationRole(this Resource resource) =>
        resource.CurrentReservation()?.Role ?? UnreservedRole;

    public static bool IsPersistentVolume(this Resource resource) => resource.Disk?.Persistence is not null;

    /// <summary>The value of a label of the current reservation, or null.</summary>
    public static string? ReservationLabel(this Resource resource, string key) =>
        resource.CurrentReservation()?.Labels?.Labels_.FirstOrDefault(l => l.Key == key)?.Value;
}
