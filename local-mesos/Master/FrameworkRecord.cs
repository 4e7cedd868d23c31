using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.LocalMesos.Master;

/// <summary>A refuse filter: resources of an agent declined until a time (DECLINE or ACCEPT filters).</summary>
internal sealed record OfferFilter(string AgentId, string Role, ResourceSet Refused, DateTimeOffset Until);

/// <summary>A framework as the master keeps it: its info, its connection (if any), filters and suppressed roles.</summary>
internal sealed class FrameworkRecord(string id, FrameworkInfo info)
{
    public string Id { get; } = id;

    public FrameworkInfo Info { get; set; } = info;

    public SchedulerStream? Stream { get; set; }

    public bool Connected => Stream is not null;

    public DateTimeOffset RegisteredAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Bumped at every (re)subscription: a failover timer for an older connection is stale.</summary>
    public int Generation { get; set; }

    public HashSet<string> Suppressed { get; } = new(StringComparer.Ordinal);

    public List<OfferFilter> Filters { get; } = [];

    /// <summary>Updates with a uuid not acknowledged yet, in order: resent when the scheduler resubscribes.</summary>
    public List<V1Update> Unacknowledged { get; } = [];

#pragma warning disable CS0612 // a framework without MULTI_ROLE names its one role in the deprecated field
    public IReadOnlyList<string> Roles => Info.Roles.Count > 0 ? Info.Roles : [Info.Role];
#pragma warning restore CS0612

    public bool Has(FrameworkInfo.Types.Capability.Types.Type capability) => Info.Capabilities.Any(c => c.Type == capability);

    public bool PartitionAware => Has(FrameworkInfo.Types.Capability.Types.Type.PartitionAware);
}

/// <summary>A status update waiting for the scheduler's acknowledgement.</summary>
internal sealed record V1Update(TaskStatus Status);
